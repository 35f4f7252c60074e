package dev.isthmus.bench.suite;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The measured FP32 FMA peak: a Vector API loop of independent fused multiply-adds on the preferred species,
 * with enough accumulators (12) to cover the FMA latency times the number of FMA pipes of current x86 cores
 * (4 cycles x 2 pipes = 8), so it runs at the core's FMA throughput. Run on one thread it gives the peak per
 * core; on one thread per core at once, the peak of all cores (lower than cores x one-core peak where the
 * clock drops under load or a hypervisor shares the cores). The values stay bounded (x -> 0.999999 x + 1e-6),
 * so no overflow or denormals slow the loop.
 */
public final class FmaPeak {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** FMA iterations of one call; each does 12 vector FMAs. */
    static final int ITERATIONS = 1 << 16;
    private static volatile float sink;

    private FmaPeak() {
    }

    /** FLOP of one {@link #kernel} call: iterations x 12 accumulators x lanes x 2. */
    public static double flopsPerCall() {
        return (double) ITERATIONS * 12 * S.length() * 2;
    }

    /** Width of the species the loop uses, in bits. */
    public static int speciesBits() {
        return S.vectorBitSize();
    }

    /** One call of the FMA loop; returns a value depending on every accumulator. */
    static float kernel(float seed) {
        FloatVector a = FloatVector.broadcast(S, 0.999999f);
        FloatVector b = FloatVector.broadcast(S, 1e-6f);
        FloatVector v0 = FloatVector.broadcast(S, seed), v1 = v0.add(1f), v2 = v0.add(2f), v3 = v0.add(3f);
        FloatVector v4 = v0.add(4f), v5 = v0.add(5f), v6 = v0.add(6f), v7 = v0.add(7f);
        FloatVector v8 = v0.add(8f), v9 = v0.add(9f), v10 = v0.add(10f), v11 = v0.add(11f);
        for (int i = 0; i < ITERATIONS; i++) {
            v0 = v0.fma(a, b);
            v1 = v1.fma(a, b);
            v2 = v2.fma(a, b);
            v3 = v3.fma(a, b);
            v4 = v4.fma(a, b);
            v5 = v5.fma(a, b);
            v6 = v6.fma(a, b);
            v7 = v7.fma(a, b);
            v8 = v8.fma(a, b);
            v9 = v9.fma(a, b);
            v10 = v10.fma(a, b);
            v11 = v11.fma(a, b);
        }
        return v0.add(v1).add(v2).add(v3).add(v4).add(v5).add(v6).add(v7).add(v8).add(v9).add(v10).add(v11)
                .reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
    }

    /** A probe running {@code reps} calls on each of the threads of {@code parallel} at once; seconds per call round. */
    static Sampler.Probe probe(Parallel parallel) {
        return reps -> {
            long t0 = System.nanoTime();
            parallel.run(worker -> {
                float s = 0;
                for (int r = 0; r < reps; r++) {
                    s += kernel(worker + r * 1e-3f);
                }
                sink = s;
            });
            return (System.nanoTime() - t0) / 1e9 / reps;
        };
    }
}
