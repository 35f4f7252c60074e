package dev.isthmus.nn;

import dev.isthmus.tensor.Rng;
import dev.isthmus.tensor.Tensor;
import dev.isthmus.testing.EngineScope;
import org.junit.jupiter.api.Test;

import static dev.isthmus.testing.Approx.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every fast convolution path (im2col per image, im2col batched, direct on the wide grid and channels-last)
 * against the plain-loop reference ({@link Conv2d.Algorithm#REFERENCE}): output, weight and bias gradients
 * and input gradient, on LeNet-5's layers, strides, uneven padding, a pointwise kernel and a batch smaller
 * than the thread count, on one and two engine threads.
 */
class Conv2dReferenceTest {
    /** {in, out, kh, kw, sh, sw, ph, pw, n, h, w}. */
    private static final int[][] CASES = {
            {1, 6, 5, 5, 1, 1, 2, 2, 3, 28, 28},     // LeNet-5 conv1 (direct: wide grid)
            {6, 16, 5, 5, 1, 1, 0, 0, 3, 14, 14},    // LeNet-5 conv2 (direct: channels-last)
            {3, 8, 3, 3, 2, 2, 1, 1, 2, 11, 9},      // stride 2, odd sizes
            {2, 5, 3, 2, 1, 3, 2, 0, 1, 7, 10},      // uneven kernel, stride and padding, one image
            {4, 7, 1, 1, 1, 1, 0, 0, 3, 5, 6},       // pointwise: the image is its own column matrix
    };

    @Test
    void everyFastPathMatchesTheReferenceOnOneAndTwoThreads() {
        for (int threads : new int[]{1, 2}) {
            EngineScope.withThreads(threads, () -> {
                for (int[] c : CASES) {
                    float[][] want = run(c, Conv2d.Algorithm.REFERENCE, Conv2d.Strategy.AUTO);
                    for (Conv2d.Strategy s : new Conv2d.Strategy[]{Conv2d.Strategy.PER_IMAGE, Conv2d.Strategy.BATCHED}) {
                        compare(want, run(c, Conv2d.Algorithm.IM2COL, s));
                    }
                    boolean directOk = c[4] == 1 && c[5] == 1 && !(c[2] == 1 && c[3] == 1 && c[6] == 0 && c[7] == 0);
                    if (directOk) {
                        compare(want, run(c, Conv2d.Algorithm.DIRECT, Conv2d.Strategy.AUTO));
                    }
                }
                return null;
            });
        }
    }

    private static void compare(float[][] want, float[][] got) {
        for (int i = 0; i < want.length; i++) {
            assertClose(want[i], got[i], 1e-4);
        }
    }

    /** {output, dW, db, dx} of one forward and backward. */
    private static float[][] run(int[] c, Conv2d.Algorithm a, Conv2d.Strategy s) {
        try (Conv2d conv = new Conv2d(c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], true);
             Tensor x = Tensor.randn(new Rng(1), c[8], c[0], c[9], c[10])) {
            conv.reset(new Rng(2));
            conv.setInputGradNeeded(true);
            conv.setAlgorithm(a);
            conv.setStrategy(s);
            Tensor y = conv.forward(x);
            assertEquals(a, conv.lastAlgorithm());
            float[] out = y.toArray();
            try (Tensor dy = Tensor.randn(new Rng(3), y.shape())) {
                float[] dx = conv.backward(dy).toArray();
                return new float[][]{out, conv.weight().grad().toArray(), conv.bias().grad().toArray(), dx};
            }
        }
    }
}
