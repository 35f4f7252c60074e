package dev.isthmus.train;

import dev.isthmus.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Counts of (true class, predicted class) pairs over a stream of batches, and the classification metrics
 * derived from them: accuracy, per-class precision, recall, F1 and support, and their macro and
 * support-weighted averages, with scikit-learn's definitions and {@code zero_division=0}.
 *
 * <p>Rows are true classes, columns predicted classes, as in {@code sklearn.metrics.confusion_matrix}.
 * All {@code numClasses} classes always take part in the averages, as when scikit-learn is given
 * {@code labels=range(numClasses)}: a class that never occurs and is never predicted counts as 0 in the
 * macro average. Accumulating ({@link #add(Tensor, Tensor)} and the array forms) allocates nothing, so an
 * evaluation loop can call it per batch. Not thread-safe; merge per-thread matrices with {@link #merge}.
 */
public final class ConfusionMatrix {
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private final int numClasses;
    private final List<String> classNames;
    /** Row-major [true][predicted]. */
    private final long[] counts;

    /** A matrix for classes {@code 0 .. numClasses-1}, named by their index. */
    public ConfusionMatrix(int numClasses) {
        this(defaultNames(numClasses));
    }

    /** A matrix whose class {@code i} is called {@code classNames.get(i)} in reports. */
    public ConfusionMatrix(List<String> classNames) {
        if (classNames.isEmpty()) {
            throw new IllegalArgumentException("ConfusionMatrix needs at least one class");
        }
        for (int i = 0; i < classNames.size(); i++) {
            String name = classNames.get(i);
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("ConfusionMatrix: class " + i + " has a blank name");
            }
        }
        this.numClasses = classNames.size();
        this.classNames = List.copyOf(classNames);
        this.counts = new long[Math.multiplyExact(numClasses, numClasses)];
    }

    private static List<String> defaultNames(int numClasses) {
        if (numClasses < 1) {
            throw new IllegalArgumentException("ConfusionMatrix needs at least one class, got " + numClasses);
        }
        String[] names = new String[numClasses];
        for (int i = 0; i < numClasses; i++) {
            names[i] = Integer.toString(i);
        }
        return List.of(names);
    }

    public int numClasses() {
        return numClasses;
    }

    public List<String> classNames() {
        return classNames;
    }

    // ---------------------------------------------------------------- accumulating

    /** Counts one sample. */
    public void add(int predicted, int actual) {
        checkClass(predicted, "predicted", 0);
        checkClass(actual, "true", 0);
        counts[actual * numClasses + predicted]++;
    }

    /** Counts {@code predicted[i], actual[i]} for every i; the arrays must have the same length. */
    public void add(int[] predicted, int[] actual) {
        if (predicted.length != actual.length) {
            throw new IllegalArgumentException("ConfusionMatrix.add: " + predicted.length + " predictions but "
                    + actual.length + " true labels");
        }
        add(predicted, actual, predicted.length);
    }

    /** Counts the first {@code n} pairs (for reused arrays sized for the largest batch). */
    public void add(int[] predicted, int[] actual, int n) {
        if (n < 0 || n > predicted.length || n > actual.length) {
            throw new IllegalArgumentException("ConfusionMatrix.add: n = " + n + " with " + predicted.length
                    + " predictions and " + actual.length + " true labels");
        }
        for (int i = 0; i < n; i++) {
            checkClass(predicted[i], "predicted", i);
            checkClass(actual[i], "true", i);
        }
        for (int i = 0; i < n; i++) {
            counts[actual[i] * numClasses + predicted[i]]++;
        }
    }

    /**
     * Counts a batch of scores: the prediction for row i is the arg-max of {@code logits[i, :]} (the first
     * on ties, as {@code numpy.argmax}); {@code targets} holds the true class of each row as a float (shape
     * [N] or [N, 1]), as the cross-entropy loss takes it. Logits or probabilities both work, as arg-max is
     * the same. Allocates nothing.
     *
     * @throws IllegalArgumentException if the shapes disagree, or a target is not a class index
     */
    public void add(Tensor logits, Tensor targets) {
        if (logits.rank() != 2 || logits.dim(1) != numClasses) {
            throw new IllegalArgumentException("ConfusionMatrix.add: logits must be [N, " + numClasses + "], got "
                    + logits.shapeString());
        }
        int n = logits.dim(0);
        if (targets.size() != n || targets.rank() > 2 || (targets.rank() == 2 && targets.dim(1) != 1)) {
            throw new IllegalArgumentException("ConfusionMatrix.add: targets must be [" + n + "] for logits "
                    + logits.shapeString() + ", got " + targets.shapeString());
        }
        MemorySegment l = logits.segment();
        MemorySegment t = targets.segment();
        for (int i = 0; i < n; i++) {
            float y = t.getAtIndex(FLOAT, i);
            int actual = (int) y;
            if (actual != y || actual < 0 || actual >= numClasses) {
                throw new IllegalArgumentException("ConfusionMatrix.add: target " + i + " is " + y
                        + ", not a class index in [0, " + numClasses + ")");
            }
        }
        for (int i = 0; i < n; i++) {
            long row = (long) i * numClasses;
            int best = 0;
            float max = l.getAtIndex(FLOAT, row);
            for (int c = 1; c < numClasses; c++) {
                float v = l.getAtIndex(FLOAT, row + c);
                if (v > max) {
                    max = v;
                    best = c;
                }
            }
            counts[(int) t.getAtIndex(FLOAT, i) * numClasses + best]++;
        }
    }

    /** Adds another matrix's counts (e.g. from another evaluation thread) to this one. */
    public void merge(ConfusionMatrix other) {
        if (other.numClasses != numClasses) {
            throw new IllegalArgumentException("ConfusionMatrix.merge: " + numClasses + " classes vs "
                    + other.numClasses);
        }
        for (int i = 0; i < counts.length; i++) {
            counts[i] += other.counts[i];
        }
    }

    /** Clears all counts (start of an evaluation pass). */
    public void reset() {
        Arrays.fill(counts, 0);
    }

    private void checkClass(int c, String what, int index) {
        if (c < 0 || c >= numClasses) {
            throw new IllegalArgumentException("ConfusionMatrix.add: " + what + " class at " + index + " is " + c
                    + ", outside [0, " + numClasses + ")");
        }
    }

    // ---------------------------------------------------------------- counts

    /** Samples of true class {@code actual} predicted as {@code predicted}. */
    public long count(int actual, int predicted) {
        checkClass(actual, "true", 0);
        checkClass(predicted, "predicted", 0);
        return counts[actual * numClasses + predicted];
    }

    /** A copy of the counts, {@code [true][predicted]}. */
    public long[][] toArray() {
        long[][] out = new long[numClasses][];
        for (int r = 0; r < numClasses; r++) {
            out[r] = Arrays.copyOfRange(counts, r * numClasses, (r + 1) * numClasses);
        }
        return out;
    }

    /** All samples counted. */
    public long total() {
        long s = 0;
        for (long c : counts) {
            s += c;
        }
        return s;
    }

    /** Samples whose true class is {@code c}. */
    public long support(int c) {
        long s = 0;
        for (int p = 0; p < numClasses; p++) {
            s += counts[c * numClasses + p];
        }
        return s;
    }

    /** Samples predicted as class {@code c}. */
    public long predictedCount(int c) {
        long s = 0;
        for (int a = 0; a < numClasses; a++) {
            s += counts[a * numClasses + c];
        }
        return s;
    }

    private long truePositives(int c) {
        return counts[c * numClasses + c];
    }

    // ---------------------------------------------------------------- metrics

    /** Fraction of samples on the diagonal; 0 when nothing was counted. */
    public double accuracy() {
        long total = total();
        if (total == 0) {
            return 0;
        }
        long correct = 0;
        for (int c = 0; c < numClasses; c++) {
            correct += truePositives(c);
        }
        return (double) correct / total;
    }

    /** tp / (tp + fp) for class {@code c}; 0 when the class was never predicted. */
    public double precision(int c) {
        checkClass(c, "queried", 0);
        return ratio(truePositives(c), predictedCount(c));
    }

    /** tp / (tp + fn) for class {@code c}; 0 when the class never occurs. */
    public double recall(int c) {
        checkClass(c, "queried", 0);
        return ratio(truePositives(c), support(c));
    }

    /** Harmonic mean of precision and recall, 2tp / (2tp + fp + fn); 0 when that is 0/0. */
    public double f1(int c) {
        checkClass(c, "queried", 0);
        long tp = truePositives(c);
        return ratio(2 * tp, support(c) + predictedCount(c));
    }

    private static double ratio(long num, long den) {
        return den == 0 ? 0 : (double) num / den;
    }

    /** Unweighted mean of per-class precision, recall and F1 over all classes. */
    public Average macroAverage() {
        double p = 0, r = 0, f = 0;
        for (int c = 0; c < numClasses; c++) {
            p += precision(c);
            r += recall(c);
            f += f1(c);
        }
        return new Average(p / numClasses, r / numClasses, f / numClasses, total());
    }

    /** Mean of per-class precision, recall and F1 weighted by support; 0 when nothing was counted. */
    public Average weightedAverage() {
        long total = total();
        if (total == 0) {
            return new Average(0, 0, 0, 0);
        }
        double p = 0, r = 0, f = 0;
        for (int c = 0; c < numClasses; c++) {
            long s = support(c);
            p += precision(c) * s;
            r += recall(c) * s;
            f += f1(c) * s;
        }
        return new Average(p / total, r / total, f / total, total);
    }

    /** An averaged row of the report: precision, recall, F1 and the total support they cover. */
    public record Average(double precision, double recall, double f1, long support) {
    }

    /**
     * The headline numbers under names for {@link History}: {@code prefix + "acc"},
     * {@code prefix + "macro_f1"} and {@code prefix + "weighted_f1"} (e.g. prefix {@code "val_"}).
     */
    public Map<String, Double> metrics(String prefix) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put(prefix + "acc", accuracy());
        m.put(prefix + "macro_f1", macroAverage().f1());
        m.put(prefix + "weighted_f1", weightedAverage().f1());
        return m;
    }

    // ---------------------------------------------------------------- text

    /** {@link #report(int)} with 4 digits. */
    public String report() {
        return report(4);
    }

    /**
     * A table laid out as {@code sklearn.metrics.classification_report(..., digits=digits)}: per-class
     * precision, recall, F1 and support, then accuracy, macro and weighted averages.
     */
    public String report(int digits) {
        if (digits < 0 || digits > 15) {
            throw new IllegalArgumentException("ConfusionMatrix.report: digits must be in [0, 15], got " + digits);
        }
        String heading = "weighted avg";
        int width = Math.max(heading.length(), digits);
        for (String name : classNames) {
            width = Math.max(width, name.length());
        }
        String num = "%9." + digits + "f";
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%" + width + "s  %9s %9s %9s %9s\n\n", "",
                "precision", "recall", "f1-score", "support"));
        String row = "%" + width + "s  " + num + " " + num + " " + num + " %9d\n";
        for (int c = 0; c < numClasses; c++) {
            sb.append(String.format(Locale.ROOT, row, classNames.get(c), precision(c), recall(c), f1(c), support(c)));
        }
        sb.append('\n');
        long total = total();
        sb.append(String.format(Locale.ROOT, "%" + width + "s  %9s %9s " + num + " %9d\n", "accuracy", "", "",
                accuracy(), total));
        Average macro = macroAverage();
        Average weighted = weightedAverage();
        sb.append(String.format(Locale.ROOT, row, "macro avg", macro.precision(), macro.recall(), macro.f1(), total));
        sb.append(String.format(Locale.ROOT, row, heading, weighted.precision(), weighted.recall(), weighted.f1(), total));
        return sb.toString();
    }

    /** The counts as a table with class names, true classes down the side and predictions across the top. */
    public String matrixString() {
        int nameWidth = "true \\ predicted".length();
        int cell = 1;
        for (String name : classNames) {
            nameWidth = Math.max(nameWidth, name.length());
            cell = Math.max(cell, name.length());
        }
        for (long c : counts) {
            cell = Math.max(cell, Long.toString(c).length());
        }
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-" + nameWidth + "s", "true \\ predicted"));
        for (String name : classNames) {
            sb.append("  ").append(String.format(Locale.ROOT, "%" + cell + "s", name));
        }
        sb.append('\n');
        for (int a = 0; a < numClasses; a++) {
            sb.append(String.format(Locale.ROOT, "%" + nameWidth + "s", classNames.get(a)));
            for (int p = 0; p < numClasses; p++) {
                sb.append("  ").append(String.format(Locale.ROOT, "%" + cell + "d", counts[a * numClasses + p]));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return "ConfusionMatrix(" + numClasses + " classes, " + total() + " samples, accuracy "
                + String.format(Locale.ROOT, "%.4f", accuracy()) + ")";
    }
}
