package dev.isthmus.data;

import dev.isthmus.tensor.Tensor;

import java.util.Arrays;

/**
 * Per-feature min-max scaling to {@code [low, high]} (default {@code [0, 1]}), like scikit-learn's
 * {@code MinMaxScaler}: {@code x' = (x - min) * (high - low) / (max - min) + low}. A feature constant on the
 * training data maps to {@code low}. Values outside the training range map outside {@code [low, high]} (no
 * clipping). Parameters: {@code [min_0..min_{F-1}, max_0..max_{F-1}, low, high]}.
 */
public final class MinMaxScaler extends AffineScaler {

    private final float[] min;
    private final float[] max;
    private final float low;
    private final float high;

    /** Takes the arrays as they are (the map reads them, nothing writes them): {@link #of} gives it copies. */
    private MinMaxScaler(float[] min, float[] max, float low, float high, boolean vectors) {
        super("MinMaxScaler", min, scales(min, max, low, high), Affine.filled(min.length, low), false, vectors);
        this.min = min;
        this.max = max;
        this.low = low;
        this.high = high;
    }

    /** Checks the statistics; returns each feature's {@code (high - low) / (max - min)} (1 for a constant one). */
    private static float[] scales(float[] min, float[] max, float low, float high) {
        if (min.length != max.length || min.length == 0) {
            throw new IllegalArgumentException("MinMaxScaler needs as many minima as maxima (>= 1), got "
                    + min.length + " and " + max.length);
        }
        if (!(low < high) || !Float.isFinite(low) || !Float.isFinite(high)) {
            throw new IllegalArgumentException("target range [" + low + ", " + high + "] must be finite with low < high");
        }
        int f = min.length;
        float[] scale = new float[f];
        for (int j = 0; j < f; j++) {
            if (!Float.isFinite(min[j]) || !Float.isFinite(max[j]) || min[j] > max[j]) {
                throw new IllegalArgumentException("feature " + j + ": min " + min[j] + " and max " + max[j]
                        + " must be finite with min <= max");
            }
            float range = max[j] - min[j];
            scale[j] = (high - low) / (range > 0 ? range : 1f);
        }
        return scale;
    }

    /** A scaler mapping {@code [min, max]} per feature to {@code [low, high]}. */
    public static MinMaxScaler of(float[] min, float[] max, float low, float high) {
        return new MinMaxScaler(min.clone(), max.clone(), low, high, Affine.vectors());
    }

    /** Restores a scaler from {@link #parameters()}. */
    public static MinMaxScaler fromParameters(float[] p) {
        if (p.length < 4 || p.length % 2 != 0) {
            throw new IllegalArgumentException("MinMaxScaler parameters are [min..., max..., low, high], got " + p.length + " values");
        }
        int f = (p.length - 2) / 2;
        return of(Arrays.copyOfRange(p, 0, f), Arrays.copyOfRange(p, f, 2 * f), p[2 * f], p[2 * f + 1]);
    }

    /** Fits the per-feature range of {@code train}'s features, to be mapped to {@code [low, high]}. */
    public static MinMaxScaler fitFeatures(Dataset train, float low, float high) {
        return fit(train, false, low, high);
    }

    /** Fits the per-element range of {@code train}'s float targets, to be mapped to {@code [low, high]}. */
    public static MinMaxScaler fitTargets(Dataset train, float low, float high) {
        return fit(train, true, low, high);
    }

    /** Fits on the rows of {@code data} {@code [N, ...]}: one feature per element of a row. */
    public static MinMaxScaler fit(Tensor data, float low, float high) {
        Range r = new Range(Affine.rowWidth(data));
        Affine.scan(data, r::add);
        return of(r.min, r.max, low, high);
    }

    private static MinMaxScaler fit(Dataset ds, boolean targets, float low, float high) {
        Range r = new Range(Affine.rowWidth(ds, targets));
        Affine.scan(ds, targets, r::add);
        return of(r.min, r.max, low, high);
    }

    private static final class Range {
        final float[] min, max;

        Range(int f) {
            min = Affine.filled(f, Float.POSITIVE_INFINITY);
            max = Affine.filled(f, Float.NEGATIVE_INFINITY);
        }

        void add(float[] row) {
            for (int j = 0; j < row.length; j++) {
                if (Float.isNaN(row[j])) {
                    throw new IllegalArgumentException("NaN in feature " + j + " while fitting a MinMaxScaler");
                }
                min[j] = Math.min(min[j], row[j]);
                max[j] = Math.max(max[j], row[j]);
            }
        }
    }

    public float[] min() {
        return min.clone();
    }

    public float[] max() {
        return max.clone();
    }

    public float low() {
        return low;
    }

    public float high() {
        return high;
    }

    @Override
    public float[] parameters() {
        int f = min.length;
        float[] p = new float[2 * f + 2];
        System.arraycopy(min, 0, p, 0, f);
        System.arraycopy(max, 0, p, f, f);
        p[2 * f] = low;
        p[2 * f + 1] = high;
        return p;
    }

    MinMaxScaler withVectors(boolean v) {
        return new MinMaxScaler(min, max, low, high, v);
    }

    @Override
    public String toString() {
        return "MinMaxScaler[" + min.length + " features to [" + low + ", " + high + "]]";
    }
}
