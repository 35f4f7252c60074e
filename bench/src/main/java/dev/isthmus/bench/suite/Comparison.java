package dev.isthmus.bench.suite;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Several results side by side: for every row id, each result's value and its ratio to the first (the
 * baseline), as a speed ratio (above 1 means faster than the baseline, whether the unit is a rate or a time).
 * A row is refused, not compared, when the results measured it with different settings: the row's own
 * (threads, batch, unit) or the run's (quick or full, JVM flags, GEMM backend); the refusal names each setting
 * and its values. {@code ignore} lists settings the caller chose to overlook (e.g. {@code mode}, to check a
 * quick run against a full one); the output says they were ignored.
 */
public final class Comparison {

    /**
     * One row of the comparison: the values (null where a result lacks it), the speed ratios to the baseline, and
     * per result whether its {@link MachineCheck} differs from the baseline's beyond {@link MachineCheck#DRIFT}
     * (the machines were in different states when the row ran, so the ratio is partly theirs).
     */
    public record Line(String id, String unit, boolean higherIsBetter, List<Row> rows, List<Double> ratios,
                       List<Boolean> machineDiffers) {
    }

    /** A row measured with different settings, and why it was refused. */
    public record Refusal(String id, String reason) {
    }

    private final List<String> names;
    private final List<SuiteResult> results;
    private final List<Line> lines = new ArrayList<>();
    private final List<Refusal> refused = new ArrayList<>();
    private final Set<String> ignored;

    /** Compares {@code results} (named by {@code names}, e.g. their files), the first being the baseline. */
    public Comparison(List<String> names, List<SuiteResult> results, Set<String> ignore) {
        if (results.size() < 2 || names.size() != results.size()) {
            throw new IllegalArgumentException("Comparison: need at least two results, each with a name; got "
                    + results.size() + " results and " + names.size() + " names");
        }
        this.names = List.copyOf(names);
        this.results = List.copyOf(results);
        this.ignored = Set.copyOf(ignore);
        Set<String> ids = new LinkedHashSet<>();
        for (SuiteResult r : results) {
            r.rows().forEach(row -> ids.add(row.id()));
        }
        for (String id : ids) {
            compare(id);
        }
    }

    private void compare(String id) {
        List<Row> rows = new ArrayList<>();
        for (SuiteResult r : results) {
            rows.add(r.row(id).orElse(null));
        }
        if (rows.stream().filter(x -> x != null).count() < 2) {
            lines.add(new Line(id, unitOf(rows), higherOf(rows), rows, ratios(rows), machineDiffers(rows)));
            return;
        }
        String reason = mismatch(rows);
        if (reason != null) {
            refused.add(new Refusal(id, reason));
        } else {
            lines.add(new Line(id, unitOf(rows), higherOf(rows), rows, ratios(rows), machineDiffers(rows)));
        }
    }

    /** Null if every present row has the same settings (ignored ones aside), else which differ and how. */
    String mismatch(List<Row> rows) {
        Map<String, List<String>> values = new LinkedHashMap<>();
        for (int i = 0; i < rows.size(); i++) {
            Row row = rows.get(i);
            if (row == null) {
                continue;
            }
            Map<String, String> s = new LinkedHashMap<>(row.settings());
            s.putAll(results.get(i).settings().comparable());
            for (Map.Entry<String, String> e : s.entrySet()) {
                values.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(names.get(i) + "=" + show(e.getValue()));
            }
        }
        List<String> diffs = new ArrayList<>();
        for (Map.Entry<String, List<String>> e : values.entrySet()) {
            if (ignored.contains(e.getKey())) {
                continue;
            }
            Set<String> distinct = new LinkedHashSet<>();
            e.getValue().forEach(v -> distinct.add(v.substring(v.indexOf('=') + 1)));
            if (distinct.size() > 1) {
                diffs.add(e.getKey() + " differs (" + String.join(", ", e.getValue()) + ")");
            }
        }
        return diffs.isEmpty() ? null : String.join("; ", diffs);
    }

    private static String show(String v) {
        return v.isEmpty() ? "none" : v;
    }

    private static List<Double> ratios(List<Row> rows) {
        List<Double> out = new ArrayList<>();
        Row base = rows.getFirst();
        for (Row r : rows) {
            if (base == null || r == null || base.skipped() || r.skipped() || base.value() == 0 || r.value() == 0) {
                out.add(null);
            } else {
                out.add(r.higherIsBetter() ? r.value() / base.value() : base.value() / r.value());
            }
        }
        return out;
    }

    private static List<Boolean> machineDiffers(List<Row> rows) {
        List<Boolean> out = new ArrayList<>();
        Row base = rows.getFirst();
        for (Row r : rows) {
            out.add(base != null && r != null && base.check() != null && r.check() != null
                    && base.check().differsFrom(r.check(), r.computeBound(), r.memoryBound()));
        }
        return out;
    }

    private static String unitOf(List<Row> rows) {
        return rows.stream().filter(r -> r != null).findFirst().map(Row::unit).orElse("");
    }

    private static boolean higherOf(List<Row> rows) {
        return rows.stream().filter(r -> r != null).findFirst().map(Row::higherIsBetter).orElse(true);
    }

    public List<String> names() {
        return names;
    }

    public List<SuiteResult> results() {
        return results;
    }

    public List<Line> lines() {
        return List.copyOf(lines);
    }

    public List<Refusal> refused() {
        return List.copyOf(refused);
    }

    public Set<String> ignored() {
        return ignored;
    }

    /** The comparison as a Markdown table, then the refused rows and their reasons. */
    public String toMarkdown() {
        StringBuilder sb = new StringBuilder();
        sb.append("| row | unit |");
        for (int i = 0; i < names.size(); i++) {
            sb.append(' ').append(names.get(i)).append(i == 0 ? " |" : " | ratio |");
        }
        sb.append("\n|---|---|");
        sb.append("---:|".repeat(2 * names.size() - 1)).append('\n');
        for (Line l : lines) {
            sb.append("| ").append(l.id()).append(" | ").append(l.unit()).append(" |");
            for (int i = 0; i < l.rows().size(); i++) {
                Row r = l.rows().get(i);
                sb.append(' ').append(r == null ? "-" : cell(r)).append(" |");
                if (i > 0) {
                    Double q = l.ratios().get(i);
                    sb.append(' ').append(q == null ? "-" : String.format(Locale.ROOT, "%.2fx", q))
                            .append(l.machineDiffers().get(i) ? " †" : "").append(" |");
                }
            }
            sb.append('\n');
        }
        sb.append("\nRatios are speed ratios to ").append(names.getFirst())
                .append(" (above 1: faster, for rates and times alike); * marks a row flagged unstable, noisy, loaded or drifted.\n");
        long differ = lines.stream().filter(l -> l.machineDiffers().contains(true)).count();
        if (differ > 0) {
            sb.append(String.format(Locale.ROOT, "† %d rows ran while the machines were in different states: the FMA check "
                    + "(by more than %.0f %%) or triad check (by more than %.0f %%) taken right after the row differs between "
                    + "the runs, so the ratio reflects the machines' states as much as the code.%n", differ,
                    100 * MachineCheck.DRIFT, 100 * MachineCheck.BANDWIDTH_DRIFT));
        }
        if (!ignored.isEmpty()) {
            sb.append("\nSettings ignored on request: ").append(String.join(", ", ignored)).append(".\n");
        }
        if (!refused.isEmpty()) {
            sb.append("\nRefused (measured with different settings):\n\n");
            Map<String, List<String>> byReason = new LinkedHashMap<>();
            refused.forEach(f -> byReason.computeIfAbsent(f.reason(), k -> new ArrayList<>()).add(f.id()));
            byReason.forEach((reason, ids) -> {
                if (ids.size() <= 3) {
                    ids.forEach(id -> sb.append("- ").append(id).append(": ").append(reason).append('\n'));
                } else {
                    sb.append("- ").append(ids.size()).append(" rows (").append(ids.getFirst()).append(", ").append(ids.get(1))
                            .append(" ... ").append(ids.getLast()).append("): ").append(reason).append('\n');
                }
            });
        }
        return sb.toString();
    }

    private static String cell(Row r) {
        if (r.skipped()) {
            return "skipped";
        }
        boolean flagged = r.flags().contains(Row.UNSTABLE) || r.flags().contains(Row.NOISY) || r.flags().contains(Row.LOADED)
                || r.flags().contains(Row.DRIFTED);
        return Format.number(r.value()) + (flagged ? "*" : "");
    }
}
