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
 * @param flags          {@code unstable}, {@code noisy}, {@code loaded}, {@code skipped}
 * @param note           a sentence when something needs saying (why skipped, what was derived), else null
 */
public record Row(String id, String section, String name, int threads, int batch, String unit, boolean higherIsBetter,
                  Double value, Stats stats, Roofline roofline, Double otherCpuShare, List<String> flags, String note) {

    public static final String UNSTABLE = "unstable";
    public static final String NOISY = "noisy";
    public static final String LOADED = "loaded";
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

    /** True where the figure can be trusted to the run's tolerance: measured, stable and not noisy. */
    public boolean trusted() {
        return !skipped() && !flags.contains(UNSTABLE) && !flags.contains(NOISY);
    }
}
