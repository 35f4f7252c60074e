package dev.isthmus.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Element-wise activation kernels and their backward passes, as Vector API loops over flat float
 * segments ({@code n} elements), with a scalar path when {@link Engine#useVectors()} is false.
 *
 * <p>Input and output segments may be the same (in place) for every forward kernel except the
 * strided softmax; backward kernels may write {@code dx} over {@code dy}. Transcendentals use the Vector
 * API's {@code EXP}/{@code TANH} (within 1 ulp of {@link Math}) on the vector path and {@link Math} on
 * the scalar path.
 */
public final class Activations {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final ByteOrder NO = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private Activations() {
    }

    private static long bound(long n) {
        return Engine.get().useVectors() ? n - n % L : 0;
    }

    private static FloatVector load(MemorySegment m, long i) {
        return FloatVector.fromMemorySegment(S, m, i * Float.BYTES, NO);
    }

    private static void store(FloatVector v, MemorySegment m, long i) {
        v.intoMemorySegment(m, i * Float.BYTES, NO);
    }

    // ------------------------------------------------------------------ ReLU family

    /** {@code y = max(0, x)}; NaN stays NaN (so a non-finite check still sees it). */
    public static void relu(MemorySegment x, MemorySegment y, long n) {
        long b = bound(n);
        FloatVector zero = FloatVector.zero(S);
        long i = 0;
        for (; i < b; i += L) {
            store(load(x, i).max(zero), y, i);
        }
        for (; i < n; i++) {
            y.setAtIndex(F, i, Math.max(0f, x.getAtIndex(F, i)));
        }
    }

    /** {@code dx = y > 0 ? dy : 0}, from the ReLU output {@code y} (PyTorch's threshold_backward: gradient 0 at 0). */
    public static void reluBackward(MemorySegment y, MemorySegment dy, MemorySegment dx, long n) {
        long b = bound(n);
        FloatVector zero = FloatVector.zero(S);
        long i = 0;
        for (; i < b; i += L) {
            VectorMask<Float> on = load(y, i).compare(VectorOperators.GT, zero);
            store(zero.blend(load(dy, i), on), dx, i);
        }
        for (; i < n; i++) {
            dx.setAtIndex(F, i, y.getAtIndex(F, i) > 0f ? dy.getAtIndex(F, i) : 0f);
        }
    }

    /** {@code y = x > 0 ? x : slope * x}. */
    public static void leakyRelu(MemorySegment x, MemorySegment y, long n, float slope) {
        long b = bound(n);
        FloatVector zero = FloatVector.zero(S);
        long i = 0;
        for (; i < b; i += L) {
            FloatVector v = load(x, i);
            store(v.mul(slope).blend(v, v.compare(VectorOperators.GT, zero)), y, i);
        }
        for (; i < n; i++) {
            float v = x.getAtIndex(F, i);
            y.setAtIndex(F, i, v > 0f ? v : slope * v);
        }
    }

    /** {@code dx = x > 0 ? dy : slope * dy}, from the input {@code x} (the slope may be negative). */
    public static void leakyReluBackward(MemorySegment x, MemorySegment dy, MemorySegment dx, long n, float slope) {
        long b = bound(n);
        FloatVector zero = FloatVector.zero(S);
        long i = 0;
        for (; i < b; i += L) {
            FloatVector g = load(dy, i);
            store(g.mul(slope).blend(g, load(x, i).compare(VectorOperators.GT, zero)), dx, i);
        }
        for (; i < n; i++) {
            float g = dy.getAtIndex(F, i);
            dx.setAtIndex(F, i, x.getAtIndex(F, i) > 0f ? g : slope * g);
        }
    }

    // ------------------------------------------------------------------ sigmoid, tanh

    /** {@code y = 1 / (1 + exp(-x))}: saturates to exactly 0 and 1, never overflows to NaN. */
    public static void sigmoid(MemorySegment x, MemorySegment y, long n) {
        long b = bound(n);
        FloatVector one = FloatVector.broadcast(S, 1f);
        long i = 0;
        for (; i < b; i += L) {
            store(one.div(load(x, i).neg().lanewise(VectorOperators.EXP).add(one)), y, i);
        }
        for (; i < n; i++) {
            y.setAtIndex(F, i, (float) (1.0 / (1.0 + Math.exp(-x.getAtIndex(F, i)))));
        }
    }

    /** {@code dx = dy * y * (1 - y)} from the sigmoid output {@code y}. */
    public static void sigmoidBackward(MemorySegment y, MemorySegment dy, MemorySegment dx, long n) {
        long b = bound(n);
        FloatVector one = FloatVector.broadcast(S, 1f);
        long i = 0;
        for (; i < b; i += L) {
            FloatVector v = load(y, i);
            store(load(dy, i).mul(v).mul(one.sub(v)), dx, i);
        }
        for (; i < n; i++) {
            float v = y.getAtIndex(F, i);
            dx.setAtIndex(F, i, dy.getAtIndex(F, i) * v * (1f - v));
        }
    }

    /** {@code y = tanh(x)}. */
    public static void tanh(MemorySegment x, MemorySegment y, long n) {
        long b = bound(n);
        long i = 0;
        for (; i < b; i += L) {
            store(load(x, i).lanewise(VectorOperators.TANH), y, i);
        }
        for (; i < n; i++) {
            y.setAtIndex(F, i, (float) Math.tanh(x.getAtIndex(F, i)));
        }
    }

    /** {@code dx = dy * (1 - y^2)} from the tanh output {@code y}. */
    public static void tanhBackward(MemorySegment y, MemorySegment dy, MemorySegment dx, long n) {
        long b = bound(n);
        FloatVector one = FloatVector.broadcast(S, 1f);
        long i = 0;
        for (; i < b; i += L) {
            FloatVector v = load(y, i);
            store(load(dy, i).mul(one.sub(v.mul(v))), dx, i);
        }
        for (; i < n; i++) {
            float v = y.getAtIndex(F, i);
            dx.setAtIndex(F, i, dy.getAtIndex(F, i) * (1f - v * v));
        }
    }

    // ------------------------------------------------------------------ products

    /** {@code out = a * b} element-wise (dropout's mask, forward and backward). */
    public static void mul(MemorySegment a, MemorySegment b, MemorySegment out, long n) {
        long bd = bound(n);
        long i = 0;
        for (; i < bd; i += L) {
            store(load(a, i).mul(load(b, i)), out, i);
        }
        for (; i < n; i++) {
            out.setAtIndex(F, i, a.getAtIndex(F, i) * b.getAtIndex(F, i));
        }
    }

    // ------------------------------------------------------------------ softmax over rows

    /** The largest of {@code cols} floats starting at element {@code off} (NaN if any is NaN). */
    public static float rowMax(MemorySegment x, long off, int cols) {
        long b = bound(cols);
        float m = Float.NEGATIVE_INFINITY;
        long i = 0;
        if (b > 0) {
            FloatVector acc = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
            for (; i < b; i += L) {
                acc = acc.max(load(x, off + i));
            }
            m = acc.reduceLanes(VectorOperators.MAX);
        }
        for (; i < cols; i++) {
            m = Math.max(m, x.getAtIndex(F, off + i));
        }
        return m;
    }

    /**
     * {@code y[i] = exp(x[i] - shift)} for {@code cols} elements at {@code off}, returning their sum (in
     * double). With {@code shift} the row max every exponent is at most 0: no overflow whatever the logits.
     */
    public static double expShifted(MemorySegment x, MemorySegment y, long off, int cols, float shift) {
        long b = bound(cols);
        double sum = 0;
        long i = 0;
        if (b > 0) {
            FloatVector acc = FloatVector.zero(S);
            for (; i < b; i += L) {
                FloatVector e = load(x, off + i).sub(shift).lanewise(VectorOperators.EXP);
                store(e, y, off + i);
                acc = acc.add(e);
            }
            sum = Lanes.sum(acc);
        }
        for (; i < cols; i++) {
            float e = (float) Math.exp(x.getAtIndex(F, off + i) - shift);
            y.setAtIndex(F, off + i, e);
            sum += e;
        }
        return sum;
    }

    /** {@code m[off + i] *= s} for {@code cols} elements. */
    public static void scale(MemorySegment m, long off, long cols, float s) {
        long b = bound(cols);
        long i = 0;
        for (; i < b; i += L) {
            store(load(m, off + i).mul(s), m, off + i);
        }
        for (; i < cols; i++) {
            m.setAtIndex(F, off + i, m.getAtIndex(F, off + i) * s);
        }
    }

    /** Softmax of each of {@code rows} contiguous rows of {@code cols}: {@code exp(x - max) / sum}. */
    public static void softmaxRows(MemorySegment x, MemorySegment y, int rows, int cols) {
        for (int r = 0; r < rows; r++) {
            long off = (long) r * cols;
            float m = rowMax(x, off, cols);
            double sum = expShifted(x, y, off, cols, m);
            scale(y, off, cols, (float) (1.0 / sum));
        }
    }

    /** Softmax backward per row: {@code dx = y * (dy - sum(dy * y))}. */
    public static void softmaxRowsBackward(MemorySegment y, MemorySegment dy, MemorySegment dx, int rows, int cols) {
        long b = bound(cols);
        for (int r = 0; r < rows; r++) {
            long off = (long) r * cols;
            double dot = 0;
            long i = 0;
            if (b > 0) {
                FloatVector acc = FloatVector.zero(S);
                for (; i < b; i += L) {
                    acc = load(dy, off + i).fma(load(y, off + i), acc);
                }
                dot = Lanes.sum(acc);
            }
            for (; i < cols; i++) {
                dot += (double) dy.getAtIndex(F, off + i) * y.getAtIndex(F, off + i);
            }
            float d = (float) dot;
            i = 0;
            for (; i < b; i += L) {
                store(load(dy, off + i).sub(d).mul(load(y, off + i)), dx, off + i);
            }
            for (; i < cols; i++) {
                dx.setAtIndex(F, off + i, (dy.getAtIndex(F, off + i) - d) * y.getAtIndex(F, off + i));
            }
        }
    }

    /**
     * Softmax over the middle axis of an {@code [outer, cols, inner]} layout (e.g. over channels of NCHW),
     * where the elements of one softmax are {@code inner} apart. Scalar: this layout is rare next to rows.
     * {@code x} and {@code y} must not overlap.
     */
    public static void softmaxStrided(MemorySegment x, MemorySegment y, int outer, int cols, int inner) {
        for (int o = 0; o < outer; o++) {
            long base = (long) o * cols * inner;
            for (int j = 0; j < inner; j++) {
                float m = Float.NEGATIVE_INFINITY;
                for (int c = 0; c < cols; c++) {
                    m = Math.max(m, x.getAtIndex(F, base + (long) c * inner + j));
                }
                double sum = 0;
                for (int c = 0; c < cols; c++) {
                    long at = base + (long) c * inner + j;
                    float e = (float) Math.exp(x.getAtIndex(F, at) - m);
                    y.setAtIndex(F, at, e);
                    sum += e;
                }
                float inv = (float) (1.0 / sum);
                for (int c = 0; c < cols; c++) {
                    long at = base + (long) c * inner + j;
                    y.setAtIndex(F, at, y.getAtIndex(F, at) * inv);
                }
            }
        }
    }

    /** Backward of {@link #softmaxStrided}: {@code dx = y * (dy - sum_c(dy * y))} along the strided axis. */
    public static void softmaxStridedBackward(MemorySegment y, MemorySegment dy, MemorySegment dx, int outer, int cols, int inner) {
        for (int o = 0; o < outer; o++) {
            long base = (long) o * cols * inner;
            for (int j = 0; j < inner; j++) {
                double dot = 0;
                for (int c = 0; c < cols; c++) {
                    long at = base + (long) c * inner + j;
                    dot += (double) dy.getAtIndex(F, at) * y.getAtIndex(F, at);
                }
                float d = (float) dot;
                for (int c = 0; c < cols; c++) {
                    long at = base + (long) c * inner + j;
                    dx.setAtIndex(F, at, (dy.getAtIndex(F, at) - d) * y.getAtIndex(F, at));
                }
            }
        }
    }
}
