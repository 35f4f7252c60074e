package dev.isthmus.kernel.conv;

import dev.isthmus.kernel.Lanes;
import dev.isthmus.kernel.RegisterTile;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Stride-1 convolution without im2col, for layers whose {@code C kh kw} is small (LeNet-5's): an implicit
 * GEMM on a "wide" output grid.
 *
 * <p>With one image zero-padded into a {@code [C, Hp, Wp]} buffer {@code xp}, output {@code (o, oy, ox)} is
 * {@code sum_t W[o, t] xp[off(t) + oy Wp + ox]} over the taps {@code t = (c, ky, kx)}, with
 * {@code off(t) = c Hp Wp + ky Wp + kx}. Numbering outputs by {@code j = oy Wp + ox} (a grid {@code Wp} wide,
 * whose last {@code Wp - OW} columns per row are computed and thrown away) makes this a GEMM whose B matrix
 * has rows {@code B[t, :] = xp[off(t) ...]}: shifted slices of the one padded image, read in place. im2col
 * would copy the image {@code kh kw} times over; here the image stays in L1 and the kernel runs at FMA speed.
 *
 * <p>Backward: the weight gradient {@code dW[o, t] = sum_j dY[o, j] xp[off(t) + pixel(j)]} is computed either
 * on the same wide grid, with the output gradient laid out on it (zeros in the thrown-away columns) and lane
 * partial sums reduced once per batch ({@link #weightGrad}), or, for layers with more than one vector of output
 * channels, channels-last ({@link ChannelsLastConv#weightGrad}), visiting only real output pixels. {@code dX}
 * sends each output's gradient back to the pixels it read, tap by tap ({@link #inputGrad}), on the wide grid:
 * the adjoint of the forward pass, with no col2im.
 *
 * <p>All sums run in a fixed order, so results do not depend on thread counts. Vector paths only: callers
 * take im2col when the Vector API is not intrinsified.
 */
public final class DirectConv {

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final long VB = S.vectorByteSize();
    private static final ByteOrder NO = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

    /** Output channels per forward tile. */
    public static final int MR = RegisterTile.MR;
    /** Wide-grid columns per forward tile (two vectors). */
    public static final int NR = RegisterTile.NR;
    /** Output channels per wide-grid weight-gradient tile. */
    public static final int GM = 4;
    /** Kernel taps per wide-grid weight-gradient tile. */
    public static final int GT = 3;

    private DirectConv() {
    }

    /**
     * Packs the row-major weights {@code W[m, k]} into {@code ceil(m / MR)} blocks of {@code [k][MR]} (rows
     * past {@code m} zero), so a forward tile broadcasts its {@code MR} weights of a tap from one place.
     */
    public static void packWeights(MemorySegment w, long wOff, int m, int k, MemorySegment dst) {
        int blocks = Math.ceilDiv(m, MR);
        long d = 0;
        for (int b = 0; b < blocks; b++) {
            for (int t = 0; t < k; t++) {
                for (int r = 0; r < MR; r++, d++) {
                    int o = b * MR + r;
                    dst.setAtIndex(F, d, o < m ? w.getAtIndex(F, wOff + (long) o * k + t) : 0f);
                }
            }
        }
    }

    /**
     * Copies the dense planes {@code src[planes][rows][cols]} into {@code dst} at {@code dOff}, planes
     * {@code planeStride} and rows {@code rowStride} floats apart; what lies between is left alone (the zero
     * padding, written once).
     */
    public static void scatter(MemorySegment src, long sOff, int planes, int rows, int cols,
                               MemorySegment dst, long dOff, long planeStride, int rowStride) {
        for (int p = 0; p < planes; p++) {
            for (int r = 0; r < rows; r++) {
                copyRow(src, (sOff + ((long) p * rows + r) * cols) * Float.BYTES,
                        dst, (dOff + p * planeStride + (long) r * rowStride) * Float.BYTES, cols, 0f);
            }
        }
    }

    /**
     * The inverse of {@link #scatter}: {@code dst[p][r][x] = src[sOff + p planeStride + r rowStride + x] + bias[p]}
     * ({@code bias} may be null), reading the outputs off the wide grid.
     */
    public static void gather(MemorySegment src, long sOff, long planeStride, int rowStride, int planes, int rows, int cols,
                              MemorySegment bias, MemorySegment dst, long dOff) {
        for (int p = 0; p < planes; p++) {
            float b = bias == null ? 0f : bias.getAtIndex(F, p);
            for (int r = 0; r < rows; r++) {
                copyRow(src, (sOff + p * planeStride + (long) r * rowStride) * Float.BYTES,
                        dst, (dOff + ((long) p * rows + r) * cols) * Float.BYTES, cols, b);
            }
        }
    }

    /**
     * {@code dst[0, n) = src[0, n) + add} (byte offsets). A row that is not whole vectors ends with one vector
     * over its last {@code L} floats, overlapping the one before: rewriting a value with the same value is
     * cheaper than a masked tail, which costs tens of nanoseconds on AVX2.
     */
    private static void copyRow(MemorySegment src, long s, MemorySegment dst, long d, int n, float add) {
        if (n < L) {
            for (int x = 0; x < n; x++) {
                long at = (long) x * Float.BYTES;
                dst.set(F, d + at, src.get(F, s + at) + add);
            }
            return;
        }
        FloatVector va = FloatVector.broadcast(S, add);
        int x = 0;
        for (; x + L <= n; x += L) {
            long at = (long) x * Float.BYTES;
            FloatVector.fromMemorySegment(S, src, s + at, NO).add(va).intoMemorySegment(dst, d + at, NO);
        }
        if (x < n) {
            long at = (long) (n - L) * Float.BYTES;
            FloatVector.fromMemorySegment(S, src, s + at, NO).add(va).intoMemorySegment(dst, d + at, NO);
        }
    }

    /**
     * The forward product on the wide grid: {@code out[r][j] = sum_t Wp[r, t] xp[off(t) + j]} for every
     * packed row {@code r < ceil(m / MR) MR} and {@code j < plan.colsPad}; {@code out} rows are
     * {@code plan.colsPad} floats apart.
     *
     * @param wPack weights packed by {@link #packWeights} for {@code plan.k} taps
     * @param xp    the padded image at {@code xpOff}, {@code plan.paddedSize} floats
     */
    public static void forward(DirectPlan plan, MemorySegment wPack, int m, MemorySegment xp, long xpOff,
                               MemorySegment out, long outOff) {
        int blocks = Math.ceilDiv(m, MR);
        long ldo = (long) plan.colsPad * Float.BYTES;
        for (int b = 0; b < blocks; b++) {
            long wAt = (long) b * plan.k * MR * Float.BYTES;
            long oRow = (outOff + (long) b * MR * plan.colsPad) * Float.BYTES;
            for (int j = 0; j < plan.colsPad; j += NR) {
                long jb = (long) j * Float.BYTES;
                tile(plan.k, plan.offsets, wPack, wAt, xp, xpOff * Float.BYTES + jb, out, oRow + jb, ldo);
            }
        }
    }

    /** One {@code MR x NR} tile: {@code k} taps, each two vectors of the image and {@code MR} broadcast weights. */
    private static void tile(int k, int[] off, MemorySegment w, long wAt, MemorySegment x, long xAt,
                             MemorySegment out, long oAt, long ldo) {
        RegisterTile.fma(k, off, true, x, xAt, 0, w, wAt, wAt + 4, wAt + 8, wAt + 12, wAt + 16, wAt + 20,
                MR * Float.BYTES, out, oAt, ldo, false);
    }

    /** Floats of the lane-partial weight gradient {@link #weightGrad} accumulates into for {@code m} outputs. */
    public static long partialSize(DirectPlan plan, int m) {
        return (long) Math.ceilDiv(m, GM) * GM * plan.offsets.length * L;
    }

    /**
     * {@code acc[o][t][lane] += sum_{j = lane mod L} dyw[o][j] xp[off(t) + j]} over {@code j < plan.colsPad}: the
     * weight gradient of one image, kept as lane partial sums so that a batch is reduced across lanes once
     * ({@link #reducePartials}) rather than once per image.
     *
     * @param dyw the output gradient on the wide grid at {@code dywOff}: {@code ceil(m / GM) GM} rows of
     *            {@code plan.colsPad} floats, zero in the thrown-away columns and in the rows past {@code m}
     * @param xp  the padded image, as in {@link #forward}
     * @param acc {@link #partialSize} floats at {@code accOff}
     */
    public static void weightGrad(DirectPlan plan, int m, MemorySegment dyw, long dywOff, MemorySegment xp, long xpOff,
                                  MemorySegment acc, long accOff) {
        int kPad = plan.offsets.length;
        long ld = (long) plan.colsPad * Float.BYTES;
        long accRow = (long) kPad * VB;
        for (int o = 0; o < m; o += GM) {
            long d = (dywOff + (long) o * plan.colsPad) * Float.BYTES;
            for (int t = 0; t < kPad; t += GT) {
                long x0 = (xpOff + plan.offsets[t]) * Float.BYTES;
                long x1 = (xpOff + plan.offsets[t + 1]) * Float.BYTES;
                long x2 = (xpOff + plan.offsets[t + 2]) * Float.BYTES;
                long a = accOff * Float.BYTES + o * accRow + t * VB;
                gradTile(plan.colsPad / L, dyw, d, ld, xp, x0, x1, x2, acc, a, accRow);
            }
        }
    }

    /** {@code dw[o, t] += sum of the lanes of acc[o][t]} for {@code o < m}, {@code t < plan.k}, lane 0 first. */
    public static void reducePartials(DirectPlan plan, int m, MemorySegment acc, long accOff, MemorySegment dw, long dwOff) {
        int kPad = plan.offsets.length;
        for (int o = 0; o < m; o++) {
            for (int t = 0; t < plan.k; t++) {
                FloatVector v = FloatVector.fromMemorySegment(S, acc, (accOff + ((long) o * kPad + t) * L) * Float.BYTES, NO);
                long i = dwOff + (long) o * plan.k + t;
                dw.setAtIndex(F, i, dw.getAtIndex(F, i) + Lanes.sum(v));
            }
        }
    }

    /** {@code GM x GT} lane-partial dot products over {@code steps} vectors, added to the accumulators at {@code a}. */
    private static void gradTile(int steps, MemorySegment dy, long d, long ld, MemorySegment x,
                                 long x0, long x1, long x2, MemorySegment acc, long a, long accRow) {
        FloatVector a00 = FloatVector.fromMemorySegment(S, acc, a, NO);
        FloatVector a01 = FloatVector.fromMemorySegment(S, acc, a + VB, NO);
        FloatVector a02 = FloatVector.fromMemorySegment(S, acc, a + 2 * VB, NO);
        FloatVector a10 = FloatVector.fromMemorySegment(S, acc, a + accRow, NO);
        FloatVector a11 = FloatVector.fromMemorySegment(S, acc, a + accRow + VB, NO);
        FloatVector a12 = FloatVector.fromMemorySegment(S, acc, a + accRow + 2 * VB, NO);
        FloatVector a20 = FloatVector.fromMemorySegment(S, acc, a + 2 * accRow, NO);
        FloatVector a21 = FloatVector.fromMemorySegment(S, acc, a + 2 * accRow + VB, NO);
        FloatVector a22 = FloatVector.fromMemorySegment(S, acc, a + 2 * accRow + 2 * VB, NO);
        FloatVector a30 = FloatVector.fromMemorySegment(S, acc, a + 3 * accRow, NO);
        FloatVector a31 = FloatVector.fromMemorySegment(S, acc, a + 3 * accRow + VB, NO);
        FloatVector a32 = FloatVector.fromMemorySegment(S, acc, a + 3 * accRow + 2 * VB, NO);
        for (int i = 0; i < steps; i++) {
            long j = (long) i * VB;
            FloatVector v0 = FloatVector.fromMemorySegment(S, x, x0 + j, NO);
            FloatVector v1 = FloatVector.fromMemorySegment(S, x, x1 + j, NO);
            FloatVector v2 = FloatVector.fromMemorySegment(S, x, x2 + j, NO);
            FloatVector y = FloatVector.fromMemorySegment(S, dy, d + j, NO);
            a00 = y.fma(v0, a00);
            a01 = y.fma(v1, a01);
            a02 = y.fma(v2, a02);
            y = FloatVector.fromMemorySegment(S, dy, d + ld + j, NO);
            a10 = y.fma(v0, a10);
            a11 = y.fma(v1, a11);
            a12 = y.fma(v2, a12);
            y = FloatVector.fromMemorySegment(S, dy, d + 2 * ld + j, NO);
            a20 = y.fma(v0, a20);
            a21 = y.fma(v1, a21);
            a22 = y.fma(v2, a22);
            y = FloatVector.fromMemorySegment(S, dy, d + 3 * ld + j, NO);
            a30 = y.fma(v0, a30);
            a31 = y.fma(v1, a31);
            a32 = y.fma(v2, a32);
        }
        a00.intoMemorySegment(acc, a, NO);
        a01.intoMemorySegment(acc, a + VB, NO);
        a02.intoMemorySegment(acc, a + 2 * VB, NO);
        a10.intoMemorySegment(acc, a + accRow, NO);
        a11.intoMemorySegment(acc, a + accRow + VB, NO);
        a12.intoMemorySegment(acc, a + accRow + 2 * VB, NO);
        a20.intoMemorySegment(acc, a + 2 * accRow, NO);
        a21.intoMemorySegment(acc, a + 2 * accRow + VB, NO);
        a22.intoMemorySegment(acc, a + 2 * accRow + 2 * VB, NO);
        a30.intoMemorySegment(acc, a + 3 * accRow, NO);
        a31.intoMemorySegment(acc, a + 3 * accRow + VB, NO);
        a32.intoMemorySegment(acc, a + 3 * accRow + 2 * VB, NO);
    }

    /** Floats of {@link #packForInputGrad}'s output for {@code m} output channels. */
    public static long inputGradPackedSize(DirectPlan plan, int m) {
        return (long) Math.ceilDiv(plan.c, MR) * MR * plan.kh * plan.kw * m;
    }

    /**
     * Floats of the padded input-gradient buffer of {@link #inputGrad}: the input channels rounded up to
     * whole {@link #MR} tiles, plus the last tile's overrun.
     */
    public static long inputGradSize(DirectPlan plan) {
        long plane = (long) plan.hp * plan.wp;
        long planes = (long) Math.ceilDiv(plan.c, MR) * MR;
        return Math.max(planes * plane, (planes - 1) * plane + (long) (plan.kh - 1) * plan.wp + plan.kw - 1 + plan.colsPad);
    }

    /**
     * Packs {@code W[m, c, kh, kw]} for {@link #inputGrad}: per block of {@link #MR} input channels, per tap
     * {@code (ky, kx)}, per output channel {@code o}, the {@code MR} weights {@code W[o, c, ky, kx]} (zero
     * past {@code c}).
     */
    public static void packForInputGrad(MemorySegment w, int m, DirectPlan plan, MemorySegment dst) {
        int taps = plan.kh * plan.kw;
        long d = 0;
        for (int b = 0; b < Math.ceilDiv(plan.c, MR); b++) {
            for (int tap = 0; tap < taps; tap++) {
                for (int o = 0; o < m; o++) {
                    for (int r = 0; r < MR; r++, d++) {
                        int ci = b * MR + r;
                        dst.setAtIndex(F, d, ci < plan.c ? w.getAtIndex(F, ((long) o * plan.c + ci) * taps + tap) : 0f);
                    }
                }
            }
        }
    }

    /**
     * The input gradient of one image on the padded grid: for every tap {@code (ky, kx)},
     * {@code dxp[c][ky Wp + kx + j] += sum_o W[o, c, ky, kx] dyw[o][j]} over the wide grid {@code j < colsPad}
     * (the adjoint of {@link #forward}: each output's gradient goes back to the pixels it read). The
     * thrown-away columns of {@code dyw} are zero, so they add nothing.
     *
     * @param wPack weights from {@link #packForInputGrad}
     * @param dyw   the output gradient on the wide grid ({@link #scatter}ed with rows {@code Wp} apart and
     *              {@code plan.colsPad} per channel), zero in the thrown-away columns
     * @param dxp   {@link #inputGradSize} floats at {@code dxpOff}, zeroed by the caller; the image's gradient
     *              is then its interior ({@link DirectPlan#origin()}, rows {@code Wp} apart)
     */
    public static void inputGrad(DirectPlan plan, int m, MemorySegment wPack, MemorySegment dyw, long dywOff,
                                 MemorySegment dxp, long dxpOff) {
        int taps = plan.kh * plan.kw;
        long plane = (long) plan.hp * plan.wp * Float.BYTES;
        long ld = (long) plan.colsPad * Float.BYTES;
        for (int b = 0; b < Math.ceilDiv(plan.c, MR); b++) {
            for (int tap = 0; tap < taps; tap++) {
                long wAt = ((long) b * taps + tap) * m * MR * Float.BYTES;
                long shift = (long) (tap / plan.kw) * plan.wp + tap % plan.kw;
                long base = (dxpOff + (long) b * MR * plan.hp * plan.wp + shift) * Float.BYTES;
                for (int j = 0; j < plan.colsPad; j += NR) {
                    long jb = (long) j * Float.BYTES;
                    inputGradTile(m, wPack, wAt, dyw, dywOff * Float.BYTES + jb, ld, dxp, base + jb, plane);
                }
            }
        }
    }

    /** {@code MR} input channels x {@code NR} columns summed over the {@code m} output channels, added into {@code dx}. */
    private static void inputGradTile(int m, MemorySegment w, long wAt, MemorySegment dy, long d, long ld,
                                      MemorySegment dx, long xAt, long plane) {
        RegisterTile.fma(m, null, false, dy, d, ld, w, wAt, wAt + 4, wAt + 8, wAt + 12, wAt + 16, wAt + 20,
                MR * Float.BYTES, dx, xAt, plane, true);
    }

}
