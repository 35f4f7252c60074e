package dev.isthmus.bench.suite;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One figure of a run: a machine probe, a kernel or a model workload at one thread count and batch.
 * The id names what was measured and on how many threads ({@code kernel/gemm_square_1024/t2}), so the
 * same id means the same measurement in every result file.
 *
 * @param id             stable identifier, {@code section/name/tN}
 * @param section        {@code machine}, {@code kernel} or {@code model}
 * @param name           what was measured, e.g. {@code conv/alex_c2/backward_data} or {@code lenet5/train}
 * @param threads        engine (or probe) threads
 * @param batch          batch size, 0 where there is none
 * @param unit           {@code GFLOP/s}, {@code GB/s}, {@code images/s}, {@code ms} or {@code s/step}
 * @param higherIsBetter false for latencies and seconds
 * @param value          the median in {@code unit}; null for a skipped row
 * @param stats          the samples' statistics in {@code unit}; null for a skipped row
 * @param roofline       the roofline placement of a kernel; null otherwise
 * @param otherCpuShare  share of all cores' time other processes used while this row was measured (0..1)
 * @param flags          {@code unstable}, {@code noisy}, {@code loaded}, {@code drifted}, {@code skipped}
 * @param note           a sentence when something needs saying (why skipped, what was derived), else null
 * @param check          the machine's state right after the row, on its threads; null for machine probes, skipped
 *                       rows and files written before checks were added
 */
public record Row(String id, String section, String name, int threads, int batch, String unit, boolean higherIsBetter,
                  Double value, Stats stats, Roofline roofline, Double otherCpuShare, List<String> flags, String note,
                  MachineCheck check) {

    public static final String UNSTABLE = "unstable";
    public static final String NOISY = "noisy";
    public static final String LOADED = "loaded";
    /** The row's {@link MachineCheck} fell short of the run's best at its thread count: the machine gave it less. */
    public static final String DRIFTED = "drifted";
    public static final String SKIPPED = "skipped";

    /** Other processes using more than this share of the cores mark a row {@link #LOADED}. */
    public static final double LOADED_SHARE = 0.25;

    public Row {
        flags = flags == null ? List.of() : List.copyOf(flags);
    }

    /** The id of {@code name} in {@code section} on {@code threads} threads. */
    public static String id(String section, String name, int threads) {
        return section + "/" + name + "/t" + threads;
    }

    /** The row settings a comparison must find equal: threads and batch (the run's settings are added by the caller). */
    public Map<String, String> settings() {
        Map<String, String> m = new TreeMap<>();
        m.put("threads", Integer.toString(threads));
        m.put("batch", Integer.toString(batch));
        m.put("unit", unit);
        return m;
    }

    public boolean skipped() {
        return value == null;
    }

    /** True where the figure can be trusted to the run's tolerance: measured, stable, not noisy and not drifted. */
    public boolean trusted() {
        return !skipped() && !flags.contains(UNSTABLE) && !flags.contains(NOISY) && !flags.contains(DRIFTED);
    }

    /** Whether compute can bound the row: a compute-bound kernel, or a row without a roofline (a model). */
    public boolean computeBound() {
        return roofline == null || "compute".equals(roofline.bound());
    }

    /** Whether bandwidth can bound the row: a memory-bound kernel, or a row without a roofline (a model). */
    public boolean memoryBound() {
        return roofline == null || "memory".equals(roofline.bound());
    }

    /** This row with {@code flag} added. */
    Row flagged(String flag) {
        List<String> f = new java.util.ArrayList<>(flags);
        f.add(flag);
        return new Row(id, section, name, threads, batch, unit, higherIsBetter, value, stats, roofline, otherCpuShare, f,
                note, check);
    }
}
