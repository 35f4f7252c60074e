package dev.isthmus.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Vector API kernels over the rows of a row-major matrix: adding a bias row (optionally fused with
 * ReLU, saving a sweep over the GEMM output) and summing rows into a bias gradient. Each has a scalar
 * path for JVMs where the Vector API is not intrinsified.
 */
public final class RowOps {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder NO = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private RowOps() {
    }

    /** {@code m[r, c] += bias[c]} for every row, then {@code max(0, .)} if {@code relu}. */
    public static void addBias(MemorySegment m, int rows, int cols, MemorySegment bias, boolean relu) {
        boolean vec = Engine.get().useVectors();
        int bound = vec ? S.loopBound(cols) : 0;
        FloatVector zero = FloatVector.zero(S);
        for (int r = 0; r < rows; r++) {
            long row = (long) r * cols * Float.BYTES;
            int c = 0;
            for (; c < bound; c += S.length()) {
                long at = row + (long) c * Float.BYTES;
                FloatVector v = FloatVector.fromMemorySegment(S, m, at, NO)
                        .add(FloatVector.fromMemorySegment(S, bias, (long) c * Float.BYTES, NO));
                if (relu) {
                    v = v.max(zero);
                }
                v.intoMemorySegment(m, at, NO);
            }
            for (; c < cols; c++) {
                long at = row + (long) c * Float.BYTES;
                float v = m.get(F, at) + bias.getAtIndex(F, c);
                m.set(F, at, relu ? Math.max(0f, v) : v);
            }
        }
    }

    /** {@code out[c] += sum over r of m[r, c]} (the bias gradient of a batch). */
    public static void addColumnSums(MemorySegment m, int rows, int cols, MemorySegment out) {
        boolean vec = Engine.get().useVectors();
        int bound = vec ? S.loopBound(cols) : 0;
        int c = 0;
        for (; c < bound; c += S.length()) {
            FloatVector acc = FloatVector.fromMemorySegment(S, out, (long) c * Float.BYTES, NO);
            for (int r = 0; r < rows; r++) {
                acc = acc.add(FloatVector.fromMemorySegment(S, m, ((long) r * cols + c) * Float.BYTES, NO));
            }
            acc.intoMemorySegment(out, (long) c * Float.BYTES, NO);
        }
        for (; c < cols; c++) {
            float s = out.getAtIndex(F, c);
            for (int r = 0; r < rows; r++) {
                s += m.getAtIndex(F, (long) r * cols + c);
            }
            out.setAtIndex(F, c, s);
        }
    }

    /** Sum of all {@code n} floats (used by tests and reductions). */
    public static double sum(MemorySegment m, long n) {
        double s = 0;
        if (Engine.get().useVectors()) {
            long bound = n - n % S.length();
            FloatVector acc = FloatVector.zero(S);
            long i = 0;
            for (; i < bound; i += S.length()) {
                acc = acc.add(FloatVector.fromMemorySegment(S, m, i * Float.BYTES, NO));
            }
            s = Lanes.sum(acc);
            for (; i < n; i++) {
                s += m.getAtIndex(F, i);
            }
            return s;
        }
        for (long i = 0; i < n; i++) {
            s += m.getAtIndex(F, i);
        }
        return s;
    }
}
