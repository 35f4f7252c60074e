package dev.isthmus.bench.suite;

/**
 * Where a kernel sits under the roofline of its thread count: its arithmetic intensity (FLOP per byte of
 * minimal memory traffic) against the ridge point (peak GFLOP/s / bandwidth GB/s). Below the ridge the
 * kernel is bound by memory and its limit is {@code intensity x bandwidth}; above, by compute and its limit
 * is the peak. The fraction is what it attained over that limit: for a memory-bound kernel the same as
 * its bytes per second over the bandwidth, which also covers kernels that do no floating-point work.
 *
 * @param flops          floating-point operations of one call
 * @param bytes          minimal bytes one call must move (inputs read once, outputs written once)
 * @param intensity      {@code flops / bytes}
 * @param peakGflops     the measured FMA peak for the kernel's thread count
 * @param bandwidthGBs   the measured triad bandwidth for the kernel's thread count
 * @param bound          {@code compute} or {@code memory}
 * @param limitGflops    {@code min(peak, intensity x bandwidth)}
 * @param attainedGflops {@code flops / seconds}
 * @param attainedGBs    {@code bytes / seconds}
 * @param fraction       attained over the limit (0..1, may exceed 1 where caches beat the triad bandwidth)
 */
public record Roofline(double flops, double bytes, double intensity, double peakGflops, double bandwidthGBs,
                       String bound, double limitGflops, double attainedGflops, double attainedGBs, double fraction) {

    public static final String COMPUTE = "compute";
    public static final String MEMORY = "memory";

    /** Classifies a kernel that did {@code flops} and moved {@code bytes} in {@code seconds}. */
    public static Roofline classify(double flops, double bytes, double seconds, double peakGflops, double bandwidthGBs) {
        if (!(bytes > 0 && flops >= 0 && seconds > 0 && peakGflops > 0 && bandwidthGBs > 0)) {
            throw new IllegalArgumentException("Roofline: need bytes > 0, flops >= 0, seconds > 0 and positive peak and "
                    + "bandwidth, got flops=" + flops + " bytes=" + bytes + " seconds=" + seconds + " peak=" + peakGflops
                    + " bandwidth=" + bandwidthGBs);
        }
        double intensity = flops / bytes;
        double ridge = peakGflops / bandwidthGBs;
        boolean memory = intensity < ridge;
        double limit = memory ? intensity * bandwidthGBs : peakGflops;
        double gflops = flops / seconds / 1e9;
        double gbs = bytes / seconds / 1e9;
        double fraction = memory ? gbs / bandwidthGBs : gflops / peakGflops;
        return new Roofline(flops, bytes, intensity, peakGflops, bandwidthGBs, memory ? MEMORY : COMPUTE, limit, gflops,
                gbs, fraction);
    }

    /** The ridge point: the intensity (FLOP/byte) above which a kernel is compute-bound. */
    public double ridge() {
        return peakGflops / bandwidthGBs;
    }
}
