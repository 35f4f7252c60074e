package dev.isthmus.nn;

import com.fasterxml.jackson.databind.JsonNode;
import dev.isthmus.kernel.Engine;
import dev.isthmus.tensor.Rng;
import dev.isthmus.tensor.Tensor;
import dev.isthmus.testing.EngineScope;
import dev.isthmus.testing.Fixtures;
import dev.isthmus.testing.GradCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static dev.isthmus.testing.Approx.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Conv2dTest {

    /** {N, C, H, W, O, kh, kw, sh, sw, ph, pw, bias}. */
    private static final int[][] CORNERS = {
            {2, 2, 5, 5, 3, 3, 3, 1, 1, 0, 0, 1},
            {2, 2, 7, 9, 3, 3, 3, 2, 2, 0, 0, 1},   // stride 2 on odd sizes
            {2, 2, 7, 9, 2, 3, 3, 2, 2, 1, 1, 1},   // stride 2, padding 1
            {1, 2, 4, 5, 2, 3, 3, 1, 1, 2, 2, 1},   // padding 2
            {3, 4, 3, 3, 5, 1, 1, 1, 1, 0, 0, 1},   // 1x1 (no im2col)
            {2, 3, 5, 4, 2, 1, 1, 2, 2, 0, 0, 0},   // 1x1 with stride 2
            {2, 3, 4, 4, 2, 4, 4, 1, 1, 0, 0, 1},   // kernel == input size
            {2, 2, 6, 7, 3, 3, 5, 2, 1, 1, 2, 0},   // non-square kernel, stride and padding
            {2, 1, 3, 3, 2, 3, 3, 1, 1, 1, 1, 1},   // same-size output
    };

    private static Conv2d conv(int[] c) {
        return new Conv2d(c[1], c[4], c[5], c[6], c[7], c[8], c[9], c[10], c[11] == 1);
    }

    @Test
    void gradientsMatchFiniteDifferencesForEveryStrategy() {
        for (int i = 0; i < CORNERS.length; i++) {
            int[] c = CORNERS[i];
            // every corner per image; every other one batched too (the fixtures run both on all shapes)
            List<Conv2d.Strategy> strategies = i % 2 == 0 ? List.of(Conv2d.Strategy.PER_IMAGE, Conv2d.Strategy.BATCHED)
                    : List.of(Conv2d.Strategy.PER_IMAGE);
            for (Conv2d.Strategy s : strategies) {
                try (Conv2d layer = conv(c); Tensor x = Tensor.randn(new Rng(c[2] * 31 + c[3]), c[0], c[1], c[2], c[3])) {
                    layer.reset(new Rng(5));
                    layer.setStrategy(s);
                    // the loss is linear in x and in the weights, so central differences are exact but for rounding
                    GradCheck.check(layer, x, 1e-2, 1e-3, 1e-3);
                    assertEquals(s, layer.lastStrategy());
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"conv_basic", "conv_stride2_odd", "conv_stride2_pad1_odd", "conv_pad2", "conv_1x1",
            "conv_1x1_stride2", "conv_kernel_is_input", "conv_nonsquare", "conv_lenet2", "conv_alexnet1_small"})
    void matchesPyTorch(String name) {
        Fixtures f = Fixtures.load("conv/" + name + ".json");
        // outputs and input gradients: sums of 150 and 363 terms get 1e-4, the rest 1e-5
        double rtol = name.equals("conv_lenet2") || name.equals("conv_alexnet1_small") ? 1e-4 : 1e-5;
        for (Conv2d.Strategy s : List.of(Conv2d.Strategy.PER_IMAGE, Conv2d.Strategy.BATCHED)) {
            checkFixture(f, s, rtol);
        }
    }

    @Test
    void matchesPyTorchOnTheVectorApiGemmToo() {
        Fixtures f = Fixtures.load("conv/conv_stride2_pad1_odd.json");
        EngineScope.with(2, Engine.Backend.VECTOR, () -> {
            checkFixture(f, Conv2d.Strategy.PER_IMAGE, 1e-5);
            checkFixture(f, Conv2d.Strategy.BATCHED, 1e-5);
            return null;
        });
    }

    private static void checkFixture(Fixtures f, Conv2d.Strategy s, double rtol) {
        JsonNode k = f.node("kernel"), st = f.node("stride"), pd = f.node("padding");
        boolean hasBias = f.node("has_bias").asBoolean();
        try (Conv2d c = new Conv2d(f.node("in").asInt(), f.node("out").asInt(), k.get(0).asInt(), k.get(1).asInt(),
                st.get(0).asInt(), st.get(1).asInt(), pd.get(0).asInt(), pd.get(1).asInt(), hasBias);
             Tensor x = f.tensor("x"); Tensor r = f.tensor("r")) {
            c.setStrategy(s);
            c.setInputGradNeeded(true);
            c.weight().data().copyFrom(f.data("weight"));
            if (hasBias) {
                c.bias().data().copyFrom(f.data("bias"));
            }
            f.assertClose("y", c.forward(x), rtol);
            f.assertClose("dx", c.backward(r), rtol);
            // parameter gradients sum N * OH * OW terms (48 to 800 here), with cancellation: 1e-4
            f.assertClose("dweight", c.weight().grad(), 1e-4);
            if (hasBias) {
                f.assertClose("dbias", c.bias().grad(), 1e-4);
            }
        }
    }

    @Test
    void resultsDoNotDependOnTheThreadCountAndRepeatExactly() {
        float[][] one = EngineScope.withThreads(1, () -> run(Conv2d.Strategy.AUTO));
        float[][] four = EngineScope.withThreads(4, () -> run(Conv2d.Strategy.PER_IMAGE));
        float[][] fourAgain = EngineScope.withThreads(4, () -> run(Conv2d.Strategy.PER_IMAGE));
        float[][] batched = EngineScope.withThreads(4, () -> run(Conv2d.Strategy.BATCHED));
        // outputs and input gradients are per-image computations: identical whatever the split
        assertArrayEquals(one[0], four[0]);
        assertArrayEquals(one[1], four[1]);
        // weight and bias gradients are summed over the batch in another grouping: equal up to rounding
        assertClose(one[2], four[2], 1e-5);
        assertClose(one[3], four[3], 1e-5);
        // ... and the reduction order is fixed, so a rerun is bit-identical
        for (int i = 0; i < 4; i++) {
            assertArrayEquals(four[i], fourAgain[i]);
        }
        for (int i = 0; i < 4; i++) {
            assertClose(one[i], batched[i], 1e-5);
        }
    }

    /** Forward and backward of a fixed layer on a fixed batch of 7 images: {y, dx, dweight, dbias}. */
    private static float[][] run(Conv2d.Strategy s) {
        try (Conv2d c = new Conv2d(3, 8, 3, 2, 1); Tensor x = Tensor.randn(new Rng(11), 7, 3, 13, 12)) {
            c.reset(new Rng(12));
            c.setStrategy(s);
            c.setInputGradNeeded(true);
            Tensor y = c.forward(x);
            try (Tensor r = Tensor.randn(new Rng(13), y.shape())) {
                float[] out = y.toArray();
                float[] dx = c.backward(r).toArray();
                return new float[][]{out, dx, c.weight().grad().toArray(), c.bias().grad().toArray()};
            }
        }
    }

    @Test
    void autoPicksPerImageForFullBatchesAndOneBigGemmForSmallOnes() {
        try (Conv2d c = new Conv2d(2, 3, 3)) {
            assertEquals(Conv2d.Strategy.PER_IMAGE, c.chooseStrategy(64, 8));
            assertEquals(Conv2d.Strategy.BATCHED, c.chooseStrategy(1, 8));
            c.setStrategy(Conv2d.Strategy.BATCHED);
            assertEquals(Conv2d.Strategy.BATCHED, c.chooseStrategy(64, 8));
        }
    }

    @Test
    void gradientsAccumulateAndBuffersAreReused() {
        for (Conv2d.Strategy s : List.of(Conv2d.Strategy.PER_IMAGE, Conv2d.Strategy.BATCHED)) {
            try (Conv2d c = new Conv2d(2, 3, 3, 1, 1); Tensor x = Tensor.randn(new Rng(1), 3, 2, 6, 6);
                 Tensor g = Tensor.full(1f, 3, 3, 6, 6)) {
                c.setStrategy(s);
                c.setInputGradNeeded(true);
                Tensor y1 = c.forward(x);
                Tensor dx1 = c.backward(g);
                float[] once = c.weight().grad().toArray();
                float[] onceB = c.bias().grad().toArray();
                Tensor y2 = c.forward(x);
                Tensor dx2 = c.backward(g);
                assertSame(y1, y2, "the output buffer is reused");
                assertSame(dx1, dx2, "the input-gradient buffer is reused");
                float[] twice = c.weight().grad().toArray();
                for (int i = 0; i < once.length; i++) {
                    assertEquals(2 * once[i], twice[i], 1e-5 * Math.abs(once[i]) + 1e-6);
                }
                assertEquals(2 * onceB[0], c.bias().grad().getFlat(0), 1e-4);
                assertEquals(36 * 3, onceB[0], 1e-4, "dL/db = sum of dL/dy over the batch and the plane");
            }
        }
    }

    @Test
    void backwardTwiceAfterOneForwardGivesTheSameGradients() {
        try (Conv2d c = new Conv2d(2, 3, 3); Tensor x = Tensor.randn(new Rng(2), 2, 2, 5, 5);
             Tensor g = Tensor.randn(new Rng(3), 2, 3, 3, 3)) {
            c.setStrategy(Conv2d.Strategy.BATCHED);
            c.setInputGradNeeded(true);
            c.forward(x);
            c.backward(g);
            float[] once = c.weight().grad().toArray();
            c.weight().grad().fill(0f);
            c.backward(g); // the kept columns were overwritten by the input gradient: they must be rebuilt
            assertArrayEquals(once, c.weight().grad().toArray());
        }
    }

    @Test
    void firstLayerSkipsTheInputGradient() {
        try (Conv2d c = new Conv2d(1, 2, 3); Tensor x = Tensor.randn(new Rng(4), 2, 1, 5, 5)) {
            c.setInputGradNeeded(false);
            Tensor y = c.forward(x);
            try (Tensor g = Tensor.full(1f, y.shape())) {
                assertNull(c.backward(g));
            }
            assertTrue(c.weight().grad().getFlat(0) != 0f);
        }
    }

    @Test
    void initialisationIsPyTorchsDefault() {
        try (Conv2d c = new Conv2d(6, 16, 5)) {
            c.reset(new Rng(42));
            double bound = 1 / Math.sqrt(6 * 25);
            float[] w = c.weight().data().toArray();
            double max = 0, sumSq = 0;
            for (float v : w) {
                max = Math.max(max, Math.abs(v));
                sumSq += v * v;
            }
            assertTrue(max <= bound && max > 0.95 * bound, "weights uniform in +-1/sqrt(fan_in): max " + max);
            assertEquals(bound * bound / 3, sumSq / w.length, 0.1 * bound * bound / 3, "variance of U(-b, b)");
            for (float v : c.bias().data().toArray()) {
                assertTrue(Math.abs(v) <= bound);
            }
            assertArrayEquals(new int[]{16, 6, 5, 5}, c.weight().shape());
            assertArrayEquals(new int[]{16}, c.bias().shape());
        }
    }

    @Test
    void invalidHyperParametersFailAtConstruction() {
        assertEquals("Conv2d(3 -> 8, kernel=0): kernel size must be >= 1",
                assertThrows(IllegalArgumentException.class, () -> new Conv2d(3, 8, 0)).getMessage());
        assertEquals("Conv2d(3 -> 8, kernel=3, stride=0): stride must be >= 1",
                assertThrows(IllegalArgumentException.class, () -> new Conv2d(3, 8, 3, 0, 0)).getMessage());
        assertEquals("Conv2d(3 -> 8, kernel=3, padding=-1): padding must be >= 0",
                assertThrows(IllegalArgumentException.class, () -> new Conv2d(3, 8, 3, 1, -1)).getMessage());
        assertEquals("Conv2d(0 -> 8, kernel=3): channel counts must be >= 1",
                assertThrows(IllegalArgumentException.class, () -> new Conv2d(0, 8, 3)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Conv2d(3, 8, 3, 5, 1, 0, 0, 0, true));
    }

    @Test
    void wrongInputsNameTheLayerAndTheShapes() {
        try (Conv2d c = new Conv2d(3, 96, 11, 4, 2)) {
            assertEquals("Conv2d(3 -> 96, kernel=11, stride=4, padding=2) expects [N, 3, H, W] with H, W >= 7 after padding,"
                    + " got [1, 3, 6, 224]: the kernel 11 must fit the input padded by 2",
                    assertThrows(IllegalArgumentException.class, () -> c.outputShape(1, 3, 6, 224)).getMessage());
            try (Tensor x = Tensor.zeros(2, 1, 224, 224)) {
                assertEquals("Conv2d(3 -> 96, kernel=11, stride=4, padding=2) expects [N, 3, H, W], got [2, 1, 224, 224]:"
                        + " 3 input channels, got 1", assertThrows(IllegalArgumentException.class, () -> c.forward(x)).getMessage());
            }
            assertEquals("Conv2d(3 -> 96, kernel=11, stride=4, padding=2) expects [N, 3, H, W], got [64, 150528]:"
                    + " reshape flat rows to [N, C, H, W] first",
                    assertThrows(IllegalArgumentException.class, () -> c.outputShape(64, 150528)).getMessage());
            assertArrayEquals(new int[]{1, 96, 1, 1}, c.outputShape(1, 3, 7, 7));
        }
        try (Conv2d c = new Conv2d(2, 4, 3, 5, 1, 1, 0, 0, false)) {
            assertEquals("Conv2d(2 -> 4, kernel=(3, 5), bias=false) expects [N, 2, H, W] with H >= 3, W >= 5"
                    + " after padding, got [1, 2, 2, 9]: the kernel 3x5 must fit the input padded by 0",
                    assertThrows(IllegalArgumentException.class, () -> c.outputShape(1, 2, 2, 9)).getMessage());
        }
        try (Conv2d c = new Conv2d(1, 2, 3); Tensor x = Tensor.zeros(2, 1, 5, 5); Tensor bad = Tensor.zeros(2, 2, 4, 3)) {
            assertThrows(IllegalStateException.class, () -> c.backward(bad));
            c.forward(x);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.backward(bad));
            assertTrue(e.getMessage().contains("gradient [2, 2, 3, 3]"), e.getMessage());
        }
    }

    @Test
    void alexNetConvolutionsHaveTheTextbookParameterCountsAndShapes() {
        Conv2d c1 = new Conv2d(3, 96, 11, 4, 2), c2 = new Conv2d(96, 256, 5, 1, 2), c3 = new Conv2d(256, 384, 3, 1, 1),
                c4 = new Conv2d(384, 384, 3, 1, 1), c5 = new Conv2d(384, 256, 3, 1, 1);
        assertEquals(34_944, c1.parameterCount());
        assertEquals(614_656, c2.parameterCount());
        assertEquals(885_120, c3.parameterCount());
        assertEquals(1_327_488, c4.parameterCount());
        assertEquals(884_992, c5.parameterCount());
        try (Sequential features = new Sequential(c1, new MaxPool2d(3, 2), c2, new MaxPool2d(3, 2), c3, c4, c5,
                new MaxPool2d(3, 2)); Tensor x = Tensor.randn(new Rng(1), 1, 3, 224, 224)) {
            assertEquals(34_944 + 614_656 + 885_120 + 1_327_488 + 884_992, features.parameterCount());
            List<int[]> shapes = features.shapes(1, 3, 224, 224);
            int[][] want = {{1, 96, 55, 55}, {1, 96, 27, 27}, {1, 256, 27, 27}, {1, 256, 13, 13}, {1, 384, 13, 13},
                    {1, 384, 13, 13}, {1, 256, 13, 13}, {1, 256, 6, 6}};
            for (int i = 0; i < want.length; i++) {
                assertArrayEquals(want[i], shapes.get(i), "after layer " + i);
            }
            assertArrayEquals(new int[]{1, 256, 6, 6}, features.forward(x).shape(), "a real forward pass agrees");
        }
    }
}
