package dev.isthmus.nn;

import com.fasterxml.jackson.databind.JsonNode;
import dev.isthmus.tensor.Rng;
import dev.isthmus.tensor.Tensor;
import dev.isthmus.testing.EngineScope;
import dev.isthmus.testing.Fixtures;
import dev.isthmus.testing.GradCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** MaxPool2d, AvgPool2d and Upsample: PyTorch fixtures, finite differences, the lecture's example, errors. */
class PoolingTest {

    @Test
    void lectureExampleMaxPool2x2() {
        float[] in = {
                1, 3, 2, 1, 3, 2,
                4, 6, 1, 5, 2, 3,
                7, 2, 3, 4, 7, 1,
                1, 5, 6, 8, 3, 2,
                2, 1, 9, 1, 4, 1,
                1, 1, 3, 5, 4, 2};
        try (MaxPool2d pool = new MaxPool2d(2, 2); Tensor x = Tensor.of(in, 1, 1, 6, 6)) {
            pool.setInputGradNeeded(true);
            Tensor y = pool.forward(x);
            assertArrayEquals(new int[]{1, 1, 3, 3}, y.shape());
            assertArrayEquals(new float[]{6, 5, 3, 7, 8, 7, 2, 9, 4}, y.toArray());
            try (Tensor g = Tensor.full(1f, 1, 1, 3, 3)) {
                float[] dx = pool.backward(g).toArray();
                // the gradient goes to the winners only: 6 at (1,1), 9 at (4,2), ...
                assertEquals(1f, dx[6 + 1]);
                assertEquals(1f, dx[4 * 6 + 2]);
                assertEquals(0f, dx[0]);
                assertEquals(9.0, java.util.stream.IntStream.range(0, 36).mapToDouble(i -> dx[i]).sum());
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"maxpool_2x2", "maxpool_2x2_odd", "maxpool_2x2_ties", "maxpool_3s2", "maxpool_3s2_pad1",
            "maxpool_3s1_pad1_ties", "maxpool_nonsquare", "avgpool_2x2", "avgpool_3s2_pad1", "avgpool_3s1_pad1_nopad",
            "avgpool_nonsquare"})
    void poolingMatchesPyTorch(String name) {
        Fixtures f = Fixtures.load("conv/" + name + ".json");
        JsonNode k = f.node("kernel"), s = f.node("stride"), p = f.node("padding");
        int kh = k.get(0).asInt(), kw = k.get(1).asInt(), sh = s.get(0).asInt(), sw = s.get(1).asInt();
        int ph = p.get(0).asInt(), pw = p.get(1).asInt();
        Layer pool = f.node("kind").asText().equals("max") ? new MaxPool2d(kh, kw, sh, sw, ph, pw)
                : new AvgPool2d(kh, kw, sh, sw, ph, pw, f.node("count_include_pad").asBoolean());
        checkFixture(f, pool);
    }

    @ParameterizedTest
    @ValueSource(strings = {"upsample_2", "upsample_3"})
    void upsampleMatchesPyTorch(String name) {
        Fixtures f = Fixtures.load("conv/" + name + ".json");
        checkFixture(f, new Upsample(f.node("scale").asInt()));
    }

    private static void checkFixture(Fixtures f, Layer layer) {
        try (layer; Tensor x = f.tensor("x"); Tensor r = f.tensor("r")) {
            layer.setInputGradNeeded(true);
            f.assertClose("y", layer.forward(x), 1e-6);
            // max pooling routes gradients exactly (ties included); averages divide once
            f.assertClose("dx", layer.backward(r), 1e-6);
        }
    }

    /** Values 0.05 apart in random order: no ties, and no window's winner changes under a 1e-2 nudge. */
    private static Tensor distinct(long seed, int... shape) {
        int n = (int) Tensor.numel(shape);
        int[] perm = new int[n];
        for (int i = 0; i < n; i++) {
            perm[i] = i;
        }
        new Rng(seed).shuffle(perm);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (perm[i] - n / 2) * 0.05f;
        }
        return Tensor.of(v, shape);
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        Layer[] layers = {
                new MaxPool2d(2), new MaxPool2d(3, 2), new MaxPool2d(3, 2, 1), new MaxPool2d(3, 1, 1),
                new MaxPool2d(2, 3, 1, 2, 1, 1), new MaxPool2d(1), new MaxPool2d(5),
                new AvgPool2d(2), new AvgPool2d(3, 2), new AvgPool2d(3, 2, 1), new AvgPool2d(2, 3, 1, 2, 1, 1, false),
                new AvgPool2d(5), new Upsample(2), new Upsample(3), new Upsample(1)};
        for (Layer m : layers) {
            try (m; Tensor x = distinct(m.describe().hashCode(), 2, 2, 5, 7)) {
                if (m instanceof MaxPool2d && m.describe().contains("kernel=5")) {
                    continue; // 5x5 on 5x7 still fits; checked below on a square input
                }
                GradCheck.check(m, x, 1e-2, 1e-3, 1e-4);
            }
        }
        try (MaxPool2d whole = new MaxPool2d(5); Tensor x = distinct(9, 2, 3, 5, 5)) { // kernel == input size
            GradCheck.check(whole, x, 1e-2, 1e-3, 1e-4);
            assertArrayEquals(new int[]{2, 3, 1, 1}, whole.forward(x).shape());
        }
    }

    @Test
    void paddingIsMinusInfinityForMaxAndCountedForAverage() {
        float[] neg = {-1, -2, -3, -4};
        try (MaxPool2d max = new MaxPool2d(2, 1, 1); AvgPool2d avg = new AvgPool2d(2, 1, 1);
             AvgPool2d avgReal = new AvgPool2d(2, 2, 1, 1, 1, 1, false); Tensor x = Tensor.of(neg, 1, 1, 2, 2)) {
            // a padded zero never wins against negative pixels
            assertArrayEquals(new float[]{-1, -1, -2, -1, -1, -2, -3, -3, -4}, max.forward(x).toArray());
            // corners: one real pixel over a window of 4 (count_include_pad) or over 1
            assertEquals(-0.25f, avg.forward(x).getFlat(0));
            assertEquals(-1f, avgReal.forward(x).getFlat(0));
            assertEquals(-2.5f, avg.forward(x).getFlat(4));
        }
    }

    @Test
    void nanPropagatesThroughMaxPooling() {
        try (MaxPool2d pool = new MaxPool2d(2); Tensor x = Tensor.of(new float[]{1, Float.NaN, 3, 2}, 1, 1, 2, 2)) {
            assertTrue(Float.isNaN(pool.forward(x).getFlat(0)));
        }
    }

    @Test
    void parallelPlanesGiveTheSameResultsAsOneThread() {
        Layer[] layers = {new MaxPool2d(3, 2, 1), new AvgPool2d(3, 2, 1), new Upsample(2)};
        for (Layer m : layers) {
            try (m; Tensor x = Tensor.randn(new Rng(5), 8, 16, 24, 20)) {
                m.setInputGradNeeded(true);
                float[][] one = EngineScope.withThreads(1, () -> pass(m, x));
                float[][] three = EngineScope.withThreads(3, () -> pass(m, x));
                assertArrayEquals(one[0], three[0], m.describe());
                assertArrayEquals(one[1], three[1], m.describe());
            }
        }
    }

    private static float[] [] pass(Layer m, Tensor x) {
        Tensor y = m.forward(x);
        try (Tensor g = Tensor.randn(new Rng(6), y.shape())) {
            return new float[][]{y.toArray(), m.backward(g).toArray()};
        }
    }

    @Test
    void buffersAreReusedAndTheFirstLayerSkipsItsInputGradient() {
        try (MaxPool2d pool = new MaxPool2d(2); Tensor x = Tensor.randn(new Rng(1), 2, 3, 8, 8);
             Tensor g = Tensor.randn(new Rng(2), 2, 3, 4, 4)) {
            pool.setInputGradNeeded(true);
            Tensor y1 = pool.forward(x);
            Tensor dx1 = pool.backward(g);
            assertSame(y1, pool.forward(x));
            assertSame(dx1, pool.backward(g));
            pool.setInputGradNeeded(false);
            assertNull(pool.backward(g));
        }
    }

    @Test
    void invalidHyperParametersFailAtConstruction() {
        assertEquals("MaxPool2d(kernel=2, stride=2, padding=2): padding must be at most half the kernel size"
                + " (padding 2, kernel 2), as PyTorch requires",
                assertThrows(IllegalArgumentException.class, () -> new MaxPool2d(2, 2, 2)).getMessage());
        assertEquals("AvgPool2d(kernel=0, stride=0): kernel size must be >= 1",
                assertThrows(IllegalArgumentException.class, () -> new AvgPool2d(0)).getMessage());
        assertEquals("MaxPool2d(kernel=2, stride=0): stride must be >= 1",
                assertThrows(IllegalArgumentException.class, () -> new MaxPool2d(2, 0)).getMessage());
        assertEquals("AvgPool2d(kernel=3, stride=1, padding=-1): padding must be >= 0",
                assertThrows(IllegalArgumentException.class, () -> new AvgPool2d(3, 1, -1)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> new MaxPool2d(3, 3, 1, 1, 1, 2));
        assertEquals("Upsample(scale_factor=0): the scale factor must be an integer >= 1",
                assertThrows(IllegalArgumentException.class, () -> new Upsample(0)).getMessage());
    }

    @Test
    void wrongInputsNameTheLayerAndTheShapes() {
        try (MaxPool2d pool = new MaxPool2d(3, 2)) {
            assertEquals("MaxPool2d(kernel=3, stride=2) expects [N, C, H, W] with H, W >= 3 after padding, got [1, 96, 2, 55]:"
                    + " the 3 window must fit the input padded by 0",
                    assertThrows(IllegalArgumentException.class, () -> pool.outputShape(1, 96, 2, 55)).getMessage());
            assertEquals("MaxPool2d(kernel=3, stride=2) expects [N, C, H, W], got [64, 784]",
                    assertThrows(IllegalArgumentException.class, () -> pool.outputShape(64, 784)).getMessage());
            assertArrayEquals(new int[]{16, 96, 27, 27}, pool.outputShape(16, 96, 55, 55));
        }
        try (AvgPool2d pool = new AvgPool2d(2); Tensor x = Tensor.zeros(1, 2, 4, 4); Tensor bad = Tensor.zeros(1, 2, 3, 3)) {
            assertThrows(IllegalStateException.class, () -> pool.backward(bad));
            pool.forward(x);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> pool.backward(bad));
            assertEquals("AvgPool2d(kernel=2, stride=2) expects gradient [1, 2, 2, 2], got [1, 2, 3, 3]:"
                    + " it must match the last forward output", e.getMessage());
        }
        try (Upsample up = new Upsample(2)) {
            assertArrayEquals(new int[]{2, 3, 8, 10}, up.outputShape(2, 3, 4, 5));
            assertThrows(IllegalArgumentException.class, () -> up.outputShape(2, 3, 4));
        }
    }
}
