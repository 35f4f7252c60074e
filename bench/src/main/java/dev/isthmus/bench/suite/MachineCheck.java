package dev.isthmus.bench.suite;

/**
 * A quick look at the machine's state taken right after a row, on the row's thread count: the FMA loop's
 * GFLOP/s and a triad's GB/s, each the best of a few calls (about 50 ms in all). A row is judged by what bounds
 * it: a compute-bound kernel by the FMA figure, a memory-bound one by the triad, a model by both. Within a run, a
 * row whose check fell short of the run's typical check at its thread count (the median) (by more than {@link #DRIFT} in FMA, or
 * {@link #BANDWIDTH_DRIFT} in bandwidth) is flagged
 * {@link Row#DRIFTED}: the machine (the host's scheduling of a VM's cores, another process) gave it less than it
 * gave other rows. Between runs, {@link Comparison} marks ratios whose two checks differ by more than that, since
 * such a ratio measures the machines' states as much as the code.
 *
 * <p>The two limits differ because the checks do: 15 checks in a row on the 2-core development VM (Zen 4,
 * 2026-12-06) gave FMA within 3 % at 2 threads, but triad from 23 to 36 GB/s, the VM's memory bandwidth moving
 * by itself over a second; a 10 % limit on the triad flagged most 2-thread rows and told nothing.
 *
 * @param fmaGflops FP32 FMA throughput on the row's threads
 * @param triadGbs  triad bandwidth on the row's threads
 */
public record MachineCheck(double fmaGflops, double triadGbs) {
    /** Relative FMA shortfall beyond which two checks count as different machine states. */
    public static final double DRIFT = 0.10;
    /** Relative triad shortfall beyond which two checks count as different machine states. */
    public static final double BANDWIDTH_DRIFT = 0.25;

    /**
     * True when this check fell short of {@code best} in what bounds the row: compute ({@code compute}, by more
     * than {@link #DRIFT}), bandwidth ({@code memory}, by more than {@link #BANDWIDTH_DRIFT}), or either.
     */
    public boolean shortOf(MachineCheck best, boolean compute, boolean memory) {
        return compute && fmaGflops < (1 - DRIFT) * best.fmaGflops
                || memory && triadGbs < (1 - BANDWIDTH_DRIFT) * best.triadGbs;
    }

    /** True when one of the two checks falls short of the other's (see {@link #shortOf}) in what bounds the row. */
    public boolean differsFrom(MachineCheck other, boolean compute, boolean memory) {
        MachineCheck best = max(this, other);
        return shortOf(best, compute, memory) || other.shortOf(best, compute, memory);
    }

    /** The median of {@code checks}, figure by figure (the upper one of an even count). */
    public static MachineCheck median(java.util.List<MachineCheck> checks) {
        double[] f = checks.stream().mapToDouble(MachineCheck::fmaGflops).sorted().toArray();
        double[] t = checks.stream().mapToDouble(MachineCheck::triadGbs).sorted().toArray();
        return new MachineCheck(f[f.length / 2], t[t.length / 2]);
    }

    /** The better of two checks, figure by figure. */
    public static MachineCheck max(MachineCheck a, MachineCheck b) {
        return new MachineCheck(Math.max(a.fmaGflops, b.fmaGflops), Math.max(a.triadGbs, b.triadGbs));
    }
}
