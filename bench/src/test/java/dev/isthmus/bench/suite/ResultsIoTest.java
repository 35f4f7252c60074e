package dev.isthmus.bench.suite;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ResultsIoTest {

    @Test
    void recordedResultSurvivesARoundTrip() {
        SuiteResult r = Recorded.quick();
        String json = ResultsIo.toJson(r);
        SuiteResult again = ResultsIo.fromJson(json, "round trip");
        assertEquals(r, again);
        assertEquals(json, ResultsIo.toJson(again));
    }

    @Test
    void recordedResultReadsAsTheSchemaSays() {
        SuiteResult r = Recorded.quick();
        assertEquals(SuiteResult.SCHEMA, r.schema());
        assertEquals(1, r.schemaVersion());
        assertTrue(r.settings().quick());
        assertEquals(2, r.machine().cores());
        assertEquals("openblas", r.machine().backend());
        Row fma = r.row("machine/fma_peak/t1").orElseThrow();
        assertEquals("GFLOP/s", fma.unit());
        assertEquals(fma.stats().median(), fma.value());
        Row skipped = r.row("model/alexnet/train/t1").orElseThrow();
        assertTrue(skipped.skipped());
        assertNull(skipped.stats());
        assertTrue(skipped.flags().contains(Row.SKIPPED));
        // every kernel is placed on the roofline, nothing else is
        r.rows().forEach(x -> assertEquals(x.section().equals("kernel"), x.roofline() != null, x.id()));
    }

    @Test
    void aNewerSchemaVersionIsRefusedWithAReason() {
        String newer = Recorded.text(Recorded.QUICK).replace("\"schemaVersion\" : 1", "\"schemaVersion\" : 2");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ResultsIo.fromJson(newer, "new.json"));
        assertTrue(e.getMessage().startsWith("new.json: schemaVersion 2 is not one this suite reads"), e.getMessage());
    }

    @Test
    void otherJsonIsRefusedWithAReason() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ResultsIo.fromJson("{\"threads\": 1, \"mlp_train\": 3.0}", "peer.json"));
        assertTrue(e.getMessage().contains("expected an isthmus bench result"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ResultsIo.fromJson("[1, 2", "broken.json"));
    }

    @Test
    void unknownFieldsOfALaterMinorVersionAreIgnored() {
        String extra = Recorded.text(Recorded.QUICK).replace("\"label\" :", "\"futureField\" : 42, \"label\" :");
        assertEquals(Recorded.quick(), ResultsIo.fromJson(extra, "extra.json"));
    }
}
