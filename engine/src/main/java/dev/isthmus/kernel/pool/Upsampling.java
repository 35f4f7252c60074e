package dev.isthmus.kernel.pool;

import dev.isthmus.kernel.Engine;
import dev.isthmus.kernel.Runs;
import jdk.incubator.vector.FloatVector;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Nearest-neighbour upsampling by an integer factor over runs of planes: each pixel becomes an
 * {@code s x s} block; backward sums each block. Factor 2 takes the vector block moves of {@link PairBlocks}.
 */
public final class Upsampling {
    private static final int L = FloatVector.SPECIES_PREFERRED.length();
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private Upsampling() {
    }

    /** Nearest-neighbour upsampling by {@code s}: planes {@code [h, w]} to {@code [h s, w s]}. */
    public static void forward(MemorySegment x, long xOff, MemorySegment y, long yOff, int planes, int h, int w, int s) {
        int oh = h * s, ow = w * s;
        PoolPhases.check("upsample", x, xOff, y, yOff, planes, h, w, oh, ow);
        boolean vec = Engine.get().useVectors();
        for (int c = 0; c < planes; c++) {
            long xp = xOff + (long) c * h * w;
            long yp = yOff + (long) c * oh * ow;
            if (vec && s == 2 && w >= L) {
                PairBlocks.expand(x, xp, h, w, y, yp, ow, 1f);
                continue;
            }
            for (int iy = 0; iy < h; iy++) {
                long row = yp + (long) iy * s * ow;
                long src = xp + (long) iy * w;
                for (int ix = 0; ix < w; ix++) {
                    float v = x.getAtIndex(F, src + ix);
                    long at = row + (long) ix * s;
                    for (int t = 0; t < s; t++) {
                        y.setAtIndex(F, at + t, v);
                    }
                }
                for (int r = 1; r < s; r++) {
                    Runs.copyRun(y, row, y, row + (long) r * ow, ow, vec);
                }
            }
        }
    }

    /** Nearest-neighbour upsampling backward: each input gradient is the sum of its {@code s x s} output block. */
    public static void backward(MemorySegment dy, long dyOff, MemorySegment dx, long dxOff, int planes, int h, int w, int s) {
        int oh = h * s, ow = w * s;
        PoolPhases.check("upsample backward", dx, dxOff, dy, dyOff, planes, h, w, oh, ow);
        boolean vec = Engine.get().useVectors();
        for (int c = 0; c < planes; c++) {
            long xp = dxOff + (long) c * h * w;
            long yp = dyOff + (long) c * oh * ow;
            if (vec && s == 2 && w >= L) {
                PairBlocks.reduce(dy, yp, ow, h, w, dx, xp, null, 0, PairBlocks.Op.SUM);
                continue;
            }
            for (int iy = 0; iy < h; iy++) {
                long dst = xp + (long) iy * w;
                for (int ix = 0; ix < w; ix++) {
                    float sum = 0f;
                    for (int a = 0; a < s; a++) {
                        long row = yp + (long) (iy * s + a) * ow + (long) ix * s;
                        for (int b = 0; b < s; b++) {
                            sum += dy.getAtIndex(F, row + b);
                        }
                    }
                    dx.setAtIndex(F, dst + ix, sum);
                }
            }
        }
    }
}
