package dev.isthmus.kernel;

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
 * <p>Backward reads the chain rule off the same grid: {@code dW[o, t] = sum_j dYw[o, j] xp[off(t) + j]} with
 * {@code dYw} the output gradient laid out on the wide grid (zeros in the thrown-away columns), and
 * {@code dX} is this forward kernel run on {@code dY} padded by {@code k - 1 - p} with the kernel flipped and
 * transposed ({@link #packFlipped}): the full correlation that is the adjoint of the forward one.
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
    public static final int MR = 6;
    /** Wide-grid columns per forward tile (two vectors). */
    public static final int NR = 2 * L;
    /** Output channels per weight-gradient tile. */
    public static final int GM = 4;
    /** Kernel taps per weight-gradient tile. */
    public static final int GT = 3;

    private DirectConv() {
    }

    /**
     * The layout of one stride-1 convolution of a {@code [c, h, w]} image padded by {@code (ph, pw)} with a
     * {@code kh x kw} kernel: the padded image, the wide output grid and the tap offsets into the padded image.
     */
    public static final class Plan {
        public final int c, h, w, kh, kw, ph, pw;
        /** Padded height and width. */
        public final int hp, wp;
        /** Output height and width. */
        public final int oh, ow;
        /** Taps per output: {@code c kh kw}. */
        public final int k;
        /** Wide-grid columns holding outputs, and that count rounded up to whole tiles. */
        public final int cols, colsPad;
        /** Floats of a padded-image buffer: the image plus room for the last tile's overrun. */
        public final long paddedSize;
        /** Offset of tap {@code t} in the padded image; padded with zeros to a multiple of {@link #GT}. */
        final int[] offsets;

        public Plan(int c, int h, int w, int kh, int kw, int ph, int pw) {
            this.c = c;
            this.h = h;
            this.w = w;
            this.kh = kh;
            this.kw = kw;
            this.ph = ph;
            this.pw = pw;
            this.hp = h + 2 * ph;
            this.wp = w + 2 * pw;
            this.oh = hp - kh + 1;
            this.ow = wp - kw + 1;
            if (oh < 1 || ow < 1) {
                throw new IllegalArgumentException("DirectConv: a " + kh + "x" + kw + " kernel does not fit a " + h + "x" + w
                        + " image padded by " + ph + "x" + pw);
            }
            this.k = Math.multiplyExact(Math.multiplyExact(c, kh), kw);
            this.cols = (oh - 1) * wp + ow;
            this.colsPad = Math.ceilDiv(cols, NR) * NR;
            this.offsets = new int[Math.ceilDiv(k, GT) * GT];
            int t = 0;
            for (int ci = 0; ci < c; ci++) {
                for (int ky = 0; ky < kh; ky++) {
                    for (int kx = 0; kx < kw; kx++) {
                        offsets[t++] = (ci * hp + ky) * wp + kx;
                    }
                }
            }
            long lastRead = (long) offsets[k - 1] + colsPad;
            this.paddedSize = Math.max((long) c * hp * wp, lastRead);
        }

        /** Offset of the first image pixel in the padded buffer. */
        public long origin() {
            return (long) ph * wp + pw;
        }

        /** Floats of a packed weight matrix for {@code m} output channels: whole blocks of {@link #MR}. */
        public long packedSize(int m) {
            return (long) Math.ceilDiv(m, MR) * MR * k;
        }
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
     * Packs the kernel of the input gradient: {@code Wf[c, (o, ky, kx)] = W[o, c, kh-1-ky, kw-1-kx]}
     * (flipped, input and output channels swapped), in {@link #packWeights}'s layout for {@code in} rows.
     */
    public static void packFlipped(MemorySegment w, int out, int in, int kh, int kw, MemorySegment dst) {
        int blocks = Math.ceilDiv(in, MR);
        int k = out * kh * kw;
        long d = 0;
        for (int b = 0; b < blocks; b++) {
            for (int t = 0; t < k; t++) {
                int o = t / (kh * kw), ky = t / kw % kh, kx = t % kw;
                for (int r = 0; r < MR; r++, d++) {
                    int ci = b * MR + r;
                    float v = 0f;
                    if (ci < in) {
                        v = w.getAtIndex(F, (((long) o * in + ci) * kh + (kh - 1 - ky)) * kw + (kw - 1 - kx));
                    }
                    dst.setAtIndex(F, d, v);
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
     * @param wPack weights packed by {@link #packWeights} (or {@link #packFlipped}) for {@code plan.k} taps
     * @param xp    the padded image at {@code xpOff}, {@code plan.paddedSize} floats
     */
    public static void forward(Plan plan, MemorySegment wPack, int m, MemorySegment xp, long xpOff,
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
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        long wa = wAt;
        for (int t = 0; t < k; t++, wa += MR * Float.BYTES) {
            long xa = xAt + (long) off[t] * Float.BYTES;
            FloatVector b0 = FloatVector.fromMemorySegment(S, x, xa, NO);
            FloatVector b1 = FloatVector.fromMemorySegment(S, x, xa + VB, NO);
            FloatVector a = FloatVector.broadcast(S, w.get(F, wa));
            c00 = a.fma(b0, c00);
            c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(S, w.get(F, wa + 4));
            c10 = a.fma(b0, c10);
            c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(S, w.get(F, wa + 8));
            c20 = a.fma(b0, c20);
            c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(S, w.get(F, wa + 12));
            c30 = a.fma(b0, c30);
            c31 = a.fma(b1, c31);
            a = FloatVector.broadcast(S, w.get(F, wa + 16));
            c40 = a.fma(b0, c40);
            c41 = a.fma(b1, c41);
            a = FloatVector.broadcast(S, w.get(F, wa + 20));
            c50 = a.fma(b0, c50);
            c51 = a.fma(b1, c51);
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

    /** Floats of the lane-partial weight gradient {@link #weightGrad} accumulates into for {@code m} outputs. */
    public static long partialSize(Plan plan, int m) {
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
    public static void weightGrad(Plan plan, int m, MemorySegment dyw, long dywOff, MemorySegment xp, long xpOff,
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
    public static void reducePartials(Plan plan, int m, MemorySegment acc, long accOff, MemorySegment dw, long dwOff) {
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
}
