package dev.isthmus.kernel.conv;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The channels-last kernels of {@link DirectConv}: output channels in the vector lanes, output pixels
 * visited one by one, taps broadcast from the padded image. Unlike the wide grid they compute no
 * thrown-away columns, so they win where the channels fill the vectors and the rows are short
 * (LeNet-5's C3: 16 channels, 10-pixel rows of which the wide grid computes 14).
 *
 * <ul>
 *   <li>{@link #forward}: {@code outT[j][o] = sum_t W[o, t] xp[off(t) + pixel(j)]}, tiles of {@link #PT}
 *       pixels x two vectors of channels;</li>
 *   <li>{@link #weightGrad}: {@code acc[t][o] += sum_j xp[off(t) + pixel(j)] dyT[j][o]}, tiles of
 *       {@link #TT} taps x two vectors of channels.</li>
 * </ul>
 * Both are for layers with more than one vector of output channels ({@link #fits}). The weight gradient is
 * accumulated over a worker's images and added into {@code dW} once
 * ({@link #addGrad}); every sum runs in a fixed order.
 */
public final class ChannelsLastConv {

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final long VB = S.vectorByteSize();
    private static final ByteOrder NO = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

    /** Channels of a two-vector tile. */
    public static final int NR = 2 * L;
    /** Output pixels per forward tile. */
    public static final int PT = 6;
    /** Taps per weight-gradient tile. */
    public static final int TT = 6;

    private ChannelsLastConv() {
    }

    /** Row length of the channels-last layouts for {@code m} channels: whole two-vector tiles. */
    public static int width(int m) {
        return Math.ceilDiv(m, NR) * NR;
    }

    /**
     * True if these kernels suit {@code m} output channels: more than one vector of them. With fewer, half of
     * every two-vector tile would be padding, and a one-vector tile needs a broadcast per multiply-add, which
     * on AVX2 costs as much as the multiply-add (measured 34 us per LeNet-5 C1 image against 29 us on the
     * wide grid).
     */
    public static boolean fits(int m) {
        return m > L;
    }

    /** {@code dyT[j][o] = dy[o][j]} for {@code o < m}, {@code j < p}; rows {@link #width} long, their padding left alone (zero). */
    public static void transpose(MemorySegment dy, long dyOff, int m, int p, MemorySegment dyT, long tOff) {
        int ld = width(m);
        for (int o = 0; o < m; o++) {
            long src = dyOff + (long) o * p;
            for (int j = 0; j < p; j++) {
                dyT.setAtIndex(F, tOff + (long) j * ld + o, dy.getAtIndex(F, src + j));
            }
        }
    }

    /** {@code y[o][j] = outT[j][o] + bias[o]} ({@code bias} may be null): {@link #forward}'s output in NCHW order. */
    public static void untranspose(MemorySegment outT, long tOff, int m, int p, MemorySegment bias, MemorySegment y, long yOff) {
        int ld = width(m);
        for (int o = 0; o < m; o++) {
            float b = bias == null ? 0f : bias.getAtIndex(F, o);
            long dst = yOff + (long) o * p;
            for (int j = 0; j < p; j++) {
                y.setAtIndex(F, dst + j, outT.getAtIndex(F, tOff + (long) j * ld + o) + b);
            }
        }
    }

    /** Floats of {@link #pack}'s output. */
    public static long packedSize(DirectPlan plan, int m) {
        return (long) plan.k * width(m);
    }

    /** {@code dst[t][o] = W[o, t]} for the row-major {@code W[m, k]}; channels past {@code m} zero. */
    public static void pack(MemorySegment w, int m, int k, MemorySegment dst) {
        int ld = width(m);
        for (int t = 0; t < k; t++) {
            for (int o = 0; o < ld; o++) {
                dst.setAtIndex(F, (long) t * ld + o, o < m ? w.getAtIndex(F, (long) o * k + t) : 0f);
            }
        }
    }

    /** Floats of {@link #forward}'s output: the output pixels rounded up to whole tiles, {@link #width} each. */
    public static long outputSize(DirectPlan plan, int m) {
        return (long) Math.ceilDiv(plan.pixels.length, PT) * PT * width(m);
    }

    /**
     * {@code outT[j][o] = sum_t W[o, t] xp[off(t) + pixel(j)]} for every output pixel {@code j} (rows past the
     * last pixel repeat it) and channel {@code o < width(m)}; {@link #untranspose} puts it in NCHW order.
     *
     * @param wT weights from {@link #pack}
     * @param xp the padded image, as for {@link DirectConv#forward}
     */
    public static void forward(DirectPlan plan, int m, MemorySegment wT, MemorySegment xp, long xpOff,
                               MemorySegment outT, long outOff) {
        if (!fits(m)) {
            throw new IllegalArgumentException("ChannelsLastConv.forward: " + m + " channels fill less than two vectors");
        }
        int ld = width(m);
        int[] px = plan.pixels;
        int last = px.length - 1;
        long ldBytes = (long) ld * Float.BYTES;
        for (int j = 0; j < px.length; j += PT) {
            long p0 = xpOff + px[j], p1 = xpOff + px[Math.min(j + 1, last)], p2 = xpOff + px[Math.min(j + 2, last)];
            long p3 = xpOff + px[Math.min(j + 3, last)], p4 = xpOff + px[Math.min(j + 4, last)];
            long p5 = xpOff + px[Math.min(j + 5, last)];
            for (int o = 0; o < ld; o += NR) {
                long oAt = (outOff + (long) j * ld + o) * Float.BYTES;
                forwardTile(plan.k, plan.offsets, wT, (long) o * Float.BYTES, ldBytes, xp, p0, p1, p2, p3, p4, p5,
                        outT, oAt, ldBytes);
            }
        }
    }

    /** {@link #PT} pixels x {@link #NR} channels over all taps. */
    private static void forwardTile(int k, int[] off, MemorySegment w, long wAt, long ldw, MemorySegment x,
                                    long p0, long p1, long p2, long p3, long p4, long p5, MemorySegment out, long oAt, long ldo) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        long wa = wAt;
        for (int t = 0; t < k; t++, wa += ldw) {
            long o = off[t];
            FloatVector w0 = FloatVector.fromMemorySegment(S, w, wa, NO);
            FloatVector w1 = FloatVector.fromMemorySegment(S, w, wa + VB, NO);
            FloatVector v = FloatVector.broadcast(S, x.getAtIndex(F, p0 + o));
            c00 = v.fma(w0, c00);
            c01 = v.fma(w1, c01);
            v = FloatVector.broadcast(S, x.getAtIndex(F, p1 + o));
            c10 = v.fma(w0, c10);
            c11 = v.fma(w1, c11);
            v = FloatVector.broadcast(S, x.getAtIndex(F, p2 + o));
            c20 = v.fma(w0, c20);
            c21 = v.fma(w1, c21);
            v = FloatVector.broadcast(S, x.getAtIndex(F, p3 + o));
            c30 = v.fma(w0, c30);
            c31 = v.fma(w1, c31);
            v = FloatVector.broadcast(S, x.getAtIndex(F, p4 + o));
            c40 = v.fma(w0, c40);
            c41 = v.fma(w1, c41);
            v = FloatVector.broadcast(S, x.getAtIndex(F, p5 + o));
            c50 = v.fma(w0, c50);
            c51 = v.fma(w1, c51);
        }
        c00.intoMemorySegment(out, oAt, NO);
        c01.intoMemorySegment(out, oAt + VB, NO);
        c10.intoMemorySegment(out, oAt + ldo, NO);
        c11.intoMemorySegment(out, oAt + ldo + VB, NO);
        c20.intoMemorySegment(out, oAt + 2 * ldo, NO);
        c21.intoMemorySegment(out, oAt + 2 * ldo + VB, NO);
        c30.intoMemorySegment(out, oAt + 3 * ldo, NO);
        c31.intoMemorySegment(out, oAt + 3 * ldo + VB, NO);
        c40.intoMemorySegment(out, oAt + 4 * ldo, NO);
        c41.intoMemorySegment(out, oAt + 4 * ldo + VB, NO);
        c50.intoMemorySegment(out, oAt + 5 * ldo, NO);
        c51.intoMemorySegment(out, oAt + 5 * ldo + VB, NO);
    }

    /** Floats of {@link #weightGrad}'s accumulator: the taps rounded up to whole tiles, {@link #width} each. */
    public static long gradSize(DirectPlan plan, int m) {
        return (long) Math.ceilDiv(plan.k, TT) * TT * width(m);
    }

    /**
     * {@code acc[t][o] += sum_j xp[off(t) + pixel(j)] dyT[j][o]}: one image's weight gradient, over real output
     * pixels only. The last tile's taps past {@code k} repeat tap {@code k - 1}; their sums are never read.
     *
     * @param dyT the output gradient from {@link #transpose}
     * @param acc {@link #gradSize} floats at {@code accOff}, summed into {@code dW} by {@link #addGrad}
     */
    public static void weightGrad(DirectPlan plan, int m, MemorySegment dyT, long tOff, MemorySegment xp, long xpOff,
                                  MemorySegment acc, long accOff) {
        int ld = width(m), k = plan.k, last = k - 1;
        int[] off = plan.offsets;
        long ldBytes = (long) ld * Float.BYTES;
        for (int t = 0; t < k; t += TT) {
            long x0 = xpOff + off[t], x1 = xpOff + off[Math.min(t + 1, last)], x2 = xpOff + off[Math.min(t + 2, last)];
            long x3 = xpOff + off[Math.min(t + 3, last)], x4 = xpOff + off[Math.min(t + 4, last)];
            long x5 = xpOff + off[Math.min(t + 5, last)];
            for (int o = 0; o < ld; o += NR) {
                gradTile2(plan.pixels, dyT, (tOff + o) * Float.BYTES, ldBytes, xp, x0, x1, x2, x3, x4, x5,
                        acc, (accOff + (long) t * ld + o) * Float.BYTES, ldBytes);
            }
        }
    }

    /** {@code 6} taps x {@code 2} vectors of channels, accumulated over every output pixel. */
    private static void gradTile2(int[] pixels, MemorySegment dyT, long d, long ldBytes, MemorySegment x,
                                  long x0, long x1, long x2, long x3, long x4, long x5, MemorySegment acc, long a, long accRow) {
        FloatVector c0_0 = FloatVector.fromMemorySegment(S, acc, a, NO);
        FloatVector c0_1 = FloatVector.fromMemorySegment(S, acc, a + VB, NO);
        FloatVector c1_0 = FloatVector.fromMemorySegment(S, acc, a + accRow, NO);
        FloatVector c1_1 = FloatVector.fromMemorySegment(S, acc, a + accRow + VB, NO);
        FloatVector c2_0 = FloatVector.fromMemorySegment(S, acc, a + 2 * accRow, NO);
        FloatVector c2_1 = FloatVector.fromMemorySegment(S, acc, a + 2 * accRow + VB, NO);
        FloatVector c3_0 = FloatVector.fromMemorySegment(S, acc, a + 3 * accRow, NO);
        FloatVector c3_1 = FloatVector.fromMemorySegment(S, acc, a + 3 * accRow + VB, NO);
        FloatVector c4_0 = FloatVector.fromMemorySegment(S, acc, a + 4 * accRow, NO);
        FloatVector c4_1 = FloatVector.fromMemorySegment(S, acc, a + 4 * accRow + VB, NO);
        FloatVector c5_0 = FloatVector.fromMemorySegment(S, acc, a + 5 * accRow, NO);
        FloatVector c5_1 = FloatVector.fromMemorySegment(S, acc, a + 5 * accRow + VB, NO);
        long dj = d;
        for (int j = 0; j < pixels.length; j++, dj += ldBytes) {
            long px = pixels[j];
            FloatVector d0 = FloatVector.fromMemorySegment(S, dyT, dj, NO);
            FloatVector d1 = FloatVector.fromMemorySegment(S, dyT, dj + VB, NO);
            FloatVector v = FloatVector.broadcast(S, x.getAtIndex(F, x0 + px));
            c0_0 = v.fma(d0, c0_0);
            c0_1 = v.fma(d1, c0_1);
            v = FloatVector.broadcast(S, x.getAtIndex(F, x1 + px));
            c1_0 = v.fma(d0, c1_0);
            c1_1 = v.fma(d1, c1_1);
            v = FloatVector.broadcast(S, x.getAtIndex(F, x2 + px));
            c2_0 = v.fma(d0, c2_0);
            c2_1 = v.fma(d1, c2_1);
            v = FloatVector.broadcast(S, x.getAtIndex(F, x3 + px));
            c3_0 = v.fma(d0, c3_0);
            c3_1 = v.fma(d1, c3_1);
            v = FloatVector.broadcast(S, x.getAtIndex(F, x4 + px));
            c4_0 = v.fma(d0, c4_0);
            c4_1 = v.fma(d1, c4_1);
            v = FloatVector.broadcast(S, x.getAtIndex(F, x5 + px));
            c5_0 = v.fma(d0, c5_0);
            c5_1 = v.fma(d1, c5_1);
        }
        c0_0.intoMemorySegment(acc, a, NO);
        c0_1.intoMemorySegment(acc, a + VB, NO);
        c1_0.intoMemorySegment(acc, a + accRow, NO);
        c1_1.intoMemorySegment(acc, a + accRow + VB, NO);
        c2_0.intoMemorySegment(acc, a + 2 * accRow, NO);
        c2_1.intoMemorySegment(acc, a + 2 * accRow + VB, NO);
        c3_0.intoMemorySegment(acc, a + 3 * accRow, NO);
        c3_1.intoMemorySegment(acc, a + 3 * accRow + VB, NO);
        c4_0.intoMemorySegment(acc, a + 4 * accRow, NO);
        c4_1.intoMemorySegment(acc, a + 4 * accRow + VB, NO);
        c5_0.intoMemorySegment(acc, a + 5 * accRow, NO);
        c5_1.intoMemorySegment(acc, a + 5 * accRow + VB, NO);
    }

    /** {@code dw[o, t] += acc[t][o]} for {@code o < m}, {@code t < plan.k}. */
    public static void addGrad(DirectPlan plan, int m, MemorySegment acc, long accOff, MemorySegment dw, long dwOff) {
        int ld = width(m);
        for (int o = 0; o < m; o++) {
            for (int t = 0; t < plan.k; t++) {
                long i = dwOff + (long) o * plan.k + t;
                dw.setAtIndex(F, i, dw.getAtIndex(F, i) + acc.getAtIndex(F, accOff + (long) t * ld + o));
            }
        }
    }
}
