package dev.isthmus.nn;

import com.fasterxml.jackson.databind.JsonNode;
import dev.isthmus.tensor.Rng;
import dev.isthmus.tensor.Tensor;
import dev.isthmus.testing.Allocations;
import dev.isthmus.testing.EngineScope;
import dev.isthmus.testing.Fixtures;
import dev.isthmus.testing.GradCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static dev.isthmus.testing.Approx.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Conv2d's direct algorithm (stride 1, no im2col): PyTorch fixtures, finite differences, and when AUTO takes it. */
class Conv2dDirectTest {

    /** {N, C, H, W, O, kh, kw, ph, pw, bias}: every one is stride 1. */
    private static final int[][] SHAPES = {
            {2, 2, 5, 5, 3, 3, 3, 0, 0, 1},
            {1, 2, 4, 5, 2, 3, 3, 2, 2, 1},   // padding = kernel - 1
            {2, 1, 3, 4, 10, 2, 2, 3, 2, 1},  // padding wider than the kernel; 10 outputs: channels-last dW
            {2, 3, 4, 4, 7, 4, 4, 0, 0, 1},   // kernel == input size; 7 outputs: a partial tile of rows
            {2, 7, 6, 5, 19, 3, 3, 1, 1, 1},  // 19 outputs: channels-last dW over two tiles, 7 inputs: two dX tiles
            {2, 2, 6, 7, 3, 3, 5, 1, 2, 0},   // non-square kernel and padding, no bias
            {3, 1, 9, 8, 6, 5, 5, 2, 2, 1},   // LeNet-5's first layer, smaller
            {2, 5, 3, 11, 9, 2, 3, 1, 0, 1},  // wider than high; 5 taps per row of the gradient tile
    };

    @Test
    void gradientsMatchFiniteDifferences() {
        for (int[] s : SHAPES) {
            try (Conv2d layer = new Conv2d(s[1], s[4], s[5], s[6], 1, 1, s[7], s[8], s[9] == 1);
                 Tensor x = Tensor.randn(new Rng(s[2] * 31 + s[3]), s[0], s[1], s[2], s[3])) {
                layer.reset(new Rng(5));
                layer.setAlgorithm(Conv2d.Algorithm.DIRECT);
                GradCheck.check(layer, x, 1e-2, 1e-3, 1e-3);
                assertEquals(Conv2d.Algorithm.DIRECT, layer.lastAlgorithm());
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"conv_basic", "conv_pad2", "conv_kernel_is_input", "conv_lenet1", "conv_lenet2",
            "conv_nonsquare_s1", "conv_odd_channels"})
    void matchesPyTorch(String name) {
        Fixtures f = Fixtures.load("conv/" + name + ".json");
        // sums of 60 and more terms with cancellation: 1e-4 (as for im2col), the rest 1e-5
        double rtol = name.startsWith("conv_lenet") || name.equals("conv_odd_channels") ? 1e-4 : 1e-5;
        // one thread, and two workers splitting the batch
        for (int threads : new int[]{1, 2}) {
            EngineScope.withThreads(threads, () -> {
                checkFixture(f, rtol);
                return null;
            });
        }
    }

    private static void checkFixture(Fixtures f, double rtol) {
        JsonNode k = f.node("kernel"), st = f.node("stride"), pd = f.node("padding");
        boolean hasBias = f.node("has_bias").asBoolean();
        try (Conv2d c = new Conv2d(f.node("in").asInt(), f.node("out").asInt(), k.get(0).asInt(), k.get(1).asInt(),
                st.get(0).asInt(), st.get(1).asInt(), pd.get(0).asInt(), pd.get(1).asInt(), hasBias);
             Tensor x = f.tensor("x"); Tensor r = f.tensor("r")) {
            c.setAlgorithm(Conv2d.Algorithm.DIRECT);
            c.setStrategy(Conv2d.Strategy.PER_IMAGE);
            c.setInputGradNeeded(true);
            c.weight().data().copyFrom(f.data("weight"));
            if (hasBias) {
                c.bias().data().copyFrom(f.data("bias"));
            }
            f.assertClose("y", c.forward(x), rtol);
            assertEquals(Conv2d.Algorithm.DIRECT, c.lastAlgorithm());
            f.assertClose("dx", c.backward(r), rtol);
            f.assertClose("dweight", c.weight().grad(), 1e-4);
            if (hasBias) {
                f.assertClose("dbias", c.bias().grad(), 1e-4);
            }
        }
    }

    @Test
    void agreesWithIm2colAndRepeatsExactlyOnAnyThreadCount() {
        float[][] im2col = EngineScope.withThreads(1, () -> run(Conv2d.Algorithm.IM2COL));
        float[][] one = EngineScope.withThreads(1, () -> run(Conv2d.Algorithm.DIRECT));
        float[][] three = EngineScope.withThreads(3, () -> run(Conv2d.Algorithm.DIRECT));
        float[][] threeAgain = EngineScope.withThreads(3, () -> run(Conv2d.Algorithm.DIRECT));
        for (int i = 0; i < 4; i++) {
            assertClose(im2col[i], one[i], 1e-4); // sums of 150 to 400 terms in another order
            assertArrayEquals(three[i], threeAgain[i], "a rerun is bit-identical");
        }
        // per-image results do not depend on the split; the batch sums only group differently
        assertArrayEquals(one[0], three[0]);
        assertArrayEquals(one[1], three[1]);
        assertClose(one[2], three[2], 1e-4); // 700 terms summed in lane partials split by worker
    }

    /** LeNet-5's second layer on 7 images, twice (the second pass reuses every buffer): {y, dx, dweight, dbias}. */
    private static float[][] run(Conv2d.Algorithm a) {
        try (Conv2d c = new Conv2d(6, 16, 5); Tensor x = Tensor.randn(new Rng(11), 7, 6, 14, 14)) {
            c.reset(new Rng(12));
            c.setAlgorithm(a);
            c.setInputGradNeeded(true);
            Tensor y = c.forward(x);
            try (Tensor r = Tensor.randn(new Rng(13), y.shape())) {
                c.backward(r);
                c.weight().grad().fill(0f);
                c.bias().grad().fill(0f);
                float[] out = c.forward(x).toArray();
                float[] dx = c.backward(r).toArray();
                assertEquals(a, c.lastAlgorithm());
                return new float[][]{out, dx, c.weight().grad().toArray(), c.bias().grad().toArray()};
            }
        }
    }

    @Test
    void autoTakesTheDirectPathForLeNetsLayersOnly() {
        EngineScope.withThreads(1, () -> {
            try (Conv2d c1 = new Conv2d(1, 6, 5, 1, 2); Conv2d c2 = new Conv2d(6, 16, 5);
                 Conv2d alex = new Conv2d(96, 256, 5, 1, 2); Conv2d strided = new Conv2d(1, 6, 5, 2, 2)) {
                assertTrue(c1.chooseAlgorithm(Conv2d.Strategy.AUTO));
                assertTrue(c2.chooseAlgorithm(Conv2d.Strategy.AUTO));
                assertTrue(c2.chooseAlgorithm(Conv2d.Strategy.PER_IMAGE));
                assertFalse(alex.chooseAlgorithm(Conv2d.Strategy.AUTO), "2,400 taps: im2col and OpenBLAS");
                assertFalse(strided.chooseAlgorithm(Conv2d.Strategy.AUTO), "stride 2");
                assertFalse(c2.chooseAlgorithm(Conv2d.Strategy.BATCHED), "one big GEMM was asked for");
                c2.setAlgorithm(Conv2d.Algorithm.IM2COL);
                assertFalse(c2.chooseAlgorithm(Conv2d.Strategy.AUTO));
            }
            return null;
        });
    }

    @Test
    void aSteadyStepAllocatesNothingOnEitherLayout() {
        // one thread: ThreadMXBean counts the calling thread's allocations only
        EngineScope.withThreads(1, () -> {
            // 6 outputs: the wide grid; 16: channels-last
            try (Conv2d c1 = new Conv2d(1, 6, 5, 1, 2); Conv2d c2 = new Conv2d(6, 16, 5);
                 Tensor x1 = Tensor.randn(new Rng(1), 4, 1, 12, 12); Tensor x2 = Tensor.randn(new Rng(2), 4, 6, 9, 9)) {
                c2.setInputGradNeeded(true);
                Tensor g1 = Tensor.randn(new Rng(3), c1.outputShape(x1.shape()));
                Tensor g2 = Tensor.randn(new Rng(4), c2.outputShape(x2.shape()));
                Runnable step = () -> {
                    c1.forward(x1);
                    c1.backward(g1);
                    c2.forward(x2);
                    c2.backward(g2);
                };
                step.run();
                assertEquals(Conv2d.Algorithm.DIRECT, c1.lastAlgorithm());
                assertEquals(Conv2d.Algorithm.DIRECT, c2.lastAlgorithm());
                assertEquals(0, Allocations.steadyState(step, 20, 0, 20_000), "bytes per 20 steps");
                g1.close();
                g2.close();
            }
            return null;
        });
    }

    @Test
    void theDirectPathCannotBeForcedWhereItDoesNotApply() {
        try (Conv2d strided = new Conv2d(2, 3, 3, 2, 1); Conv2d pointwise = new Conv2d(2, 3, 1)) {
            for (Conv2d c : new Conv2d[]{strided, pointwise}) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> c.setAlgorithm(Conv2d.Algorithm.DIRECT));
                assertTrue(e.getMessage().startsWith(c.describe() + ": the direct algorithm needs stride 1"), e.getMessage());
            }
        }
    }
}
