package dev.isthmus.bench.suite;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/** The recorded result the tests read: a quick run on the 2-core development VM under a load average of 15-21. */
final class Recorded {
    static final String QUICK = "quick-2core-loaded.json";

    private Recorded() {
    }

    static String text(String name) {
        try (InputStream in = Recorded.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("test resource " + name + " is missing");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static SuiteResult quick() {
        return ResultsIo.fromJson(text(QUICK), QUICK);
    }

    /** {@code r} with other run settings. */
    static SuiteResult withSettings(SuiteResult r, RunSettings s) {
        return new SuiteResult(r.schema(), r.schemaVersion(), r.createdUtc(), r.label(), s, r.machine(), r.environment(), r.rows());
    }

    /** {@code r} with every row passed through {@code f}. */
    static SuiteResult mapRows(SuiteResult r, UnaryOperator<Row> f) {
        List<Row> rows = new ArrayList<>();
        r.rows().forEach(x -> rows.add(f.apply(x)));
        return new SuiteResult(r.schema(), r.schemaVersion(), r.createdUtc(), r.label(), r.settings(), r.machine(),
                r.environment(), rows);
    }

    /** {@code x} with its value (and median) scaled by {@code k}. */
    static Row scaled(Row x, double k) {
        if (x.skipped()) {
            return x;
        }
        return new Row(x.id(), x.section(), x.name(), x.threads(), x.batch(), x.unit(), x.higherIsBetter(), x.value() * k,
                x.stats(), x.roofline(), x.otherCpuShare(), x.flags(), x.note(), x.check());
    }

    static Row withBatch(Row x, int batch) {
        return new Row(x.id(), x.section(), x.name(), x.threads(), batch, x.unit(), x.higherIsBetter(), x.value(),
                x.stats(), x.roofline(), x.otherCpuShare(), x.flags(), x.note(), x.check());
    }

    /** {@code x} with the machine check {@code c}. */
    static Row checked(Row x, MachineCheck c) {
        return new Row(x.id(), x.section(), x.name(), x.threads(), x.batch(), x.unit(), x.higherIsBetter(), x.value(),
                x.stats(), x.roofline(), x.otherCpuShare(), x.flags(), x.note(), c);
    }
}
