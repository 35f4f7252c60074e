package dev.isthmus.bench.suite;

import java.util.HashMap;
import java.util.Map;

/**
 * Takes {@link MachineCheck}s: the FMA loop (best of 3 calls of 24 repetitions, about 5 ms each) and a triad over
 * 3 x 32 MiB, beyond the last-level cache of the machines the suite runs on (best of 4 passes), on the probe
 * threads of {@link Parallel}, not the engine's pool. Shorter calls measured thread hand-off more than the
 * machine. Both kernels are compiled by the machine probe before the first check. Owns its threads and arrays;
 * close it.
 */
final class Sentinel implements AutoCloseable {
    private static final long TRIAD_ELEMENTS = 8L << 20;

    private final Map<Integer, Parallel> threads = new HashMap<>();
    private final StreamTriad triad = new StreamTriad(TRIAD_ELEMENTS);

    /** The machine's state now, on {@code n} threads at once. */
    MachineCheck check(int n) {
        Parallel p = threads.computeIfAbsent(n, Parallel::new);
        Sampler.Probe fma = FmaPeak.probe(p), bw = triad.probe(p);
        double fmaSecs = Double.MAX_VALUE, bwSecs = Double.MAX_VALUE;
        for (int i = 0; i < 4; i++) {
            if (i < 3) {
                fmaSecs = Math.min(fmaSecs, fma.secondsPerOp(24));
            }
            bwSecs = Math.min(bwSecs, bw.secondsPerOp(1));
        }
        return new MachineCheck(FmaPeak.flopsPerCall() * n / fmaSecs / 1e9, triad.bytesPerPass() / bwSecs / 1e9);
    }

    @Override
    public void close() {
        threads.values().forEach(Parallel::close);
        triad.close();
    }
}
