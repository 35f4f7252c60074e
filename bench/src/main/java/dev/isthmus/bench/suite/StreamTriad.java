package dev.isthmus.bench.suite;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Memory bandwidth, measured as STREAM's triad does: {@code a[i] = b[i] + s * c[i]} over three off-heap float
 * arrays far larger than the last-level cache, counting 12 bytes per element (two reads and a write, write-allocate
 * traffic not counted, as in STREAM). On several threads each takes a contiguous slice of the arrays. Owns its
 * arrays (one shared arena), so close it.
 */
public final class StreamTriad implements AutoCloseable {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder LE = ByteOrder.nativeOrder();

    private final Arena arena = Arena.ofShared();
    private final MemorySegment a, b, c;
    private final long n;

    /** Arrays of {@code elements} floats each (the suite uses 16 Mi: 64 MiB per array, 192 MiB in all). */
    public StreamTriad(long elements) {
        if (elements < S.length()) {
            throw new IllegalArgumentException("StreamTriad: need at least " + S.length() + " elements, got " + elements);
        }
        this.n = elements - elements % S.length();
        a = arena.allocate(n * 4, 64);
        b = arena.allocate(n * 4, 64);
        c = arena.allocate(n * 4, 64);
        for (long i = 0; i < n; i++) {
            b.setAtIndex(ValueLayout.JAVA_FLOAT, i, 1f);
            c.setAtIndex(ValueLayout.JAVA_FLOAT, i, 2f);
        }
    }

    /** Bytes one triad pass moves (STREAM's count). */
    public double bytesPerPass() {
        return 12.0 * n;
    }

    /** The triad over elements {@code [from, to)}. */
    void triad(long from, long to, float s) {
        FloatVector vs = FloatVector.broadcast(S, s);
        for (long i = from * 4, end = to * 4; i < end; i += S.vectorByteSize()) {
            FloatVector.fromMemorySegment(S, c, i, LE).fma(vs, FloatVector.fromMemorySegment(S, b, i, LE))
                    .intoMemorySegment(a, i, LE);
        }
    }

    /** A probe running {@code reps} passes split over the threads of {@code parallel}; seconds per pass. */
    Sampler.Probe probe(Parallel parallel) {
        int t = parallel.threads();
        long chunk = n / S.length() / t * S.length();
        return reps -> {
            long t0 = System.nanoTime();
            parallel.run(worker -> {
                long from = worker * chunk;
                long to = worker == t - 1 ? n : from + chunk;
                for (int r = 0; r < reps; r++) {
                    triad(from, to, 3f);
                }
            });
            return (System.nanoTime() - t0) / 1e9 / reps;
        };
    }

    @Override
    public void close() {
        arena.close();
    }
}
