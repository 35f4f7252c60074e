package dev.isthmus.optim;

import dev.isthmus.nn.Linear;
import dev.isthmus.nn.Parameters;
import dev.isthmus.tensor.Rng;
import dev.isthmus.tensor.Tensor;
import dev.isthmus.testing.Fixtures;
import org.junit.jupiter.api.Test;

import static dev.isthmus.optim.OptimizerTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Gradient clipping and L1/L2 penalties against PyTorch, and gradient accumulation against one big batch. */
class PenaltyClipAccumulationTest {
    private static final Fixtures F = Fixtures.load("optim/clip.json");

    /** A Linear(7, 5) holding the fixture's weight, bias and gradients. */
    private static Linear fixtureModel() {
        Linear lin = new Linear(7, 5);
        lin.parameters();
        lin.weight().data().copyFrom(F.data("w"));
        lin.bias().data().copyFrom(F.data("b"));
        lin.weight().grad().copyFrom(F.data("grad_w"));
        lin.bias().grad().copyFrom(F.data("grad_b"));
        return lin;
    }

    @Test
    void clipGradNormMatchesPyTorch() {
        for (String tag : new String[]{"small", "large"}) {
            try (Linear lin = fixtureModel()) {
                double total = GradClip.clipGradNorm(lin.parameters(), F.scalar("max_norm_" + tag));
                assertEquals(F.scalar("total_norm_" + tag), total, 1e-5 * total, tag + " total norm");
                F.assertClose("clipped_w_" + tag, lin.weight().grad(), 1e-5);
                F.assertClose("clipped_b_" + tag, lin.bias().grad(), 1e-5);
                double after = GradClip.gradNorm(lin.parameters());
                assertEquals(Math.min(total, F.scalar("max_norm_" + tag)), after, 1e-5 * after, tag + " norm after clipping");
            }
        }
        try (Linear lin = fixtureModel()) {
            assertMessage("clipGradNorm: maxNorm must be finite and > 0, got -1.0", () -> GradClip.clipGradNorm(lin.parameters(), -1));
            lin.bias().grad().setFlat(0, Float.NaN);
            float[] before = lin.weight().grad().toArray();
            assertTrue(Double.isNaN(GradClip.clipGradNorm(lin.parameters(), 1.0)));
            assertArrayEquals(before, lin.weight().grad().toArray(), "non-finite norm leaves gradients alone");
        }
    }

    @Test
    void penaltiesMatchPyTorchAutograd() {
        double lambda = F.scalar("lambda");
        for (String tag : new String[]{"l1", "l2", "l2half"}) {
            Penalty weightsOnly = switch (tag) {
                case "l1" -> Penalty.l1(lambda);
                case "l2" -> Penalty.l2(lambda);
                default -> Penalty.l2Half(lambda);
            };
            try (Linear lin = fixtureModel()) {
                Parameters p = lin.parameters();
                p.zeroGrad();
                double value = weightsOnly.apply(p);
                assertEquals(F.scalar("penalty_" + tag), value, 1e-6 * Math.abs(value), tag + " value");
                assertEquals(value, weightsOnly.value(p), 1e-12 * value);
                F.assertClose("penalty_grad_w_" + tag, lin.weight().grad(), 1e-5);
                assertArrayEquals(new float[5], lin.bias().grad().toArray(), tag + ": biases are exempt by default");
                p.zeroGrad();
                Penalty all = weightsOnly.onAllParameters();
                assertEquals(F.scalar("penalty_all_" + tag), all.apply(p), 1e-6 * Math.abs(value), tag + " value, all parameters");
                F.assertClose("penalty_grad_w_" + tag, lin.weight().grad(), 1e-5);
                F.assertClose("penalty_all_grad_b_" + tag, lin.bias().grad(), 1e-5);
                p.zeroGrad();
                all.apply(p, 0.25);
                float[] quarter = lin.bias().grad().toArray();
                float[] full = F.data("penalty_all_grad_b_" + tag);
                for (int i = 0; i < full.length; i++) {
                    assertEquals(full[i] / 4, quarter[i], 1e-7, tag + ": scaled gradient");
                }
            }
        }
        try (Linear lin = fixtureModel()) {
            assertEquals(0.0, Penalty.l1(0).value(lin.parameters()));
        }
        assertMessage("L2 penalty: lambda must be finite and >= 0, got -1.0", () -> Penalty.l2(-1));
    }

    // ------------------------------------------------------------------ accumulation

    /** Mean squared error over all elements and its gradient {@code scale * 2 (y - t) / numel}, by hand. */
    private static double mse(Tensor y, Tensor t, float scale, Tensor grad) {
        double sum = 0;
        long n = y.size();
        for (long i = 0; i < n; i++) {
            float d = y.getFlat(i) - t.getFlat(i);
            sum += (double) d * d;
            grad.setFlat(i, scale * 2f * d / n);
        }
        return sum / n;
    }

    private static Linear regression() {
        Linear lin = new Linear(8, 3);
        lin.reset(new Rng(17));
        lin.parameters();
        return lin;
    }

    @Test
    void accumulatingFourBatchesOf16EqualsOneBatchOf64() {
        try (Tensor x = Tensor.randn(new Rng(1), 64, 8); Tensor t = Tensor.randn(new Rng(2), 64, 3);
             Tensor g16 = Tensor.zeros(16, 3); Tensor g64 = Tensor.zeros(64, 3);
             Linear a = regression(); Linear b = regression();
             SGD optA = SGD.builder(a.parameters(), 0.1).momentum(0.9).build();
             SGD optB = SGD.builder(b.parameters(), 0.1).momentum(0.9).build()) {
            GradientAccumulator acc = new GradientAccumulator(optA, 4).clipGradNorm(10);
            assertEquals(0.25f, acc.scale());
            optA.zeroGrad();
            for (int step = 0; step < 3; step++) {
                double lossA = 0;
                for (int k = 0; k < 4; k++) {
                    Tensor y = a.forward(x.slice(16 * k, 16 * k + 16));
                    lossA += acc.scale() * mse(y, t.slice(16 * k, 16 * k + 16), acc.scale(), g16);
                    a.backward(g16);
                    assertEquals(k == 3, acc.afterBackward(), "steps on the 4th batch only");
                    assertEquals((k + 1) % 4, acc.pending());
                }
                optB.zeroGrad();
                double lossB = mse(b.forward(x), t, 1f, g64);
                b.backward(g64);
                double normB = GradClip.clipGradNorm(b.parameters(), 10);
                optB.step();
                assertEquals(lossB, lossA, 1e-6 * lossB, "step " + step + " loss");
                assertEquals(normB, acc.lastNorm(), 1e-5 * normB, "step " + step + " gradient norm");
                assertClose(b.weight().data().toArray(), a.weight().data().toArray(), "step " + step + " weight");
                assertClose(b.bias().data().toArray(), a.bias().data().toArray(), "step " + step + " bias");
            }
            assertEquals(3, optA.stepCount());
            assertArrayEquals(new float[(int) a.parameters().grad().size()], a.parameters().grad().toArray(),
                    "gradients are zeroed after a step");
        }
    }

    @Test
    void flushStepsOnAPartialGroupWithTheMeanGradient() {
        try (Tensor x = Tensor.randn(new Rng(3), 48, 8); Tensor t = Tensor.randn(new Rng(4), 48, 3);
             Tensor g16 = Tensor.zeros(16, 3); Tensor g48 = Tensor.zeros(48, 3);
             Linear a = regression(); Linear b = regression();
             Adam optA = new Adam(a.parameters(), 0.01); Adam optB = new Adam(b.parameters(), 0.01)) {
            GradientAccumulator acc = new GradientAccumulator(optA, 4);
            optA.zeroGrad();
            for (int k = 0; k < 3; k++) {
                mse(a.forward(x.slice(16 * k, 16 * k + 16)), t.slice(16 * k, 16 * k + 16), acc.scale(), g16);
                a.backward(g16);
                assertFalse(acc.afterBackward());
            }
            assertTrue(acc.flush());
            assertFalse(acc.flush(), "nothing pending after a flush");
            optB.zeroGrad();
            mse(b.forward(x), t, 1f, g48);
            b.backward(g48);
            optB.step();
            assertClose(b.weight().data().toArray(), a.weight().data().toArray(), "weight");
            assertClose(b.bias().data().toArray(), a.bias().data().toArray(), "bias");
        }
        assertMessage("GradientAccumulator: steps must be >= 1, got 0", () -> new GradientAccumulator(null, 0));
    }

    /** Equal up to float rounding of differently ordered sums. */
    private static void assertClose(float[] expected, float[] actual, String what) {
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 2e-6 * Math.max(1, Math.abs(expected[i])), what + "[" + i + "]");
        }
    }
}
