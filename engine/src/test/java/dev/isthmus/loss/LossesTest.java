package dev.isthmus.loss;

import dev.isthmus.tensor.Rng;
import dev.isthmus.tensor.Tensor;
import dev.isthmus.testing.Fixtures;
import dev.isthmus.testing.GradCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class LossesTest {

    private static Loss make(String kind, Reduction r) {
        return switch (kind) {
            case "mse" -> new MSELoss(r);
            case "l1" -> new L1Loss(r);
            case "cross_entropy" -> new CrossEntropyLoss(r);
            case "bce", "bce_edges" -> new BCELoss(r);
            case "bce_logits" -> new BCEWithLogitsLoss(r);
            default -> throw new IllegalArgumentException(kind);
        };
    }

    /** Element-wise relative comparison (BCE's edge gradients reach 1e11, so no shared scale). */
    private static void assertRelClose(String what, float[] expected, float[] actual, double rtol) {
        assertEquals(expected.length, actual.length, what + " length");
        for (int i = 0; i < expected.length; i++) {
            double tol = rtol * Math.max(Math.abs(expected[i]), 1e-6);
            if (!(Math.abs(expected[i] - actual[i]) <= tol)) {
                fail(what + "[" + i + "] = " + actual[i] + ", PyTorch " + expected[i]);
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"mse,mean", "mse,sum", "l1,mean", "l1,sum", "cross_entropy,mean", "cross_entropy,sum", "bce,mean", "bce,sum",
            "bce_edges,mean", "bce_edges,sum", "bce_logits,mean", "bce_logits,sum"})
    void matchesPyTorch(String kind, String reduction) {
        Fixtures f = Fixtures.load("losses/" + kind + "_" + reduction + ".json");
        Reduction r = Reduction.valueOf(reduction.toUpperCase());
        try (Loss loss = make(kind, r); Tensor x = f.tensor("x"); Tensor t = f.tensor("t")) {
            float value = loss.forward(x, t);
            assertEquals(f.scalar("loss"), value, 2e-6 * Math.abs(f.scalar("loss")) + 1e-7, loss.describe() + " value");
            assertTrue(Float.isFinite(value));
            assertRelClose(loss.describe() + " dx", f.data("dx"), loss.backward().toArray(), 2e-5);
        }
    }

    @Test
    void crossEntropyOfHugeLogitsIsStable() {
        try (CrossEntropyLoss ce = new CrossEntropyLoss(); Tensor x = Tensor.of(new float[]{1000f, 0f, -1000f, -1000f, 1000f, 999f}, 2, 3);
             Tensor t = Tensor.of(new float[]{0f, 2f}, 2)) {
            // row 0: correct with a margin of 1000 -> loss ~0; row 1: log(1 + e + e^-2000) - (999 - 1000) ... computed in double
            double row1 = Math.log(Math.exp(-2000) + 1 + Math.exp(-1)) + 1;
            assertEquals((0 + row1) / 2, ce.forward(x, t), 1e-6);
            for (float g : ce.backward().toArray()) {
                assertTrue(Float.isFinite(g));
            }
        }
    }

    private static Tensor targetFor(String kind, Rng rng, int n, int c) {
        return switch (kind) {
            case "cross_entropy" -> {
                float[] cls = new float[n];
                for (int i = 0; i < n; i++) {
                    cls[i] = rng.nextInt(c);
                }
                yield Tensor.of(cls, n);
            }
            case "bce", "bce_logits" -> Tensor.rand(rng, n, c);
            default -> Tensor.randn(rng, n, c);
        };
    }

    private static Tensor inputFor(String kind, Rng rng, Tensor target, int n, int c) {
        Tensor x = Tensor.randn(rng, n, c);
        for (long i = 0; i < x.size(); i++) {
            float v = x.getFlat(i);
            switch (kind) {
                case "bce" -> x.setFlat(i, 0.2f + 0.6f * rng.nextFloat());
                case "l1" -> {
                    // keep |x - t| >= 0.05 so finite differences stay on one side of the kink
                    float d = v - target.getFlat(i);
                    if (Math.abs(d) < 0.05f) {
                        x.setFlat(i, target.getFlat(i) + Math.copySign(0.05f, d));
                    }
                }
                default -> {
                }
            }
        }
        return x;
    }

    @ParameterizedTest
    @ValueSource(strings = {"mse", "l1", "cross_entropy", "bce", "bce_logits"})
    void gradientsMatchFiniteDifferencesForBothReductions(String kind) {
        for (Reduction r : Reduction.values()) {
            Rng rng = new Rng(kind.hashCode());
            try (Loss loss = make(kind, r); Tensor t = targetFor(kind, rng, 5, 7); Tensor x = inputFor(kind, rng, t, 5, 7)) {
                // BCE's log curves sharply near 0: a smaller step keeps the central difference's own error down
                GradCheck.checkLoss(loss, x, t, kind.equals("bce") ? 2e-3 : 1e-2, 1e-2, 1e-3);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"mse", "l1", "cross_entropy", "bce", "bce_logits"})
    void backwardScalesTheGradientAndSumIsMeanTimesCount(String kind) {
        Rng rng = new Rng(99);
        try (Loss mean = make(kind, Reduction.MEAN); Loss sum = make(kind, Reduction.SUM);
             Tensor t = targetFor(kind, rng, 4, 6); Tensor x = inputFor(kind, rng, t, 4, 6)) {
            float lm = mean.forward(x, t);
            float ls = sum.forward(x, t);
            long count = kind.equals("cross_entropy") ? 4 : 24;
            assertEquals(ls, lm * count, 1e-5 * Math.abs(ls), "sum = mean * " + count);
            float[] one = mean.backward(1f).toArray();
            Tensor scaled = mean.backward(0.25f);
            float[] s = sum.backward(1f).toArray();
            for (int i = 0; i < one.length; i++) {
                assertEquals(0.25f * one[i], scaled.getFlat(i), 1e-6 * Math.abs(one[i]) + 1e-12);
                assertEquals(one[i] * count, s[i], 1e-5 * Math.abs(s[i]) + 1e-9);
            }
            assertSame(scaled, mean.backward(1f), "the gradient buffer is reused");
        }
    }

    @Test
    void badTargetsNameTheLossAndTheValue() {
        try (CrossEntropyLoss ce = new CrossEntropyLoss(); Tensor x = Tensor.zeros(3, 4)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ce.forward(x, Tensor.of(new float[]{0f, 4f, 1f}, 3)));
            assertEquals("CrossEntropyLoss(reduction=mean): target[1] = 4.0 is not a class index in [0, 4) (input [3, 4])", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> ce.forward(x, Tensor.of(new float[]{0f, 1f, 1.5f}, 3)));
            assertTrue(e.getMessage().contains("target[2] = 1.5 is not a class index"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> ce.forward(x, Tensor.of(new float[]{-1f, 1f, 1f}, 3)));
            assertTrue(e.getMessage().contains("target[0] = -1.0"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> ce.forward(x, Tensor.of(new float[]{Float.NaN, 1f, 1f}, 3)));
            assertTrue(e.getMessage().contains("target[0] = NaN"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> ce.forward(x, Tensor.zeros(3, 4)));
            assertEquals("CrossEntropyLoss(reduction=mean) expects input [N, C] logits and target [N] class indices, "
                    + "got input [3, 4] and target [3, 4]: targets are class indices, not one-hot rows", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> ce.forward(x, Tensor.zeros(2)));
            assertTrue(e.getMessage().contains("got input [3, 4] and target [2]"), e.getMessage());
            assertThrows(IllegalStateException.class, () -> new CrossEntropyLoss().backward());
        }
    }

    @Test
    void shapeMismatchesNameBothShapes() {
        try (MSELoss mse = new MSELoss(); Tensor x = Tensor.zeros(4, 1); Tensor t = Tensor.zeros(4); Tensor t2 = Tensor.zeros(4, 2)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> mse.forward(x, t));
            assertEquals("MSELoss(reduction=mean) expects input and target of the same shape, got input [4, 1] and target [4]: "
                    + "reshape the target to [4, 1] (PyTorch would broadcast these shapes into a wrong loss)", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> new L1Loss(Reduction.SUM).forward(x, t2));
            assertEquals("L1Loss(reduction=sum) expects input and target of the same shape, got input [4, 1] and target [4, 2]", e.getMessage());
        }
    }

    @Test
    void bceRejectsInputsThatAreNotProbabilities() {
        try (BCELoss bce = new BCELoss(); Tensor x = Tensor.of(new float[]{0.2f, 1.2f, 0.5f}, 3); Tensor t = Tensor.zeros(3)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> bce.forward(x, t));
            assertEquals("BCELoss(reduction=mean): input element 1 of [3] is 1.2, not a probability in [0, 1] "
                    + "(apply Sigmoid first, or use BCEWithLogitsLoss on logits)", e.getMessage());
        }
    }

    @Test
    void bceWithLogitsMatchesBceOfSigmoidAndStaysFiniteForHugeLogits() {
        try (BCEWithLogitsLoss a = new BCEWithLogitsLoss(); BCELoss b = new BCELoss();
             Tensor z = Tensor.of(new float[]{-3f, -0.5f, 0f, 0.7f, 2f}, 5); Tensor t = Tensor.of(new float[]{0f, 1f, 0.3f, 1f, 0f}, 5);
             Tensor p = Tensor.zeros(5); Tensor big = Tensor.of(new float[]{500f, -500f}, 2); Tensor bt = Tensor.of(new float[]{0f, 1f}, 2)) {
            for (int i = 0; i < 5; i++) {
                p.setFlat(i, (float) (1 / (1 + Math.exp(-z.getFlat(i)))));
            }
            assertEquals(b.forward(p, t), a.forward(z, t), 1e-6);
            assertEquals(500f, a.forward(big, bt), 1e-3);
            float[] g = a.backward().toArray();
            assertEquals(0.5f, g[0], 1e-6);
            assertEquals(-0.5f, g[1], 1e-6);
        }
    }
}
