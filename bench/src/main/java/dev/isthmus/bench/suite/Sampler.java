package dev.isthmus.bench.suite;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.Arrays;

/**
 * Times an operation the way the suite trusts: a warm-up that lasts until the JIT has finished with it,
 * then samples until {@link Stability} says the median is stable or the time budget ends.
 *
 * <p>The warm-up runs rounds of the operation (the repetition count doubles until a round lasts the
 * sample target) for at least the minimum warm-up, and then until three rounds in a row were no more
 * than 3 % faster than the best before them and the JIT compiled nothing during the last round
 * ({@link CompilationMXBean}, where supported), or the maximum warm-up has passed. The old {@code --quick}
 * stopped after a fixed number of steps and timed code C2 had not compiled yet (MLP: 160,913 instead of
 * ~288,000 images/s); waiting for the JIT to go quiet is what makes a short run agree with a long one.
 */
public final class Sampler {

    /** Runs an operation {@code reps} times and returns the seconds per operation. */
    @FunctionalInterface
    public interface Probe {
        double secondsPerOp(int reps);
    }

    /** A probe timing {@code op} with {@link System#nanoTime()}. */
    public static Probe of(Runnable op) {
        return reps -> {
            long t0 = System.nanoTime();
            for (int i = 0; i < reps; i++) {
                op.run();
            }
            return (System.nanoTime() - t0) / 1e9 / reps;
        };
    }

    /**
     * Seconds for each phase: warm-up at least {@code minWarmup} and at most {@code maxWarmup}, measuring at
     * most {@code measure}, and each sample at least {@code sampleTarget} long (operations are repeated to fill it).
     */
    public record Budget(double minWarmup, double maxWarmup, double measure, double sampleTarget) {
        public Budget {
            if (!(minWarmup >= 0 && maxWarmup >= minWarmup && measure > 0 && sampleTarget > 0)) {
                throw new IllegalArgumentException("Sampler.Budget: need 0 <= minWarmup <= maxWarmup, measure > 0 and "
                        + "sampleTarget > 0, got " + minWarmup + ", " + maxWarmup + ", " + measure + ", " + sampleTarget);
            }
        }

        /** This budget with {@code factor} times the measuring time. */
        public Budget scaled(double factor) {
            return new Budget(minWarmup, maxWarmup, measure * factor, sampleTarget);
        }
    }

    /** What a measurement gave: seconds per operation of every sample, and how it ended. */
    public record Result(double[] secondsPerOp, boolean stable, String stop, double warmupSeconds,
                         double measureSeconds, int reps) {
    }

    private static final CompilationMXBean JIT = ManagementFactory.getCompilationMXBean();

    private final Stability rule;
    private final Budget budget;

    public Sampler(Stability rule, Budget budget) {
        this.rule = rule;
        this.budget = budget;
    }

    public Stability rule() {
        return rule;
    }

    public Budget budget() {
        return budget;
    }

    /** Warms {@code probe} up, then samples it until stable, {@link Budget#measure} has passed or the rule's maximum. */
    public Result measure(Probe probe) {
        long start = System.nanoTime();
        int reps = warmUp(probe, start);
        long mStart = System.nanoTime();
        double warm = (mStart - start) / 1e9;
        long end = mStart + (long) (budget.measure() * 1e9);
        double[] s = new double[rule.maxSamples()];
        int n = 0;
        String stop = "max-samples";
        boolean stable = false;
        while (n < s.length) {
            s[n++] = probe.secondsPerOp(reps);
            if (rule.judge(s, n).stable()) {
                stable = true;
                stop = "stable";
                break;
            }
            if (System.nanoTime() >= end && n >= 3) {
                stop = "budget";
                break;
            }
        }
        return new Result(Arrays.copyOf(s, n), stable, stop, warm, (System.nanoTime() - mStart) / 1e9, reps);
    }

    /**
     * Single-operation latencies: warm-up as for {@link #measure}, then one operation per sample for the whole
     * measuring budget, and on until {@code minSamples} (so p99 has enough samples) but never past four budgets
     * (a slow model on a loaded machine), at most {@code maxSamples}.
     */
    public Result latencies(Probe probe, int minSamples, int maxSamples) {
        long start = System.nanoTime();
        warmUp(probe, start);
        long mStart = System.nanoTime();
        long end = mStart + (long) (budget.measure() * 1e9);
        long hardEnd = mStart + (long) (4 * budget.measure() * 1e9);
        double[] s = new double[maxSamples];
        int n = 0;
        while (n < maxSamples) {
            long now = System.nanoTime();
            if (n >= 3 && (now >= hardEnd || (now >= end && n >= minSamples))) {
                break;
            }
            s[n++] = probe.secondsPerOp(1);
        }
        double[] got = Arrays.copyOf(s, n);
        boolean stable = rule.judge(got, n).stable();
        return new Result(got, stable, stable ? "stable" : n >= maxSamples ? "max-samples" : "budget",
                (mStart - start) / 1e9, (System.nanoTime() - mStart) / 1e9, 1);
    }

    private int warmUp(Probe probe, long start) {
        long minEnd = start + (long) (budget.minWarmup() * 1e9);
        long maxEnd = start + (long) (budget.maxWarmup() * 1e9);
        int reps = 1;
        double best = Double.POSITIVE_INFINITY;
        int calm = 0;
        while (true) {
            long jit0 = jitMillis();
            double t = probe.secondsPerOp(reps);
            boolean jitQuiet = jitMillis() == jit0;
            if (t * reps < budget.sampleTarget() && reps < (1 << 24)) {
                reps *= 2; // calibrating: the round was too short to be a sample
                calm = 0;
            } else {
                calm = t < best * 0.97 || !jitQuiet ? 0 : calm + 1;
            }
            best = Math.min(best, t);
            long now = System.nanoTime();
            if (now >= maxEnd || (now >= minEnd && calm >= 3)) {
                return reps;
            }
        }
    }

    private static long jitMillis() {
        return JIT != null && JIT.isCompilationTimeMonitoringSupported() ? JIT.getTotalCompilationTime() : 0;
    }
}
