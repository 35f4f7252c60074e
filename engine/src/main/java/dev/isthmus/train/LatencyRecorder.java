package dev.isthmus.train;

import java.util.Arrays;
import java.util.Locale;

/**
 * Records inference latencies, one entry per batch, into arrays sized once, and summarizes them per
 * batch (mean and percentiles) and per sample (total time over total samples) with throughput.
 *
 * <p>Typical use: warm up, then for each batch {@code long t = System.nanoTime(); model.forward(x);
 * recorder.record(System.nanoTime() - t, batchSize);}, then {@link #summary()}. {@link #record} allocates
 * nothing; once {@code capacity} batches are recorded further ones are still counted in the totals but
 * not in the percentiles.
 */
public final class LatencyRecorder {
    private final long[] batchNanos;
    private int recorded;
    private long batches;
    private long samples;
    private long totalNanos;

    /** A recorder that keeps up to {@code capacity} batch latencies for percentiles. */
    public LatencyRecorder(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("LatencyRecorder: capacity must be positive, got " + capacity);
        }
        this.batchNanos = new long[capacity];
    }

    /** Records one batch of {@code batchSize} samples that took {@code nanos}. */
    public void record(long nanos, int batchSize) {
        if (nanos < 0 || batchSize < 1) {
            throw new IllegalArgumentException("LatencyRecorder.record: nanos " + nanos + ", batch size " + batchSize);
        }
        if (recorded < batchNanos.length) {
            batchNanos[recorded++] = nanos;
        }
        batches++;
        samples += batchSize;
        totalNanos += nanos;
    }

    public void reset() {
        recorded = 0;
        batches = 0;
        samples = 0;
        totalNanos = 0;
    }

    public long batches() {
        return batches;
    }

    public long samples() {
        return samples;
    }

    /** Summary of what was recorded; an error if nothing was. */
    public Summary summary() {
        if (batches == 0) {
            throw new IllegalStateException("LatencyRecorder.summary: no batch recorded");
        }
        long[] sorted = Arrays.copyOf(batchNanos, recorded);
        Arrays.sort(sorted);
        double ms = 1e-6;
        return new Summary(batches, samples,
                totalNanos * ms / batches,
                percentile(sorted, 50) * ms,
                percentile(sorted, 90) * ms,
                percentile(sorted, 99) * ms,
                sorted[sorted.length - 1] * ms,
                totalNanos * ms / samples,
                totalNanos == 0 ? Double.POSITIVE_INFINITY : samples * 1e9 / totalNanos);
    }

    /** Linear interpolation between closest ranks, as {@code numpy.percentile}'s default. */
    static double percentile(long[] sorted, double p) {
        double pos = p / 100 * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
    }

    /**
     * Latency figures in milliseconds: per batch (mean, median, 90th and 99th percentile, max) and per
     * sample (total time / total samples), and samples per second.
     */
    public record Summary(long batches, long samples, double meanBatchMs, double p50BatchMs, double p90BatchMs,
                          double p99BatchMs, double maxBatchMs, double perSampleMs, double samplesPerSecond) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT,
                    "%d batches, %d samples: per batch mean %.3f ms, p50 %.3f ms, p90 %.3f ms, p99 %.3f ms, "
                            + "max %.3f ms; per sample %.4f ms; %,.0f samples/s",
                    batches, samples, meanBatchMs, p50BatchMs, p90BatchMs, p99BatchMs, maxBatchMs, perSampleMs,
                    samplesPerSecond);
        }
    }
}
