package dev.isthmus.bench.suite;

import java.util.Arrays;

/**
 * When a series of timing samples has a trustworthy median. A median is stable when two things hold:
 * it does not drift (the medians of the first and second half of the samples differ by at most the
 * tolerance) and it is precise (its standard error, estimated robustly as {@code 0.93 x IQR / sqrt(n)},
 * is at most half the tolerance, so a 95 % interval lies within the tolerance). Drift catches a JIT still
 * compiling or load that came or went; precision asks noisy rows for more samples. A row whose spread
 * ({@code (p90 - p10) / median}) exceeds the spread limit is flagged noisy even when its median is stable.
 *
 * @param tolerance   relative tolerance of the median, e.g. 0.02
 * @param minSamples  samples before stability is judged (at least 4)
 * @param maxSamples  samples after which measuring stops, stable or not
 * @param spreadLimit relative p10-p90 spread above which a row is flagged noisy
 */
public record Stability(double tolerance, int minSamples, int maxSamples, double spreadLimit) {

    public Stability {
        if (!(tolerance > 0 && tolerance < 1)) {
            throw new IllegalArgumentException("Stability: tolerance must be in (0, 1), got " + tolerance);
        }
        if (minSamples < 4 || maxSamples < minSamples) {
            throw new IllegalArgumentException("Stability: need 4 <= minSamples <= maxSamples, got " + minSamples
                    + " and " + maxSamples);
        }
        if (!(spreadLimit > 0)) {
            throw new IllegalArgumentException("Stability: spreadLimit must be > 0, got " + spreadLimit);
        }
    }

    /** The full run's rule: 2 % tolerance, 6 to 200 samples, noisy above 15 % spread. */
    public static Stability full() {
        return new Stability(0.02, 6, 200, 0.15);
    }

    /** The quick run's rule: 4 % tolerance (well inside the 10 % claim), 5 to 60 samples, same spread limit. */
    public static Stability quick() {
        return new Stability(0.04, 5, 60, 0.15);
    }

    /** Why a series stopped or goes on. */
    public enum State { TOO_FEW, DRIFTING, IMPRECISE, STABLE }

    /** The verdict on the first {@code n} samples: the state, the half-to-half drift and the median's relative error. */
    public record Verdict(State state, double drift, double relativeError) {
        public boolean stable() {
            return state == State.STABLE;
        }
    }

    /** Judges the first {@code n} values of {@code samples} (any positive quantity: seconds, or a rate). */
    public Verdict judge(double[] samples, int n) {
        if (n < minSamples) {
            return new Verdict(State.TOO_FEW, Double.NaN, Double.NaN);
        }
        double[] all = Arrays.copyOf(samples, n);
        double median = quantile(all, 0.5);
        double first = quantile(Arrays.copyOfRange(samples, 0, n / 2), 0.5);
        double second = quantile(Arrays.copyOfRange(samples, n - n / 2, n), 0.5);
        double drift = Math.abs(first - second) / median;
        double iqr = quantile(all, 0.75) - quantile(all, 0.25);
        double error = 0.93 * iqr / Math.sqrt(n) / median;
        State s = drift > tolerance ? State.DRIFTING : error > tolerance / 2 ? State.IMPRECISE : State.STABLE;
        return new Verdict(s, drift, error);
    }

    /** The relative p10-p90 spread of the values. */
    public static double spread(double[] values) {
        double m = quantile(values, 0.5);
        return (quantile(values, 0.9) - quantile(values, 0.1)) / m;
    }

    /** True if the values spread wider than {@link #spreadLimit}. */
    public boolean noisy(double[] values) {
        return spread(values) > spreadLimit;
    }

    /** The q-quantile (0..1) with linear interpolation between order statistics (numpy's default). */
    public static double quantile(double[] values, double q) {
        if (values.length == 0) {
            throw new IllegalArgumentException("quantile of no values");
        }
        double[] s = values.clone();
        Arrays.sort(s);
        double pos = q * (s.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(lo + 1, s.length - 1);
        return s[lo] + (pos - lo) * (s[hi] - s[lo]);
    }
}
