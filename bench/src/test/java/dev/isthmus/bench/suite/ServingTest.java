package dev.isthmus.bench.suite;

import dev.isthmus.bench.e2e.Workload;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The inference rows time a real Predictor call: each course model serves a batch with finite outputs (no timing). */
class ServingTest {

    @Test
    void everyModelServesABatch() {
        for (Workload.Model m : Workload.Model.values()) {
            try (Serving s = new Serving(m, 2)) {
                s.call();
                float[] out = s.output;
                assertEquals(2 * (m == Workload.Model.ALEXNET ? 1000 : 10), out.length, m.name());
                for (float v : out) {
                    assertTrue(Float.isFinite(v), m + " gave " + v);
                }
            }
        }
    }
}
