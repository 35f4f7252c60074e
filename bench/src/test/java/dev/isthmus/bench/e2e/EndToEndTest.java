package dev.isthmus.bench.e2e;

import dev.isthmus.nn.Parameters;
import dev.isthmus.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The benchmark's step is a real training step, its timing helper and its options behave. */
class EndToEndTest {

    @Test
    void trainStepLearnsTheFixedBatchAndLeavesGradientsZero() {
        try (Workload w = new Workload(Workload.Model.MLP, 16, Workload.Opt.ADAM, 7)) {
            Parameters p = w.model().parameters();
            float[] before = p.data().toArray();
            float first = w.trainStep();
            float last = first;
            for (int i = 0; i < 29; i++) {
                last = w.trainStep();
            }
            assertTrue(Float.isFinite(first) && first > 1.5f, "initial loss near ln(10), got " + first);
            assertTrue(last < 0.9f * first, "30 Adam steps on one batch should cut the loss: " + first + " -> " + last);
            assertFalse(java.util.Arrays.equals(before, p.data().toArray()), "the optimizer changed no weight");
            for (float g : p.grad().toArray()) {
                assertEquals(0f, g, "gradients are zeroed after the step");
            }
        }
    }

    @Test
    void inferStepGivesLogitsForTheBatch() {
        try (Workload w = new Workload(Workload.Model.MLP, 5, Workload.Opt.SGD, 1)) {
            Tensor out = w.inferStep();
            assertArrayEquals(new int[]{5, 10}, out.shape());
            assertFalse(w.model().isTraining());
            w.trainStep();
            assertTrue(w.model().isTraining());
        }
    }

    @Test
    void timeRunsWarmupThenTheRepetitions() {
        int[] calls = {0};
        double[] secs = Timing.time(() -> calls[0]++, 4, 3, 0);
        assertEquals(3, secs.length);
        assertTrue(calls[0] >= 4 * (3 + 4), "at least 4 warm-up rounds (3 stable after the first) and 3 timed ones, ran " + calls[0]);
        for (double s : secs) {
            assertTrue(s >= 0);
        }
    }

    @Test
    void medianOfOddAndEvenCounts() {
        assertEquals(2.0, Timing.median(new double[]{3, 1, 2}));
        assertEquals(2.5, Timing.median(new double[]{4, 1, 3, 2}));
    }

    @Test
    void optionsParseAndRejectNonsense() {
        EndToEnd.Options o = EndToEnd.Options.parse(List.of("--threads", "2", "--quick", "--json", "x.json", "--skip-alexnet"));
        assertEquals(new EndToEnd.Options(2, true, true), o);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EndToEnd.Options.parse(List.of("--fast")));
        assertTrue(e.getMessage().contains("--fast"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> EndToEnd.Options.parse(List.of("--threads", "two")));
        assertThrows(IllegalArgumentException.class, () -> new EndToEnd.Options(-1, false, false));
        assertThrows(IllegalArgumentException.class, () -> new Workload(Workload.Model.MLP, 0, Workload.Opt.SGD, 0));
    }
}
