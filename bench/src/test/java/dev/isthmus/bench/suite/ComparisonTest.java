package dev.isthmus.bench.suite;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ComparisonTest {

    private static RunSettings with(RunSettings s, String mode, List<String> flags, String backend) {
        return new RunSettings(mode, s.threadCounts(), flags, backend, s.tolerance(), s.spreadLimit(), s.isthmusVersion());
    }

    @Test
    void aMachineTwiceAsFastHasRatioTwoForRatesAndTimesAlike() {
        SuiteResult a = Recorded.quick();
        SuiteResult b = Recorded.mapRows(a, x -> x.higherIsBetter() ? Recorded.scaled(x, 2) : Recorded.scaled(x, 0.5));
        Comparison c = new Comparison(List.of("a", "b"), List.of(a, b), Set.of());
        assertTrue(c.refused().isEmpty());
        assertEquals(a.rows().size(), c.lines().size());
        for (Comparison.Line l : c.lines()) {
            if (l.rows().getFirst().skipped()) {
                assertNull(l.ratios().get(1), l.id());
            } else {
                assertEquals(2.0, l.ratios().get(1), 1e-9, l.id());
            }
        }
        Comparison.Line latency = c.lines().stream().filter(l -> l.id().equals("model/lenet5/latency_p50/t1")).findFirst().orElseThrow();
        assertEquals("ms", latency.unit());
        assertEquals(2.0, latency.ratios().get(1), 1e-9);
    }

    @Test
    void quickAgainstFullIsRefusedNamingTheSetting() {
        SuiteResult quick = Recorded.quick();
        SuiteResult full = Recorded.withSettings(quick, with(quick.settings(), "full", quick.settings().jvmFlags(), "openblas"));
        Comparison c = new Comparison(List.of("q", "f"), List.of(quick, full), Set.of());
        assertEquals(quick.rows().size(), c.refused().size());
        assertTrue(c.lines().isEmpty());
        assertEquals("mode differs (q=quick, f=full)", c.refused().getFirst().reason());
        // one line for a reason shared by many rows
        assertTrue(c.toMarkdown().contains("- " + quick.rows().size() + " rows (machine/fma_peak/t1, machine/fma_peak/t2 ... "
                + quick.rows().getLast().id() + "): mode differs (q=quick, f=full)"), c.toMarkdown());
    }

    @Test
    void differentJvmFlagsAndBackendAreBothNamed() {
        SuiteResult a = Recorded.quick();
        SuiteResult b = Recorded.withSettings(a, with(a.settings(), "quick", List.of("--add-modules=jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED", "-XX:-UseSuperWord"), "vector"));
        Comparison c = new Comparison(List.of("a", "b"), List.of(a, b), Set.of());
        String reason = c.refused().getFirst().reason();
        assertTrue(reason.contains("backend differs (a=openblas, b=vector)"), reason);
        assertTrue(reason.contains("jvm_flags differs"), reason);
        assertTrue(reason.contains("-XX:-UseSuperWord"), reason);
    }

    @Test
    void flagsThatOnlySilenceAWarningDoNotRefuse() {
        SuiteResult a = Recorded.quick();
        List<String> more = new ArrayList<>(a.settings().jvmFlags());
        more.add("--sun-misc-unsafe-memory-access=allow");
        SuiteResult b = Recorded.withSettings(a, with(a.settings(), "quick", more, "openblas"));
        Comparison c = new Comparison(List.of("a", "b"), List.of(a, b), Set.of());
        assertTrue(c.refused().isEmpty(), c.toMarkdown());
        more.add("-XX:TieredStopAtLevel=1");
        SuiteResult d = Recorded.withSettings(a, with(a.settings(), "quick", more, "openblas"));
        String reason = new Comparison(List.of("a", "d"), List.of(a, d), Set.of()).refused().getFirst().reason();
        assertTrue(reason.contains("-XX:TieredStopAtLevel=1") && !reason.contains("unsafe"), reason);
    }

    @Test
    void aDifferentBatchRefusesOnlyThatRow() {
        SuiteResult a = Recorded.quick();
        String id = "model/lenet5/train/t2";
        SuiteResult b = Recorded.mapRows(a, x -> x.id().equals(id) ? Recorded.withBatch(x, 128) : x);
        Comparison c = new Comparison(List.of("a", "b"), List.of(a, b), Set.of());
        assertEquals(1, c.refused().size());
        assertEquals(id, c.refused().getFirst().id());
        assertEquals("batch differs (a=64, b=128)", c.refused().getFirst().reason());
        assertEquals(a.rows().size() - 1, c.lines().size());
    }

    @Test
    void ignoringTheModeComparesQuickWithFullAndSaysSo() {
        SuiteResult quick = Recorded.quick();
        SuiteResult full = Recorded.withSettings(quick, with(quick.settings(), "full", quick.settings().jvmFlags(), "openblas"));
        Comparison c = new Comparison(List.of("q", "f"), List.of(quick, full), Set.of("mode"));
        assertTrue(c.refused().isEmpty());
        assertTrue(c.toMarkdown().contains("Settings ignored on request: mode."));
        // ignoring one setting does not hide another
        SuiteResult other = Recorded.withSettings(quick, with(quick.settings(), "full", quick.settings().jvmFlags(), "vector"));
        assertEquals("backend differs (q=openblas, o=vector)",
                new Comparison(List.of("q", "o"), List.of(quick, other), Set.of("mode")).refused().getFirst().reason());
    }

    @Test
    void rowsOnlyOneResultHasAreListedWithoutARatio() {
        SuiteResult a = Recorded.quick();
        SuiteResult b = Recorded.mapRows(a, x -> x);
        SuiteResult fewer = new SuiteResult(b.schema(), b.schemaVersion(), b.createdUtc(), b.label(), b.settings(), b.machine(),
                b.environment(), b.section("machine"));
        Comparison c = new Comparison(List.of("a", "b", "c"), List.of(a, b, fewer), Set.of());
        Comparison.Line kernel = c.lines().stream().filter(l -> l.id().startsWith("kernel/")).findFirst().orElseThrow();
        assertNotNull(kernel.ratios().get(1));
        assertNull(kernel.rows().get(2));
        assertNull(kernel.ratios().get(2));
    }

    @Test
    void oneResultIsNotAComparison() {
        assertThrows(IllegalArgumentException.class, () -> new Comparison(List.of("a"), List.of(Recorded.quick()), Set.of()));
    }
}
