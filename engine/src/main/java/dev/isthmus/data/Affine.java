package dev.isthmus.data;

import dev.isthmus.kernel.Engine;
import dev.isthmus.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The kernel both scalers share: per feature {@code j}, {@code x = (x - sub[j]) * mul[j] + add[j]} (or with a
 * division instead of the multiplication), over rows of {@code sub.length} features. Vector and scalar paths
 * perform the same float operations in the same order, so they agree bit for bit.
 */
final class Affine {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ByteOrder LE = ByteOrder.nativeOrder();

    private Affine() {
    }

    static boolean vectors() {
        return Engine.get().useVectors();
    }

    /** Checks that {@code t} holds whole rows of {@code features}; returns the row count. */
    static long rows(Tensor t, int features, String who) {
        if (t.size() % features != 0) {
            throw new IllegalArgumentException(who + " has " + features + " features, but tensor " + t.shapeString()
                    + " (" + t.size() + " elements) is not made of rows of that many");
        }
        return t.size() / features;
    }

    /** {@code x = (x - sub) / div + add}, or {@code x = (x - sub) * div + add} when {@code divide} is false. */
    static void apply(Tensor t, float[] sub, float[] div, float[] add, boolean divide, boolean vectors) {
        int f = sub.length;
        MemorySegment seg = t.segment();
        long rows = t.size() / f;
        int bound = S.loopBound(f);
        for (long r = 0; r < rows; r++) {
            long base = r * f;
            int j = 0;
            if (vectors) {
                for (; j < bound; j += S.length()) {
                    long at = (base + j) * Float.BYTES;
                    FloatVector x = FloatVector.fromMemorySegment(S, seg, at, LE).sub(FloatVector.fromArray(S, sub, j));
                    FloatVector d = FloatVector.fromArray(S, div, j);
                    x = divide ? x.div(d) : x.mul(d);
                    x.add(FloatVector.fromArray(S, add, j)).intoMemorySegment(seg, at, LE);
                }
            }
            for (; j < f; j++) {
                long at = base + j;
                float x = seg.getAtIndex(F, at) - sub[j];
                x = divide ? x / div[j] : x * div[j];
                seg.setAtIndex(F, at, x + add[j]);
            }
        }
    }

    static float[] filled(int n, float v) {
        float[] a = new float[n];
        Arrays.fill(a, v);
        return a;
    }

    /** Features per row of {@code data} {@code [N, ...]} (N >= 1): what a scaler fitted on it will have. */
    static int rowWidth(Tensor data) {
        if (data.rank() < 1 || data.dim(0) == 0) {
            throw new IllegalArgumentException("cannot fit a scaler on " + data.shapeString());
        }
        return Math.toIntExact(data.size() / data.dim(0));
    }

    /** Features (or vector targets) per sample of {@code ds}, which must not be empty. */
    static int rowWidth(Dataset ds, boolean targets) {
        if (ds.size() == 0) {
            throw new IllegalArgumentException("cannot fit a scaler on an empty dataset");
        }
        return targets ? ds.targetSize() : ds.featureSize();
    }

    /** Hands each row of {@code data} {@code [N, ...]} to {@code sink} in one reused array. */
    static void scan(Tensor data, java.util.function.Consumer<float[]> sink) {
        int f = rowWidth(data);
        float[] row = new float[f];
        for (long i = 0, n = data.dim(0); i < n; i++) {
            MemorySegment.copy(data.segment(), F, i * f * Float.BYTES, row, 0, f);
            sink.accept(row);
        }
    }

    /**
     * Reads every sample's features (or vector targets) of {@code ds} into a scratch buffer one at a time and
     * hands them to {@code sink}; a fit's single pass over the training data.
     */
    static void scan(Dataset ds, boolean targets, java.util.function.Consumer<float[]> sink) {
        int width = targets ? ds.targetSize() : ds.featureSize();
        if (targets && ds.targetKind() != Dataset.TargetKind.VECTOR) {
            throw new IllegalArgumentException("cannot fit a scaler on class-index targets");
        }
        float[] row = new float[width];
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(Math.max(1, (long) width * Float.BYTES));
            for (int i = 0, n = ds.size(); i < n; i++) {
                if (targets) {
                    ds.copyTarget(i, buf, 0);
                } else {
                    ds.copyFeatures(i, buf, 0);
                }
                MemorySegment.copy(buf, F, 0, row, 0, width);
                sink.accept(row);
            }
        }
    }
}
