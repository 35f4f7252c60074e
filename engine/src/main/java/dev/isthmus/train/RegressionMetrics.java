package dev.isthmus.train;

import dev.isthmus.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Mean squared error, mean absolute error and the coefficient of determination R² of predictions against
 * targets, accumulated over batches in double precision without keeping the samples.
 *
 * <p>Each of the {@code outputs} columns is tracked on its own and the results are averaged uniformly over
 * them, as scikit-learn's {@code multioutput="uniform_average"}. R² = 1 - SS_res / SS_tot per output,
 * where SS_tot comes from a running mean and sum of squared deviations (Welford's update), so it does not
 * lose digits to cancellation the way sum(y²) - (sum y)²/n would. As scikit-learn (with
 * {@code force_finite=True}), an output with constant targets scores 1 if predicted exactly, else 0, and
 * R² is NaN with fewer than two samples. Accumulating allocates nothing. Not thread-safe.
 */
public final class RegressionMetrics {
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private final int outputs;
    private long rows;
    private final double[] sumSquaredError;
    private final double[] sumAbsError;
    private final double[] mean;
    private final double[] m2;

    /** Metrics for predictions with {@code outputs} values per sample. */
    public RegressionMetrics(int outputs) {
        if (outputs < 1) {
            throw new IllegalArgumentException("RegressionMetrics needs at least one output, got " + outputs);
        }
        this.outputs = outputs;
        this.sumSquaredError = new double[outputs];
        this.sumAbsError = new double[outputs];
        this.mean = new double[outputs];
        this.m2 = new double[outputs];
    }

    public int outputs() {
        return outputs;
    }

    /** Samples (rows) counted so far. */
    public long count() {
        return rows;
    }

    /**
     * Adds a batch: {@code predictions} and {@code targets} of the same shape, [N, outputs] (or [N] when
     * there is one output).
     */
    public void add(Tensor predictions, Tensor targets) {
        if (!predictions.sameShape(targets)) {
            throw new IllegalArgumentException("RegressionMetrics.add: predictions " + predictions.shapeString()
                    + " and targets " + targets.shapeString() + " differ in shape");
        }
        boolean ok = predictions.rank() == 2 ? predictions.dim(1) == outputs
                : predictions.rank() == 1 && outputs == 1;
        if (!ok) {
            throw new IllegalArgumentException("RegressionMetrics.add: expected [N, " + outputs + "]"
                    + (outputs == 1 ? " or [N]" : "") + ", got " + predictions.shapeString());
        }
        MemorySegment p = predictions.segment();
        MemorySegment t = targets.segment();
        int n = predictions.dim(0);
        for (int i = 0; i < n; i++) {
            rows++;
            long base = (long) i * outputs;
            for (int j = 0; j < outputs; j++) {
                accumulate(j, p.getAtIndex(FLOAT, base + j), t.getAtIndex(FLOAT, base + j));
            }
        }
    }


    /** Adds {@code predictions.length / outputs} samples stored row-major. */
    public void add(float[] predictions, float[] targets) {
        if (predictions.length != targets.length || predictions.length % outputs != 0) {
            throw new IllegalArgumentException("RegressionMetrics.add: " + predictions.length + " predictions and "
                    + targets.length + " targets must be equal and a multiple of " + outputs + " outputs");
        }
        for (int i = 0; i < predictions.length; i += outputs) {
            rows++;
            for (int j = 0; j < outputs; j++) {
                accumulate(j, predictions[i + j], targets[i + j]);
            }
        }
    }

    private void accumulate(int j, double prediction, double target) {
        double err = prediction - target;
        sumSquaredError[j] += err * err;
        sumAbsError[j] += Math.abs(err);
        double delta = target - mean[j];
        mean[j] += delta / rows;
        m2[j] += delta * (target - mean[j]);
    }

    /** Adds another accumulator's samples (Chan et al.'s pairwise combination of the running moments). */
    public void merge(RegressionMetrics other) {
        if (other.outputs != outputs) {
            throw new IllegalArgumentException("RegressionMetrics.merge: " + outputs + " outputs vs " + other.outputs);
        }
        if (other.rows == 0) {
            return;
        }
        long n = rows + other.rows;
        for (int j = 0; j < outputs; j++) {
            double delta = other.mean[j] - mean[j];
            m2[j] += other.m2[j] + delta * delta * ((double) rows * other.rows / n);
            mean[j] += delta * other.rows / n;
            sumSquaredError[j] += other.sumSquaredError[j];
            sumAbsError[j] += other.sumAbsError[j];
        }
        rows = n;
    }

    public void reset() {
        rows = 0;
        Arrays.fill(sumSquaredError, 0);
        Arrays.fill(sumAbsError, 0);
        Arrays.fill(mean, 0);
        Arrays.fill(m2, 0);
    }

    /** Mean squared error averaged over outputs; NaN before any sample. */
    public double mse() {
        return rows == 0 ? Double.NaN : sum(sumSquaredError) / ((double) rows * outputs);
    }

    /** Square root of {@link #mse()}. */
    public double rmse() {
        return Math.sqrt(mse());
    }

    /** Mean absolute error averaged over outputs; NaN before any sample. */
    public double mae() {
        return rows == 0 ? Double.NaN : sum(sumAbsError) / ((double) rows * outputs);
    }

    /** R² of output {@code j}. */
    public double r2(int j) {
        if (j < 0 || j >= outputs) {
            throw new IndexOutOfBoundsException("RegressionMetrics.r2: output " + j + " of " + outputs);
        }
        if (rows < 2) {
            return Double.NaN;
        }
        if (m2[j] == 0) {
            return sumSquaredError[j] == 0 ? 1 : 0;
        }
        return 1 - sumSquaredError[j] / m2[j];
    }

    /** R² averaged uniformly over outputs. */
    public double r2() {
        double s = 0;
        for (int j = 0; j < outputs; j++) {
            s += r2(j);
        }
        return s / outputs;
    }

    /** {@code prefix + "mse"}, {@code "mae"} and {@code "r2"} for {@link History}. */
    public Map<String, Double> metrics(String prefix) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put(prefix + "mse", mse());
        m.put(prefix + "mae", mae());
        m.put(prefix + "r2", r2());
        return m;
    }

    private static double sum(double[] a) {
        double s = 0;
        for (double v : a) {
            s += v;
        }
        return s;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "RegressionMetrics(%d samples x %d outputs, mse %.6g, mae %.6g, r2 %.6f)",
                rows, outputs, mse(), mae(), r2());
    }
}
