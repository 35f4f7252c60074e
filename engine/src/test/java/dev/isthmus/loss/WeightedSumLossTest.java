package dev.isthmus.loss;

import dev.isthmus.tensor.Rng;
import dev.isthmus.tensor.Tensor;
import dev.isthmus.testing.Fixtures;
import dev.isthmus.testing.GradCheck;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

class WeightedSumLossTest {

    private static WeightedSumLoss joint(int c, int r, float w1, float w2) {
        return new WeightedSumLoss(c + r, 1 + r)
                .classification(w1, new CrossEntropyLoss(), 0, c, 0)
                .regression(w2, new MSELoss(), c, c + r, 1);
    }

    @Test
    void matchesPyTorchsJointClassificationAndRegression() {
        Fixtures f = Fixtures.load("losses/weighted_sum.json");
        int c = (int) f.scalar("classes");
        try (Tensor x = f.tensor("x"); Tensor t = f.tensor("t");
             WeightedSumLoss loss = joint(c, x.dim(1) - c, (float) f.scalar("w1"), (float) f.scalar("w2"))) {
            assertEquals(f.scalar("loss"), loss.forward(x, t), 1e-6);
            assertEquals(f.scalar("ce"), loss.termValue(0), 1e-6);
            assertEquals(f.scalar("mse"), loss.termValue(1), 1e-6);
            f.assertClose("dx", loss.backward(), 1e-5);
        }
    }

    @Test
    void gradientMatchesFiniteDifferencesAndScales() {
        Rng rng = new Rng(4);
        float[] tv = new float[6 * 3];
        for (int i = 0; i < 6; i++) {
            tv[i * 3] = rng.nextInt(4);
            tv[i * 3 + 1] = (float) rng.nextGaussian();
            tv[i * 3 + 2] = (float) rng.nextGaussian();
        }
        // output columns: 4 logits, 2 values, 1 unused column (its gradient must be 0)
        try (WeightedSumLoss loss = new WeightedSumLoss(7, 3).classification(0.7f, new CrossEntropyLoss(Reduction.SUM), 0, 4, 0)
                .regression(2f, new L1Loss(), 4, 6, 1);
             Tensor x = Tensor.randn(rng, 6, 7); Tensor t = Tensor.of(tv, 6, 3)) {
            GradCheck.checkLoss(loss, x, t, 1e-2, 1e-2, 1e-3);
            loss.forward(x, t);
            float[] one = loss.backward(1f).toArray();
            Tensor half = loss.backward(0.5f);
            for (int i = 0; i < one.length; i++) {
                assertEquals(0.5f * one[i], half.getFlat(i), 1e-7);
            }
            for (int row = 0; row < 6; row++) {
                assertEquals(0f, half.get(row, 6), "unused column gets no gradient");
            }
            assertSame(half, loss.backward(1f));
        }
    }

    @Test
    void columnsAndShapesAreValidated() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new WeightedSumLoss(5, 3).classification(1f, new CrossEntropyLoss(), 0, 6, 0));
        assertEquals("WeightedSumLoss: output columns [0, 6) of CrossEntropyLoss(reduction=mean) are not a non-empty range within the 5 output columns",
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new WeightedSumLoss(5, 3).regression(1f, new MSELoss(), 3, 5, 2));
        assertEquals("WeightedSumLoss: target columns [2, 4) of MSELoss(reduction=mean) are not within the 3 target columns", e.getMessage());
        try (WeightedSumLoss loss = joint(3, 2, 1f, 0.5f); Tensor x = Tensor.zeros(4, 6); Tensor t = Tensor.zeros(4, 3)) {
            e = assertThrows(IllegalArgumentException.class, () -> loss.forward(x, t));
            assertEquals("WeightedSumLoss(1.0 * CrossEntropyLoss(reduction=mean) on output[:, 0:3] vs target[:, 0] + "
                    + "0.5 * MSELoss(reduction=mean) on output[:, 3:5] vs target[:, 1:3]) expects input [N, 5] and target [N, 3], "
                    + "got input [4, 6] and target [4, 3]", e.getMessage());
        }
        try (WeightedSumLoss loss = joint(3, 2, 1f, 0.5f); Tensor x = Tensor.zeros(2, 5); Tensor t = Tensor.of(new float[]{0, 0, 0, 3, 0, 0}, 2, 3)) {
            e = assertThrows(IllegalArgumentException.class, () -> loss.forward(x, t));
            assertEquals("CrossEntropyLoss(reduction=mean): target[1] = 3.0 is not a class index in [0, 3) (input [2, 3])", e.getMessage());
        }
        assertThrows(IllegalStateException.class, () -> new WeightedSumLoss(2, 1).forward(Tensor.zeros(1, 2), Tensor.zeros(1, 1)));
    }
}
