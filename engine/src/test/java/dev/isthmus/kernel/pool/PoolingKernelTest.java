package dev.isthmus.kernel.pool;

import dev.isthmus.kernel.Window;
import dev.isthmus.tensor.Rng;
import dev.isthmus.testing.Allocations;
import dev.isthmus.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The vector pooling kernels against the scalar ones (which the layer tests hold to PyTorch). */
class PoolingKernelTest {

    /** {H, W, kh, kw, sh, sw, ph, pw}: row lengths around the vector width, strides 1-3, padding, ties. */
    private static final int[][] CASES = {
            {28, 28, 2, 2, 2, 2, 0, 0},   // 2x2 blocks: the de-interleaving path
            {9, 17, 2, 2, 2, 2, 0, 0},    // ... with an odd last row and column
            {11, 40, 2, 2, 2, 2, 0, 0},
            {10, 10, 2, 2, 2, 2, 0, 0},   // rows shorter than a vector (LeNet-5's second pooling), spilling into
            {7, 9, 2, 2, 2, 2, 0, 0},     // the next row; the last rows of the exact-size buffers go scalar
            {3, 5, 2, 2, 2, 2, 0, 0},
            {13, 13, 3, 3, 2, 2, 0, 0},
            {27, 27, 3, 3, 2, 2, 0, 0},   // AlexNet's second pooling: 13 outputs a row, fewer than 16 lanes
            {9, 9, 3, 3, 2, 2, 0, 0},     // 4 outputs a row: the narrowest vector row
            {21, 21, 3, 3, 2, 2, 1, 1},   // 11 outputs with padding
            {6, 12, 3, 3, 3, 3, 0, 0},    // column stride 3, 4 outputs a row
            {27, 27, 3, 3, 2, 2, 1, 1},
            {10, 21, 3, 3, 1, 1, 1, 1},
            {7, 40, 2, 3, 1, 2, 1, 1},
            {12, 50, 3, 3, 3, 3, 1, 0},
            {16, 16, 4, 4, 4, 4, 2, 2},
            {6, 33, 1, 1, 1, 2, 0, 0},
            {5, 9, 5, 9, 1, 1, 2, 4},
    };

    @Test
    void vectorMaxPoolingMatchesScalarIncludingIndices() {
        for (int[] g : CASES) {
            for (boolean ties : new boolean[]{false, true}) {
                int planes = 3, oh = Window.outSize(g[0], g[2], g[4], g[6]), ow = Window.outSize(g[1], g[3], g[5], g[7]);
                try (Tensor x = input(planes, g[0], g[1], ties); Tensor ys = Tensor.zeros(planes * oh * ow);
                     Tensor yv = Tensor.zeros(planes * oh * ow);
                     Tensor scratch = Tensor.full(Float.NaN, (int) PoolPhases.scratchSize(g[0], g[1], g[4], g[5], g[6], g[7]) + 2)) {
                    int[] as = new int[planes * oh * ow], av = new int[planes * oh * ow];
                    MaxPool.forward(x.segment(), 0, ys.segment(), 0, as, 0, planes, g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7],
                            null, 0, false);
                    MaxPool.forward(x.segment(), 0, yv.segment(), 0, av, 0, planes, g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7],
                            scratch.segment(), 2, true);
                    assertArrayEquals(ys.toArray(), yv.toArray(), Arrays.toString(g));
                    assertArrayEquals(as, av, Arrays.toString(g) + " ties=" + ties);
                }
            }
        }
    }

    /**
     * 13 outputs a row: under AVX-512 a partial vector, whose masks once met null and were boxed on every row, and
     * whose split called a masked-load helper that C2, having compiled it alone once other shapes had run, would
     * not inline: 5 KB boxed per plane; and whose last masked store ran past the end of the output, which the Vector
     * API checks lane by lane, allocating once per call. Nothing is allocated once warm.
     */
    @Test
    void alexNetsSecondPoolingAllocatesNothingOnceWarm() {
        int planes = 64, h = 27, w = 27, o = 13;
        try (Tensor x = input(planes, h, w, false); Tensor y = Tensor.zeros(planes * o * o);
             Tensor scratch = Tensor.zeros((int) PoolPhases.scratchSize(h, w, 2, 2, 0, 0))) {
            int[] argmax = new int[planes * o * o];
            Runnable training = () -> MaxPool.forward(x.segment(), 0, y.segment(), 0, argmax, 0, planes, h, w, 3, 3, 2, 2, 0, 0,
                    scratch.segment(), 0, true);
            Runnable inference = () -> MaxPool.forward(x.segment(), 0, y.segment(), 0, null, 0, planes, h, w, 3, 3, 2, 2, 0, 0,
                    scratch.segment(), 0, true);
            for (int[] g : CASES) {    // the other shapes first, as a model with several pooling layers runs them
                pool(g, true);
            }
            assertEquals(0, Allocations.steadyState(training, 20, 0, 20_000), "bytes per 20 calls with indices");
            assertEquals(0, Allocations.steadyState(inference, 20, 0, 20_000), "bytes per 20 calls without");
        }
    }

    /** One max pooling of 3 planes of shape {@code g} ({@link #CASES}' layout) on the vector path or not. */
    private static void pool(int[] g, boolean vec) {
        int planes = 3, oh = Window.outSize(g[0], g[2], g[4], g[6]), ow = Window.outSize(g[1], g[3], g[5], g[7]);
        try (Tensor x = input(planes, g[0], g[1], false); Tensor y = Tensor.zeros(planes * oh * ow);
             Tensor scratch = Tensor.zeros((int) PoolPhases.scratchSize(g[0], g[1], g[4], g[5], g[6], g[7]))) {
            MaxPool.forward(x.segment(), 0, y.segment(), 0, new int[planes * oh * ow], 0, planes, g[0], g[1], g[2], g[3], g[4],
                    g[5], g[6], g[7], scratch.segment(), 0, vec);
        }
    }

    @Test
    void vectorAveragePoolingMatchesScalar() {
        for (int[] g : CASES) {
            for (boolean includePad : new boolean[]{true, false}) {
                int planes = 2, h = g[0], w = g[1], oh = Window.outSize(h, g[2], g[4], g[6]), ow = Window.outSize(w, g[3], g[5], g[7]);
                int scratch = (int) PoolPhases.scratchSize(h, w, g[4], g[5], g[6], g[7]);
                try (Tensor x = input(planes, h, w, false); Tensor ys = Tensor.zeros(planes * oh * ow);
                     Tensor yv = Tensor.zeros(planes * oh * ow); Tensor dy = Tensor.randn(new Rng(4), planes * oh * ow);
                     Tensor dxs = Tensor.full(Float.NaN, planes * h * w); Tensor dxv = Tensor.full(Float.NaN, planes * h * w);
                     Tensor tmp = Tensor.full(Float.NaN, scratch)) {
                    String what = Arrays.toString(g) + " count_include_pad=" + includePad;
                    AvgPool.forward(x.segment(), 0, ys.segment(), 0, planes, h, w, g[2], g[3], g[4], g[5], g[6], g[7],
                            includePad, null, 0, false);
                    AvgPool.forward(x.segment(), 0, yv.segment(), 0, planes, h, w, g[2], g[3], g[4], g[5], g[6], g[7],
                            includePad, tmp.segment(), 0, true);
                    assertClose(ys.toArray(), yv.toArray(), what);
                    AvgPool.backward(dy.segment(), 0, dxs.segment(), 0, planes, h, w, g[2], g[3], g[4], g[5], g[6], g[7],
                            includePad, null, 0, false);
                    AvgPool.backward(dy.segment(), 0, dxv.segment(), 0, planes, h, w, g[2], g[3], g[4], g[5], g[6], g[7],
                            includePad, tmp.segment(), 0, true);
                    assertClose(dxs.toArray(), dxv.toArray(), what + " backward");
                }
            }
        }
    }

    /** Random values, or (ties) small integers with many repeats and some -inf, so tie-breaking is exercised. */
    private static Tensor input(int planes, int h, int w, boolean ties) {
        Rng rng = new Rng(h * 31L + w);
        float[] v = new float[planes * h * w];
        for (int i = 0; i < v.length; i++) {
            v[i] = ties ? (rng.nextInt(10) == 0 ? Float.NEGATIVE_INFINITY : rng.nextInt(3)) : (float) rng.nextGaussian();
        }
        return Tensor.of(v, planes, h, w);
    }

    private static void assertClose(float[] want, float[] got, String what) {
        for (int i = 0; i < want.length; i++) {
            // sums of the same terms in another order
            assertEquals(want[i], got[i], 1e-6 * Math.max(1, Math.abs(want[i])), what + " element " + i);
        }
    }

    @Test
    void upsamplingByTwoMatchesTheDefinition() {
        int planes = 3, h = 5, w = 11;
        try (Tensor x = Tensor.randn(new Rng(5), planes, h, w); Tensor y = Tensor.zeros(planes, 2 * h, 2 * w);
             Tensor dy = Tensor.randn(new Rng(6), planes, 2 * h, 2 * w); Tensor dx = Tensor.zeros(planes, h, w)) {
            Upsampling.forward(x.segment(), 0, y.segment(), 0, planes, h, w, 2);
            Upsampling.backward(dy.segment(), 0, dx.segment(), 0, planes, h, w, 2);
            for (int c = 0; c < planes; c++) {
                for (int i = 0; i < 2 * h; i++) {
                    for (int j = 0; j < 2 * w; j++) {
                        assertEquals(x.get(c, i / 2, j / 2), y.get(c, i, j));
                    }
                }
                for (int i = 0; i < h; i++) {
                    for (int j = 0; j < w; j++) {
                        float want = dy.get(c, 2 * i, 2 * j) + dy.get(c, 2 * i, 2 * j + 1) + dy.get(c, 2 * i + 1, 2 * j)
                                + dy.get(c, 2 * i + 1, 2 * j + 1);
                        assertEquals(want, dx.get(c, i, j));
                    }
                }
            }
        }
    }

    @Test
    void nanWinsAndMissingScratchIsRejected() {
        float[] v = new float[2 * 20];
        v[3] = Float.NaN;
        try (Tensor x = Tensor.of(v, 1, 2, 20); Tensor y = Tensor.zeros(19);
             Tensor tmp = Tensor.zeros((int) PoolPhases.scratchSize(2, 20, 1, 1, 0, 0))) {
            int[] idx = new int[19];
            for (boolean vec : new boolean[]{true, false}) {
                MaxPool.forward(x.segment(), 0, y.segment(), 0, idx, 0, 1, 2, 20, 2, 2, 2, 2, 0, 0, tmp.segment(), 0, vec);
                assertEquals(Float.NaN, y.getFlat(1));
                assertEquals(3, idx[1]);
                MaxPool.forward(x.segment(), 0, y.segment(), 0, idx, 0, 1, 2, 20, 2, 2, 1, 1, 0, 0, tmp.segment(), 0, vec);
                assertEquals(Float.NaN, y.getFlat(2));
                assertEquals(3, idx[3]);
            }
            assertThrows(IllegalArgumentException.class, () -> MaxPool.forward(x.segment(), 0, y.segment(), 0, idx, 0, 1, 2,
                    20, 3, 3, 1, 1, 1, 1, null, 0, true));
        }
    }
}
