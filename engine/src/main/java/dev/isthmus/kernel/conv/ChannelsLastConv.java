package dev.isthmus.kernel.conv;

import dev.isthmus.kernel.RegisterTile;
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
    public static final int NR = RegisterTile.NR;
    /** Output pixels per forward tile. */
    public static final int PT = RegisterTile.MR;
    /** Taps per weight-gradient tile. */
    public static final int TT = RegisterTile.MR;

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
        long f = Float.BYTES;
        RegisterTile.fma(k, off, false, w, wAt, ldw, x, p0 * f, p1 * f, p2 * f, p3 * f, p4 * f, p5 * f, 0,
                out, oAt, ldo, false);
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
        long f = Float.BYTES;
        RegisterTile.fma(pixels.length, pixels, false, dyT, d, ldBytes, x, x0 * f, x1 * f, x2 * f, x3 * f, x4 * f, x5 * f, 0,
                acc, a, accRow, true);
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
