package dev.isthmus.data;

import dev.isthmus.tensor.Tensor;

import java.util.Arrays;

/**
 * Per-feature standardisation {@code x' = (x - mean) / std}, like scikit-learn's {@code StandardScaler}: the
 * population standard deviation (divisor N), and a feature that is constant on the training data keeps
 * {@code std = 1} so it is only centred. Parameters: {@code [mean_0..mean_{F-1}, std_0..std_{F-1}]}.
 */
public final class StandardScaler extends AffineScaler {

    private final float[] mean;
    private final float[] std;

    /** Takes the arrays as they are (the map reads them, nothing writes them): {@link #of} gives it copies. */
    private StandardScaler(float[] mean, float[] std, boolean vectors) {
        super("StandardScaler", checked(mean, std), std, new float[mean.length], true, vectors);
        this.mean = mean;
        this.std = std;
    }

    /** {@code mean}, once it and {@code std} are known to be valid statistics. */
    private static float[] checked(float[] mean, float[] std) {
        if (mean.length != std.length || mean.length == 0) {
            throw new IllegalArgumentException("StandardScaler needs as many means as stds (>= 1), got "
                    + mean.length + " and " + std.length);
        }
        for (int j = 0; j < std.length; j++) {
            if (!(std[j] > 0) || !Float.isFinite(std[j]) || !Float.isFinite(mean[j])) {
                throw new IllegalArgumentException("feature " + j + ": mean " + mean[j] + " and std " + std[j]
                        + " must be finite with std > 0");
            }
        }
        return mean;
    }

    /** A scaler with the given statistics. */
    public static StandardScaler of(float[] mean, float[] std) {
        return new StandardScaler(mean.clone(), std.clone(), Affine.vectors());
    }

    /** Restores a scaler from {@link #parameters()}. */
    public static StandardScaler fromParameters(float[] parameters) {
        if (parameters.length == 0 || parameters.length % 2 != 0) {
            throw new IllegalArgumentException("StandardScaler parameters are [mean..., std...], got " + parameters.length + " values");
        }
        int f = parameters.length / 2;
        return of(Arrays.copyOfRange(parameters, 0, f), Arrays.copyOfRange(parameters, f, 2 * f));
    }

    /** Fits on the features of every sample of {@code train} (pass the training split, not the whole dataset). */
    public static StandardScaler fitFeatures(Dataset train) {
        return fit(train, false);
    }

    /** Fits on the float targets of every sample of {@code train} (regression targets). */
    public static StandardScaler fitTargets(Dataset train) {
        return fit(train, true);
    }

    /** Fits on the rows of {@code data} {@code [N, ...]}: one feature per element of a row. */
    public static StandardScaler fit(Tensor data) {
        Moments m = new Moments(Affine.rowWidth(data));
        Affine.scan(data, m::add);
        return m.scaler();
    }

    private static StandardScaler fit(Dataset ds, boolean targets) {
        Moments m = new Moments(Affine.rowWidth(ds, targets));
        Affine.scan(ds, targets, m::add);
        return m.scaler();
    }

    /** Shifted sums in double: exact for constant features, stable when the mean is large against the spread. */
    private static final class Moments {
        final double[] shift, sum, sumSq;
        long n;

        Moments(int f) {
            shift = new double[f];
            sum = new double[f];
            sumSq = new double[f];
        }

        void add(float[] row) {
            if (n == 0) {
                for (int j = 0; j < row.length; j++) {
                    shift[j] = row[j];
                }
            }
            for (int j = 0; j < row.length; j++) {
                double d = row[j] - shift[j];
                sum[j] += d;
                sumSq[j] += d * d;
            }
            n++;
        }

        StandardScaler scaler() {
            int f = shift.length;
            float[] mean = new float[f], std = new float[f];
            for (int j = 0; j < f; j++) {
                double mu = sum[j] / n;
                double var = Math.max(0, sumSq[j] / n - mu * mu);
                mean[j] = (float) (shift[j] + mu);
                float s = (float) Math.sqrt(var);
                std[j] = s > 0 ? s : 1f;
            }
            return of(mean, std);
        }
    }

    public float[] mean() {
        return mean.clone();
    }

    public float[] std() {
        return std.clone();
    }

    @Override
    public float[] parameters() {
        float[] p = Arrays.copyOf(mean, 2 * mean.length);
        System.arraycopy(std, 0, p, mean.length, std.length);
        return p;
    }

    /** The same scaler on the scalar (or vector) path; for tests comparing the two. */
    StandardScaler withVectors(boolean v) {
        return new StandardScaler(mean, std, v);
    }

    @Override
    public String toString() {
        return "StandardScaler[" + mean.length + " features]";
    }
}
