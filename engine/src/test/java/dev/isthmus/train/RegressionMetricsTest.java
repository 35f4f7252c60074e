package dev.isthmus.train;

import dev.isthmus.testing.Allocations;

import dev.isthmus.tensor.Tensor;
import dev.isthmus.testing.Fixtures;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RegressionMetricsTest {

    /** The single-output examples from scikit-learn's docs of mean_squared_error, mean_absolute_error, r2_score. */
    @Test
    void singleOutputMatchesSklearnDocs() {
        RegressionMetrics m = new RegressionMetrics(1);
        m.add(new float[]{2.5f, 0.0f, 2f, 8f}, new float[]{3f, -0.5f, 2f, 7f});
        assertEquals(0.375, m.mse(), 1e-15);
        assertEquals(0.5, m.mae(), 1e-15);
        assertEquals(0.9486081370449679, m.r2(), 1e-12);
        assertEquals(Math.sqrt(0.375), m.rmse(), 1e-15);
    }

    /** The multi-output docs examples, multioutput="uniform_average". */
    @Test
    void multiOutputAveragesUniformly() {
        RegressionMetrics m = new RegressionMetrics(2);
        try (Tensor pred = Tensor.of(new float[]{0, 2, -1, 2, 8, -5}, 3, 2);
             Tensor truth = Tensor.of(new float[]{0.5f, 1, -1, 1, 7, -6}, 3, 2)) {
            m.add(pred, truth);
        }
        assertEquals(0.7083333333333334, m.mse(), 1e-15);
        assertEquals(0.75, m.mae(), 1e-15);
        assertEquals(0.9368005266622779, m.r2(), 1e-12);
        // per output: 1 - 1.25/36.1666.. and 1 - 3/32.666..
        assertEquals(1 - 1.25 / (108.5 / 3), m.r2(0), 1e-12);
        assertEquals(1 - 3.0 / (98.0 / 3), m.r2(1), 1e-12);
    }

    /** force_finite=True: constant targets score 1 if predicted exactly, else 0; fewer than 2 samples is NaN. */
    @Test
    void constantTargetsAndTooFewSamples() {
        RegressionMetrics exact = new RegressionMetrics(1);
        exact.add(new float[]{-2, -2, -2}, new float[]{-2, -2, -2});
        assertEquals(1.0, exact.r2());
        RegressionMetrics off = new RegressionMetrics(1);
        off.add(new float[]{-2, -2, -1.5f}, new float[]{-2, -2, -2});
        assertEquals(0.0, off.r2());
        RegressionMetrics one = new RegressionMetrics(1);
        one.add(new float[]{1}, new float[]{2});
        assertTrue(Double.isNaN(one.r2()));
        assertTrue(Double.isNaN(new RegressionMetrics(1).mse()));
    }

    /** Random 3-output data (one output offset by 1000) against numpy float64 (gen_metrics.py), in uneven batches. */
    @Test
    void streamingMatchesFixture() {
        Fixtures f = Fixtures.load("metrics/regression.json");
        RegressionMetrics m = new RegressionMetrics(3);
        RegressionMetrics second = new RegressionMetrics(3);
        try (Tensor p = f.tensor("predictions"); Tensor t = f.tensor("targets")) {
            int n = p.dim(0);
            int[] cuts = {0, 1, 2, 50, 128, 190, n};
            for (int i = 0; i + 1 < cuts.length; i++) {
                (i < 4 ? m : second).add(p.slice(cuts[i], cuts[i + 1]), t.slice(cuts[i], cuts[i + 1]));
            }
        }
        m.merge(second);
        assertEquals(301, m.count());
        assertEquals(f.scalar("mse"), m.mse(), 1e-12 * f.scalar("mse"));
        assertEquals(f.scalar("mae"), m.mae(), 1e-12 * f.scalar("mae"));
        for (int j = 0; j < 3; j++) {
            assertEquals(f.node("r2_per_output").get(j).asDouble(), m.r2(j), 1e-9, "output " + j);
        }
        assertEquals(f.scalar("r2"), m.r2(), 1e-9);
        assertEquals(m.r2(), m.metrics("val_").get("val_r2"));
    }

    @Test
    void oneOutputAcceptsRankOneAndResetClears() {
        RegressionMetrics m = new RegressionMetrics(1);
        try (Tensor p = Tensor.of(new float[]{1, 2, 3}, 3); Tensor t = Tensor.of(new float[]{1, 2, 4}, 3)) {
            m.add(p, t);
        }
        assertEquals(1.0 / 3, m.mse(), 1e-15);
        m.reset();
        assertEquals(0, m.count());
        assertTrue(Double.isNaN(m.mae()));
    }

    @Test
    void rejectsMismatchedShapes() {
        RegressionMetrics m = new RegressionMetrics(2);
        try (Tensor a = Tensor.zeros(4, 2); Tensor b = Tensor.zeros(4, 3); Tensor c = Tensor.zeros(4, 3)) {
            var e = assertThrows(IllegalArgumentException.class, () -> m.add(a, b));
            assertTrue(e.getMessage().contains("[4, 2]") && e.getMessage().contains("[4, 3]"), e.getMessage());
            var e2 = assertThrows(IllegalArgumentException.class, () -> m.add(b, c));
            assertTrue(e2.getMessage().contains("[N, 2]"), e2.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> m.add(new float[3], new float[3]));
        assertThrows(IllegalArgumentException.class, () -> new RegressionMetrics(0));
    }

    @Test
    void accumulatingAllocatesNothing() {
        RegressionMetrics m = new RegressionMetrics(4);
        try (Tensor p = Tensor.full(1f, 64, 4); Tensor t = Tensor.full(2f, 64, 4)) {
            for (int i = 0; i < 3_000; i++) {
                m.add(p, t);
            }
            long bytes = Allocations.measure(() -> {
                for (int i = 0; i < 1_000; i++) {
                    m.add(p, t);
                }
            });
            assertTrue(bytes < 1024, "1,000 batches allocated " + bytes + " bytes");
        }
    }
}
