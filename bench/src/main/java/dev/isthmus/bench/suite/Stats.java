package dev.isthmus.bench.suite;

import java.util.Arrays;

/**
 * The statistics of one row's samples, in the row's unit: median (the row's value), p10, p90, p99, min,
 * max, the relative p10-p90 spread, how many samples, whether the median was stable and why measuring
 * stopped, and the seconds spent warming up and measuring.
 *
 * @param stop {@code stable}, {@code budget} (the time budget ended first), {@code max-samples}, or {@code derived}
 */
public record Stats(int samples, double median, double p10, double p90, double p99, double min, double max,
                    double spread, boolean stable, boolean noisy, String stop, double warmupSeconds,
                    double measureSeconds) {

    /** Statistics of {@code values} (already in the row's unit). */
    public static Stats of(double[] values, boolean stable, String stop, Stability rule, double warmupSeconds,
                           double measureSeconds) {
        if (values.length == 0) {
            throw new IllegalArgumentException("Stats: no samples");
        }
        double[] s = values.clone();
        Arrays.sort(s);
        return new Stats(s.length, Stability.quantile(s, 0.5), Stability.quantile(s, 0.1), Stability.quantile(s, 0.9),
                Stability.quantile(s, 0.99), s[0], s[s.length - 1], Stability.spread(s), stable, rule.noisy(s), stop,
                warmupSeconds, measureSeconds);
    }
}
