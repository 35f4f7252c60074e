package dev.isthmus.bench.suite;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.DoubleFunction;
import java.util.function.DoubleUnaryOperator;

/**
 * Turns measurements into {@link Row}s: converts seconds per operation to the row's unit, computes the
 * statistics, sets the flags (unstable, noisy, loaded: other processes took more than
 * {@link Row#LOADED_SHARE} of the cores while the row ran) and reports progress. Keeps the rows in run order.
 */
final class RowRecorder {
    private final Stability rule;
    private final Progress progress;
    private final int cpus;
    private final int total;
    private final List<Row> rows = new ArrayList<>();
    private Sentinel sentinel;
    private SystemLoad mark = SystemLoad.now();
    private double load1Max = Double.NaN;
    private int done;

    RowRecorder(Stability rule, Progress progress, int total) {
        this.rule = rule;
        this.progress = progress;
        this.total = total;
        this.cpus = Runtime.getRuntime().availableProcessors();
    }

    /** From now on, takes a {@link MachineCheck} after every measured row. */
    void checkWith(Sentinel s) {
        this.sentinel = s;
    }

    /** Announces the next step to the progress bar. */
    void starting(String label) {
        progress.starting(done, total, label);
    }

    /**
     * Records a measured row: {@code toUnit} maps seconds per operation to the unit, {@code roofline} (may be
     * null) places the kernel given its median seconds per operation.
     */
    Row measured(String section, String name, int threads, int batch, String unit, boolean higherIsBetter,
                 Sampler.Result res, DoubleUnaryOperator toUnit, DoubleFunction<Roofline> roofline, String note) {
        Stats st = stats(res, toUnit);
        Roofline rl = roofline == null ? null : roofline.apply(Stability.quantile(res.secondsPerOp(), 0.5));
        return add(section, name, threads, batch, unit, higherIsBetter, st.median(), st, rl, note);
    }

    /**
     * Records a hardware limit: the best sample, not the median, as STREAM reports its best trial. Other processes
     * only ever slow a probe down, so its fastest sample is the closest to what the hardware can do.
     */
    Row best(String section, String name, int threads, String unit, Sampler.Result res, DoubleUnaryOperator toUnit,
             String note) {
        Stats st = stats(res, toUnit);
        return add(section, name, threads, 0, unit, true, st.max(), st, null, note + "; the best sample (STREAM's convention)");
    }

    private Stats stats(Sampler.Result res, DoubleUnaryOperator toUnit) {
        double[] secs = res.secondsPerOp();
        double[] values = new double[secs.length];
        for (int i = 0; i < secs.length; i++) {
            values[i] = toUnit.applyAsDouble(secs[i]);
        }
        return Stats.of(values, res.stable(), res.stop(), rule, res.warmupSeconds(), res.measureSeconds());
    }

    /** Records a row computed from a measurement (a percentile, the best of several batch sizes), with its statistics. */
    Row derived(String section, String name, int threads, int batch, String unit, boolean higherIsBetter, double value,
                Stats st, String note) {
        return add(section, name, threads, batch, unit, higherIsBetter, value, st, null, note);
    }

    /** Records a row that was not measured, and why. */
    Row skipped(String section, String name, int threads, int batch, String unit, boolean higherIsBetter, String why) {
        return add(section, name, threads, batch, unit, higherIsBetter, null, null, null, why);
    }

    private Row add(String section, String name, int threads, int batch, String unit, boolean higher, Double value,
                    Stats st, Roofline rl, String note) {
        SystemLoad now = SystemLoad.now();
        double wall = now.secondsSince(mark);
        double other = now.otherCpuSecondsSince(mark);
        Double share = wall > 0 && !Double.isNaN(other) ? Math.min(1, other / (wall * cpus)) : null;
        mark = now;
        if (!Double.isNaN(now.load1())) {
            load1Max = Double.isNaN(load1Max) ? now.load1() : Math.max(load1Max, now.load1());
        }
        List<String> flags = new ArrayList<>();
        if (value == null) {
            flags.add(Row.SKIPPED);
        } else {
            if (!st.stable()) {
                flags.add(Row.UNSTABLE);
            }
            if (st.noisy()) {
                flags.add(Row.NOISY);
            }
        }
        if (share != null && share > Row.LOADED_SHARE) {
            flags.add(Row.LOADED);
        }
        MachineCheck check = sentinel != null && value != null && !section.equals("machine") ? sentinel.check(threads) : null;
        Row row = new Row(Row.id(section, name, threads), section, name, threads, batch, unit, higher, value, st, rl,
                share, flags, note, check);
        rows.add(row);
        done++;
        progress.recorded(row, summary(row));
        return row;
    }

    static String summary(Row r) {
        if (r.skipped()) {
            return String.format(Locale.ROOT, "%-44s skipped: %s", r.id(), r.note());
        }
        String roof = r.roofline() == null ? "" : String.format(Locale.ROOT, "  %3.0f%% of %s roof",
                100 * r.roofline().fraction(), r.roofline().bound());
        return String.format(Locale.ROOT, "%-44s %12s %-9s +-%4.1f%%%s%s", r.id(), Format.number(r.value()), r.unit(),
                50 * r.stats().spread(), roof, r.flags().isEmpty() ? "" : "  [" + String.join(", ", r.flags()) + "]");
    }

    /** The rows in run order, each flagged {@link Row#DRIFTED} whose check fell short of the run's best at its threads. */
    List<Row> rows() {
        return flagDrifted(rows);
    }

    /**
     * {@code rows}, each flagged {@link Row#DRIFTED} whose check fell short of the run's typical check at its thread
     * count: the median of the run's checks there, figure by figure (the best would let one cache-lucky triad
     * flag every other row).
     */
    static List<Row> flagDrifted(List<Row> rows) {
        Map<Integer, List<MachineCheck>> byThreads = new HashMap<>();
        for (Row r : rows) {
            if (r.check() != null) {
                byThreads.computeIfAbsent(r.threads(), t -> new ArrayList<>()).add(r.check());
            }
        }
        Map<Integer, MachineCheck> typical = new HashMap<>();
        byThreads.forEach((t, checks) -> typical.put(t, MachineCheck.median(checks)));
        List<Row> out = new ArrayList<>(rows.size());
        for (Row r : rows) {
            boolean drifted = r.check() != null && r.check().shortOf(typical.get(r.threads()), r.computeBound(), r.memoryBound());
            out.add(drifted ? r.flagged(Row.DRIFTED) : r);
        }
        return List.copyOf(out);
    }

    double load1Max() {
        return load1Max;
    }
}
