package dev.isthmus.nn;

import dev.isthmus.tensor.Rng;
import dev.isthmus.tensor.Tensor;
import dev.isthmus.testing.GradCheck;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class DropoutTest {

    @Test
    void probabilityOutsideZeroToOneFailsAtConstruction() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Dropout(1f));
        assertEquals("Dropout: p must be in [0, 1), got 1.0 (p = 1 would zero every unit; remove the layer or lower p)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Dropout(-0.1f));
        assertEquals("Dropout: p must be in [0, 1), got -0.1", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Dropout(Float.NaN));
        assertThrows(IllegalArgumentException.class, () -> new Dropout(1.5f, new Rng(1)));
    }

    @Test
    void trainingZeroesAboutPAndScalesTheRestByOneOverOneMinusP() {
        int n = 100_000;
        float p = 0.3f;
        try (Dropout d = new Dropout(p, new Rng(42)); Tensor x = Tensor.full(2f, n)) {
            Tensor y = d.forward(x);
            int zeros = 0;
            double sum = 0;
            for (int i = 0; i < n; i++) {
                float v = y.getFlat(i);
                if (v == 0f) {
                    zeros++;
                } else if (Math.abs(v - 2f / (1f - p)) > 1e-6) {
                    fail("kept element " + i + " = " + v + ", expected " + 2f / (1f - p));
                }
                sum += v;
            }
            assertEquals(p, zeros / (double) n, 0.01, "fraction dropped");
            assertEquals(2.0, sum / n, 0.03, "inverted dropout keeps the mean");
            Tensor mask = d.mask();
            Tensor dy = Tensor.randn(new Rng(3), n);
            Tensor dx = d.backward(dy);
            for (int i = 0; i < n; i += 97) {
                assertEquals(dy.getFlat(i) * mask.getFlat(i), dx.getFlat(i), 0f, "backward uses the stored mask");
                assertEquals(y.getFlat(i) == 0f, dx.getFlat(i) == 0f || dy.getFlat(i) == 0f);
            }
            dy.close();
        }
    }

    @Test
    void evalModeAndZeroPAreTheIdentity() {
        try (Dropout d = new Dropout(0.5f); Tensor x = Tensor.randn(new Rng(1), 3, 4); Tensor g = Tensor.randn(new Rng(2), 3, 4)) {
            d.eval();
            assertSame(x, d.forward(x));
            assertSame(g, d.backward(g));
            d.train();
            assertNotSame(x, d.forward(x));
        }
        try (Dropout d = new Dropout(0f); Tensor x = Tensor.randn(new Rng(1), 3, 4)) {
            assertSame(x, d.forward(x));
        }
    }

    @Test
    void masksRepeatFromTheSameSeedAndDifferAcrossSteps() {
        try (Dropout a = new Dropout(0.5f); Dropout b = new Dropout(0.5f); Tensor x = Tensor.full(1f, 64)) {
            float[] a1 = a.forward(x).toArray();
            float[] b1 = b.forward(x).toArray();
            assertArrayEquals(a1, b1, "the default seed is fixed");
            float[] a2 = a.forward(x).toArray();
            assertTrue(!java.util.Arrays.equals(a1, a2), "each step draws a new mask");
            b.setRng(new Rng(Dropout.DEFAULT_SEED));
            assertArrayEquals(a1, b.forward(x).toArray(), "setRng restarts the stream");
        }
    }

    @Test
    void gradientMatchesFiniteDifferencesWithAFrozenMask() {
        try (Dropout d = new Dropout(0.4f, new Rng(11)); Tensor x = Tensor.randn(new Rng(5), 4, 13)) {
            d.forward(x);
            d.freezeMask(true);
            GradCheck.check(d, x, 1e-2, 1e-3, 1e-4);
            Tensor mask = d.mask();
            int dropped = 0;
            for (long i = 0; i < mask.size(); i++) {
                dropped += mask.getFlat(i) == 0f ? 1 : 0;
            }
            assertTrue(dropped > 0 && dropped < mask.size(), "the check saw both dropped and kept units");
        }
    }
}
