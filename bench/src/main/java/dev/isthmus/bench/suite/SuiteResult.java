package dev.isthmus.bench.suite;

import java.util.List;
import java.util.Optional;

/**
 * One run of the suite, as written to and read from JSON ({@code bench/SUITE.md} documents every field).
 *
 * @param schema        always {@link #SCHEMA}
 * @param schemaVersion {@link #VERSION} when written; readers refuse newer major versions
 * @param createdUtc    ISO-8601 instant the run ended
 * @param label         a name for the machine, by default its CPU model and core count
 */
public record SuiteResult(String schema, int schemaVersion, String createdUtc, String label, RunSettings settings,
                          MachineInfo machine, RunEnvironment environment, List<Row> rows) {

    public static final String SCHEMA = "isthmus-bench";
    public static final int VERSION = 1;

    public SuiteResult {
        rows = List.copyOf(rows);
    }

    /** The row with {@code id}, if measured. */
    public Optional<Row> row(String id) {
        return rows.stream().filter(r -> r.id().equals(id)).findFirst();
    }

    /** The rows of one section, in run order. */
    public List<Row> section(String section) {
        return rows.stream().filter(r -> r.section().equals(section)).toList();
    }
}
