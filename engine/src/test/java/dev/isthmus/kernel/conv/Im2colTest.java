package dev.isthmus.kernel.conv;

import dev.isthmus.kernel.Window;
import dev.isthmus.tensor.Rng;
import dev.isthmus.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** im2col and col2im against direct loops over the definition, on the vector and the scalar path. */
class Im2colTest {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

    /** {C, H, W, kh, kw, sh, sw, ph, pw}: stride/padding corner cases and sizes around the vector width. */
    private static final int[][] CASES = {
            {1, 5, 5, 3, 3, 1, 1, 0, 0},
            {2, 7, 9, 3, 3, 2, 2, 1, 1},
            {3, 9, 7, 3, 3, 2, 2, 0, 0},
            {2, 6, 5, 3, 3, 1, 1, 2, 2},
            {4, 4, 4, 1, 1, 1, 1, 0, 0},
            {3, 5, 5, 1, 1, 2, 2, 0, 0},
            {2, 5, 5, 5, 5, 1, 1, 0, 0},
            {2, 8, 9, 3, 5, 2, 1, 1, 2},
            {1, 28, 28, 5, 5, 1, 1, 2, 2},
            {3, 35, 35, 11, 11, 4, 4, 2, 2},
            {2, 3, 3, 3, 3, 1, 1, 3, 3},
            {1, 1, 17, 1, 3, 1, 3, 0, 1},
            {2, 10, 11, 2, 2, 3, 3, 1, 0},  // kernel smaller than stride: some pixels are never used
            {1, 3, 45, 1, 3, 1, 1, 0, 1},   // rows longer than four vectors
            {2, 4, 18, 3, 3, 1, 1, 0, 0},   // rows of exactly two vectors (AVX2)
            {1, 6, 37, 2, 2, 2, 2, 1, 1},   // stride 2, odd width, rows of 19
    };

    @Test
    void im2colMatchesTheDefinitionOnBothPaths() {
        for (int[] c : CASES) {
            for (boolean vec : new boolean[]{true, false}) {
                checkIm2col(c, vec);
            }
        }
    }

    @Test
    void col2imIsTheAdjointSumOnBothPaths() {
        for (int[] c : CASES) {
            for (boolean vec : new boolean[]{true, false}) {
                checkCol2im(c, vec);
            }
        }
    }

    private static void checkIm2col(int[] g, boolean vec) {
        int ch = g[0], h = g[1], w = g[2], kh = g[3], kw = g[4], sh = g[5], sw = g[6], ph = g[7], pw = g[8];
        int oh = Window.outSize(h, kh, sh, ph), ow = Window.outSize(w, kw, sw, pw), p = oh * ow, k = ch * kh * kw;
        int ld = p + 3, colOff = 5, xOff = 2;
        long scratch = Im2col.scratchSize(ch, h, w, sh, sw, ph, pw);
        try (Tensor x = Tensor.randn(new Rng(7), xOff + ch * h * w); Tensor col = Tensor.full(Float.NaN, colOff + k * ld);
             Tensor tmp = Tensor.full(Float.NaN, (int) scratch + 3)) {
            // scratch starts as garbage (NaN): every value im2col reads from it must have been written first
            Im2col.im2col(x.segment(), xOff, ch, h, w, kh, kw, sh, sw, ph, pw, col.segment(), colOff, ld, tmp.segment(), 3, vec);
            for (int r = 0; r < k; r++) {
                int ci = r / (kh * kw), ki = r / kw % kh, kj = r % kw;
                for (int q = 0; q < ld; q++) {
                    float got = col.getFlat(colOff + (long) r * ld + q);
                    if (q >= p) {
                        assertTrue(Float.isNaN(got), "wrote past the image's columns");
                        continue;
                    }
                    int iy = q / ow * sh - ph + ki, ix = q % ow * sw - pw + kj;
                    float want = iy < 0 || iy >= h || ix < 0 || ix >= w ? 0f : x.getFlat(xOff + ((long) ci * h + iy) * w + ix);
                    assertEquals(want, got, 0f, () -> java.util.Arrays.toString(g) + " vec=" + vec);
                }
            }
            for (int i = 0; i < colOff; i++) {
                assertTrue(Float.isNaN(col.getFlat(i)), "wrote before the offset");
            }
        }
    }

    private static void checkCol2im(int[] g, boolean vec) {
        int ch = g[0], h = g[1], w = g[2], kh = g[3], kw = g[4], sh = g[5], sw = g[6], ph = g[7], pw = g[8];
        int oh = Window.outSize(h, kh, sh, ph), ow = Window.outSize(w, kw, sw, pw), p = oh * ow, k = ch * kh * kw;
        int ld = p + 1, colOff = 3, xOff = 4;
        long scratch = Im2col.scratchSize(ch, h, w, sh, sw, ph, pw);
        try (Tensor col = Tensor.randn(new Rng(8), colOff + k * ld); Tensor dx = Tensor.full(Float.NaN, xOff + ch * h * w + 2);
             Tensor tmp = Tensor.full(Float.NaN, (int) scratch + 1)) {
            float[] want = new float[ch * h * w];
            for (int r = 0; r < k; r++) {
                int ci = r / (kh * kw), ki = r / kw % kh, kj = r % kw;
                for (int q = 0; q < p; q++) {
                    int iy = q / ow * sh - ph + ki, ix = q % ow * sw - pw + kj;
                    if (iy >= 0 && iy < h && ix >= 0 && ix < w) {
                        want[(ci * h + iy) * w + ix] += col.getFlat(colOff + (long) r * ld + q);
                    }
                }
            }
            Im2col.col2im(col.segment(), colOff, ld, ch, h, w, kh, kw, sh, sw, ph, pw, dx.segment(), xOff, tmp.segment(), 1, vec);
            for (int i = 0; i < want.length; i++) {
                // same order of additions as the definition loop, so the sums are bit-identical
                assertEquals(want[i], dx.getFlat(xOff + i), 0f, java.util.Arrays.toString(g) + " vec=" + vec);
            }
            assertTrue(Float.isNaN(dx.getFlat(0)) && Float.isNaN(dx.getFlat(xOff + want.length)), "wrote outside the image");
        }
    }

    @Test
    void badArgumentsAreRejectedBeforeTouchingMemory() {
        MemorySegment small = MemorySegment.ofArray(new float[10]);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Im2col.im2col(small, 0, 1, 2, 2, 3, 3, 1, 1, 0, 0, small, 0, 4, null, 0));
        assertTrue(e.getMessage().contains("does not fit"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Im2col.im2col(small, 0, 1, 3, 3, 2, 2, 1, 1, 0, 0, small, 0, 4, null, 0));
        assertTrue(e.getMessage().contains("column matrix 4x4"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Im2col.col2im(small, 0, 4, 1, 3, 3, 2, 2, 0, 1, 0, 0, small, 0, small, 0));
        e = assertThrows(IllegalArgumentException.class,
                () -> Im2col.im2col(small, 0, 1, 3, 3, 2, 2, 1, 1, 1, 1, MemorySegment.ofArray(new float[64]), 0, 16, null, 0));
        assertTrue(e.getMessage().contains("needs 25 floats of scratch"), e.getMessage());
        assertEquals(0, Im2col.scratchSize(3, 8, 8, 1, 1, 0, 0));
        assertEquals(3 * 16 * 57 * 57, Im2col.scratchSize(3, 224, 224, 4, 4, 2, 2));
        assertEquals(0, Window.outSize(3, 5, 1, 0));
        assertEquals(55, Window.outSize(224, 11, 4, 2));
        assertEquals(27, Window.outSize(55, 3, 2, 0));
    }
}
