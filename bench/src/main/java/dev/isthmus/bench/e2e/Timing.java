package dev.isthmus.bench.e2e;

import java.util.Arrays;

/**
 * The timing scheme every end-to-end runner shares (Isthmus's {@link EndToEnd}, the ONNX Runtime peer,
 * and, in Python, {@code bench/pytorch/peer.py}): warm up until the step time settles, then the median of
 * timed repetitions; single calls for latency percentiles. One scheme for all, so no side is timed
 * more favourably than another.
 */
public final class Timing {
    private Timing() {
    }

    /**
     * Warm-up, then {@code reps} repetitions of {@code inner} steps; returns each repetition's seconds per step.
     * The warm-up runs rounds of {@code inner} steps until the JIT has settled: at least
     * {@code minWarmupSeconds}, and until three rounds in a row were no more than 3% faster than the best
     * round before them, or {@code 10 x minWarmupSeconds} (at least 10 s) have passed. Vector API code
     * is many times slower before C2 compiles it, and on a loaded machine that takes seconds, so a fixed
     * step count (peer.py's warm-up, enough for PyTorch) would time the interpreter.
     */
    public static double[] time(Runnable step, int inner, int reps, double minWarmupSeconds) {
        long start = System.nanoTime();
        long minEnd = start + (long) (minWarmupSeconds * 1e9);
        long maxEnd = start + (long) (Math.max(10, 10 * minWarmupSeconds) * 1e9);
        double best = Double.POSITIVE_INFINITY;
        int stable = 0;
        while (true) {
            long t0 = System.nanoTime();
            for (int i = 0; i < inner; i++) {
                step.run();
            }
            long now = System.nanoTime();
            double t = now - t0;
            stable = t < best * 0.97 ? 0 : stable + 1;
            best = Math.min(best, t);
            if (now >= maxEnd || (now >= minEnd && stable >= 3)) {
                break;
            }
        }
        double[] secs = new double[reps];
        for (int r = 0; r < reps; r++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < inner; i++) {
                step.run();
            }
            secs[r] = (System.nanoTime() - t0) / 1e9 / inner;
        }
        return secs;
    }

    /**
     * Latency of single calls: the same settling warm-up as {@link #time} (rounds of {@code warmupInner}
     * calls), then {@code samples} calls timed one by one; returns {@code {p50, p99}} in milliseconds.
     */
    public static double[] latencyMs(Runnable call, int warmupInner, double minWarmupSeconds, int samples) {
        time(call, warmupInner, 0, minWarmupSeconds);
        double[] ms = new double[samples];
        for (int i = 0; i < samples; i++) {
            long t0 = System.nanoTime();
            call.run();
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(ms);
        return new double[]{percentile(ms, 50), percentile(ms, 99)};
    }

    /** The nearest-rank percentile of sorted values, as peer.py computes it. */
    public static double percentile(double[] sorted, double p) {
        if (sorted.length == 0) {
            throw new IllegalArgumentException("percentile of no values");
        }
        int i = (int) Math.round(p / 100.0 * (sorted.length - 1));
        return sorted[Math.min(sorted.length - 1, Math.max(0, i))];
    }

    public static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }
}
