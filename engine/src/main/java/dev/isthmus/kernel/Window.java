package dev.isthmus.kernel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The geometry of a 2-D sliding window, shared by convolution and pooling: kernel {@code kh x kw}, stride
 * {@code (sh, sw)}, padding {@code (ph, pw)}; the output size {@code floor((in + 2 pad - k) / stride) + 1};
 * and the stride-phase layout both kinds of kernel read their input through.
 *
 * <p>Phase layout: a plane {@code [h, w]} padded by {@code (ph, pw)} (with zeros, or {@code -inf} for max
 * pooling) is split into {@code sh * sw} phases of {@code [hq, wq]} ({@link #phaseRows}, {@link #phaseCols}):
 * phase {@code (a, b)} holds the padded pixels whose row is {@code a} mod {@code sh} and column {@code b} mod
 * {@code sw}. Window tap {@code (i, j)} of output row {@code oy} then reads phase {@code (i mod sh, j mod sw)}
 * at row {@code oy + i / sh}, column {@code ox + j / sw}, with stride 1: every run of outputs becomes one
 * contiguous vector load, with no padding or stride tests in the inner loops. Planes follow each other,
 * {@code sh sw hq wq} floats apart ({@link #phasedSize}).
 */
public record Window(int kh, int kw, int sh, int sw, int ph, int pw) {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

    /** Output size along one axis: {@code floor((in + 2 pad - k) / stride) + 1}, or 0 if the kernel does not fit. */
    public static int outSize(int in, int k, int stride, int pad) {
        if (stride < 1) {
            throw new IllegalArgumentException("stride must be >= 1, got " + stride);
        }
        int span = in + 2 * pad - k;
        return span < 0 ? 0 : span / stride + 1;
    }

    public int outHeight(int h) {
        return outSize(h, kh, sh, ph);
    }

    public int outWidth(int w) {
        return outSize(w, kw, sw, pw);
    }

    /**
     * Checks what every layer built on a window needs, naming the layer ({@code name}) in the error: kernel
     * and stride at least 1, padding at least 0.
     */
    public Window checkedFor(String name) {
        if (kh < 1 || kw < 1) {
            throw new IllegalArgumentException(name + ": kernel size must be >= 1");
        }
        if (sh < 1 || sw < 1) {
            throw new IllegalArgumentException(name + ": stride must be >= 1");
        }
        if (ph < 0 || pw < 0) {
            throw new IllegalArgumentException(name + ": padding must be >= 0");
        }
        return this;
    }

    /** Whether the kernel fits a {@code [h, w]} input once padded (every window needs at least one output). */
    public boolean fits(int h, int w) {
        return h >= Math.max(1, kh - 2 * ph) && w >= Math.max(1, kw - 2 * pw);
    }

    /** The smallest input the window fits, as a shape error states it: {@code H, W >= 5} or {@code H >= 3, W >= 1}. */
    public String minInput() {
        int minH = Math.max(1, kh - 2 * ph), minW = Math.max(1, kw - 2 * pw);
        return minH == minW ? "H, W >= " + minH : "H >= " + minH + ", W >= " + minW;
    }

    /** Rows of each stride phase of a padded plane of height {@code h}. */
    public static int phaseRows(int h, int sh, int ph) {
        return Math.toIntExact((h + 2L * ph + sh - 1) / sh);
    }

    /** Columns of each stride phase of a padded plane of width {@code w}. */
    public static int phaseCols(int w, int sw, int pw) {
        return Math.toIntExact((w + 2L * pw + sw - 1) / sw);
    }

    /**
     * Where tap {@code t} (channel {@code t / (kh kw)}, kernel row {@code ki}, column {@code kj}) starts reading in
     * the phase layout, {@code planeSize = hq wq} floats a phase: phase {@code (ki mod sh, kj mod sw)} of its
     * channel, row {@code ki / sh}, column {@code kj / sw}. With {@code sh = sw = 1} it is the tap's offset in a
     * plain {@code [C, hq, wq]} image.
     */
    public static long tapOffset(int t, int kh, int kw, int sh, int sw, int wq, long planeSize) {
        int ci = t / (kh * kw), ki = t / kw % kh, kj = t % kw;
        return (((long) ci * sh + ki % sh) * sw + kj % sw) * planeSize + (long) (ki / sh) * wq + kj / sw;
    }

    /** Floats of the phase layout of {@code planes} planes {@code [h, w]}. */
    public static long phasedSize(int planes, int h, int w, int sh, int sw, int ph, int pw) {
        return (long) planes * sh * sw * phaseRows(h, sh, ph) * phaseCols(w, sw, pw);
    }

    /** Whether the layout is the plane itself (stride 1, no padding): then nothing needs splitting. */
    public static boolean trivial(int sh, int sw, int ph, int pw) {
        return sh == 1 && sw == 1 && ph == 0 && pw == 0;
    }

    /**
     * Writes {@code planes} planes {@code [h, w]} at {@code xOff}, padded with {@code fill}, in the phase
     * layout at {@code outOff} (phases {@code [hq, wq]}).
     */
    public static void split(MemorySegment x, long xOff, int planes, int h, int w, int sh, int sw, int ph, int pw,
                             int hq, int wq, float fill, MemorySegment out, long outOff, boolean vec) {
        long phase = (long) hq * wq;
        for (int ci = 0; ci < planes; ci++) {
            long plane = xOff + (long) ci * h * w;
            for (int a = 0; a < sh; a++) {
                for (int b = 0; b < sw; b++) {
                    long dstPlane = outOff + (((long) ci * sh + a) * sw + b) * phase;
                    int vlo = firstInside(b, sw, pw), vhi = endInside(b, sw, pw, w, wq);
                    for (int u = 0; u < hq; u++) {
                        long dst = dstPlane + (long) u * wq;
                        int iy = u * sh + a - ph;
                        if (iy < 0 || iy >= h || vhi <= vlo) {
                            Runs.fill(out, dst, wq, fill, vec);
                            continue;
                        }
                        long src = plane + (long) iy * w + (long) vlo * sw + b - pw;
                        Runs.fill(out, dst, vlo, fill, vec);
                        if (sw == 1) {
                            Runs.copyRun(x, src, out, dst + vlo, vhi - vlo, vec);
                        } else {
                            for (int t = 0; t < vhi - vlo; t++) {
                                out.setAtIndex(F, dst + vlo + t, x.getAtIndex(F, src + (long) t * sw));
                            }
                        }
                        Runs.fill(out, dst + vhi, wq - vhi, fill, vec);
                    }
                }
            }
        }
    }

    /** The inverse of {@link #split} on the planes' own pixels: copies each back to {@code dx} (padding dropped). */
    public static void merge(MemorySegment in, long inOff, int planes, int h, int w, int sh, int sw, int ph, int pw,
                             int hq, int wq, MemorySegment dx, long xOff, boolean vec) {
        long phase = (long) hq * wq;
        for (int ci = 0; ci < planes; ci++) {
            long plane = xOff + (long) ci * h * w;
            for (int a = 0; a < sh; a++) {
                for (int b = 0; b < sw; b++) {
                    long srcPlane = inOff + (((long) ci * sh + a) * sw + b) * phase;
                    int vlo = firstInside(b, sw, pw), vhi = endInside(b, sw, pw, w, wq);
                    if (vhi <= vlo) {
                        continue;
                    }
                    for (int u = 0; u < hq; u++) {
                        int iy = u * sh + a - ph;
                        if (iy < 0 || iy >= h) {
                            continue;
                        }
                        long src = srcPlane + (long) u * wq + vlo;
                        long dst = plane + (long) iy * w + (long) vlo * sw + b - pw;
                        if (sw == 1) {
                            Runs.copyRun(in, src, dx, dst, vhi - vlo, vec);
                        } else {
                            for (int t = 0; t < vhi - vlo; t++) {
                                dx.setAtIndex(F, dst + (long) t * sw, in.getAtIndex(F, src + t));
                            }
                        }
                    }
                }
            }
        }
    }

    /** First phase column {@code v} with {@code v * s + b - pad >= 0}. */
    public static int firstInside(int b, int s, int pad) {
        int need = pad - b;
        return need <= 0 ? 0 : (need + s - 1) / s;
    }

    /** One past the last phase column {@code v < limit} with {@code v * s + b - pad < w}. */
    public static int endInside(int b, int s, int pad, int w, int limit) {
        int last = w - 1 + pad - b;
        return last < 0 ? 0 : Math.min(limit, last / s + 1);
    }

    /** {@code kernel=5, stride=2, padding=(1, 2)} in PyTorch's style (stride and padding only when not trivial). */
    public String describe(boolean showUnitStride) {
        StringBuilder sb = new StringBuilder("kernel=").append(pair(kh, kw));
        if (showUnitStride || sh != 1 || sw != 1) {
            sb.append(", stride=").append(pair(sh, sw));
        }
        if (ph != 0 || pw != 0) {
            sb.append(", padding=").append(pair(ph, pw));
        }
        return sb.toString();
    }

    /** {@code 5}, or {@code (5, 3)} when the two differ. */
    public static String pair(int a, int b) {
        return a == b ? Integer.toString(a) : "(" + a + ", " + b + ")";
    }
}
