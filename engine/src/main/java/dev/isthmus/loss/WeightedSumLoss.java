package dev.isthmus.loss;

import dev.isthmus.tensor.Tensor;
import dev.isthmus.tensor.TensorBuffer;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A weighted sum of losses over column ranges of one model output, for multi-task networks such as the
 * course's joint classification and regression: the model outputs {@code [N, K]}, the target is one
 * {@code [N, T]} tensor holding every task's targets side by side, and each term applies its own loss to
 * its own columns:
 *
 * <pre>{@code
 * // output [N, C + R]: C class logits then R regression values; target [N, 1 + R]: class index then values
 * WeightedSumLoss loss = new WeightedSumLoss(C + R, 1 + R)
 *         .classification(1f, new CrossEntropyLoss(), 0, C, 0)   // output columns [0, C), target column 0
 *         .regression(0.5f, new MSELoss(), C, C + R, 1);         // output columns [C, C+R), target columns [1, 1+R)
 * }</pre>
 *
 * The total is {@code sum_i w_i * loss_i(output[:, cols_i], target[:, tcols_i])}; {@link #termValue(int)}
 * gives each term's last value for logging. Each term keeps its own reduction. Column slices are copied
 * into per-term buffers (reused from step to step) and each term's gradient is added back into its
 * columns of the full gradient, which is zero in columns no term uses. Overlapping ranges are allowed
 * (their gradients add up).
 */
public final class WeightedSumLoss implements Loss {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private final int outputs;
    private final int targets;
    private final List<Term> terms = new ArrayList<>();
    private final TensorBuffer grad = new TensorBuffer();
    private int lastRows = -1;
    private int bufferRows = -1;
    private Tensor gradTensor;

    private static final class Term {
        final float weight;
        final Loss loss;
        final int from, to, targetFrom;
        final boolean classIndex;
        final TensorBuffer in = new TensorBuffer(), tgt = new TensorBuffer();
        float value;
        Tensor x, y;

        Term(float weight, Loss loss, int from, int to, int targetFrom, boolean classIndex) {
            this.weight = weight;
            this.loss = loss;
            this.from = from;
            this.to = to;
            this.targetFrom = targetFrom;
            this.classIndex = classIndex;
        }

        int width() {
            return to - from;
        }

        int targetWidth() {
            return classIndex ? 1 : width();
        }

        String describe() {
            return String.format(Locale.ROOT, "%s * %s on output[:, %d:%d] vs target[:, %s]", weight, loss.describe(), from, to,
                    classIndex ? Integer.toString(targetFrom) : targetFrom + ":" + (targetFrom + width()));
        }
    }

    /**
     * @param outputs K, the model output's columns ({@code [N, K]})
     * @param targets T, the target's columns ({@code [N, T]})
     */
    public WeightedSumLoss(int outputs, int targets) {
        if (outputs < 1 || targets < 1) {
            throw new IllegalArgumentException("WeightedSumLoss: outputs and targets must be >= 1 columns, got " + outputs + " and " + targets);
        }
        this.outputs = outputs;
        this.targets = targets;
    }

    /**
     * Adds {@code weight * loss(output[:, from:to], target[:, targetColumn])} where the target column holds
     * class indices, handed to {@code loss} as an {@code [N]} tensor (e.g. {@link CrossEntropyLoss}).
     */
    public WeightedSumLoss classification(float weight, Loss loss, int from, int to, int targetColumn) {
        return add(new Term(weight, loss, from, to, targetColumn, true));
    }

    /**
     * Adds {@code weight * loss(output[:, from:to], target[:, targetFrom:targetFrom + (to - from)])} for an
     * element-wise loss that takes a target of its input's shape ({@link MSELoss}, {@link L1Loss},
     * {@link BCEWithLogitsLoss}, ...).
     */
    public WeightedSumLoss regression(float weight, Loss loss, int from, int to, int targetFrom) {
        return add(new Term(weight, loss, from, to, targetFrom, false));
    }

    private WeightedSumLoss add(Term t) {
        Objects.requireNonNull(t.loss, "loss");
        if (!Float.isFinite(t.weight)) {
            throw new IllegalArgumentException("WeightedSumLoss: weight of " + t.loss.describe() + " must be finite, got " + t.weight);
        }
        if (t.from < 0 || t.to > outputs || t.from >= t.to) {
            throw new IllegalArgumentException("WeightedSumLoss: output columns [" + t.from + ", " + t.to + ") of "
                    + t.loss.describe() + " are not a non-empty range within the " + outputs + " output columns");
        }
        if (t.targetFrom < 0 || t.targetFrom + t.targetWidth() > targets) {
            throw new IllegalArgumentException("WeightedSumLoss: target columns [" + t.targetFrom + ", " + (t.targetFrom + t.targetWidth())
                    + ") of " + t.loss.describe() + " are not within the " + targets + " target columns");
        }
        terms.add(t);
        return this;
    }

    /** Number of terms. */
    public int terms() {
        return terms.size();
    }

    /** The unweighted value of term {@code i} in the last forward (e.g. to log classification and regression losses apart). */
    public float termValue(int i) {
        return terms.get(i).value;
    }

    @Override
    public float forward(Tensor input, Tensor target) {
        if (terms.isEmpty()) {
            throw new IllegalStateException(describe() + ": add terms before the first forward");
        }
        if (input.rank() != 2 || input.dim(1) != outputs || target.rank() != 2 || target.dim(1) != targets
                || target.dim(0) != input.dim(0)) {
            throw new IllegalArgumentException(describe() + " expects input [N, " + outputs + "] and target [N, " + targets
                    + "], got input " + input.shapeString() + " and target " + target.shapeString());
        }
        int n = input.dim(0);
        double total = 0;
        if (n != bufferRows) {
            for (Term t : terms) {
                t.x = t.in.get(n, t.width());
                t.y = t.classIndex ? t.tgt.get(n) : t.tgt.get(n, t.width());
            }
            gradTensor = grad.get(n, outputs);
            bufferRows = n;
        }
        for (Term t : terms) {
            Tensor x = t.x, y = t.y;
            copyColumns(input.segment(), outputs, t.from, x.segment(), t.width(), n);
            copyColumns(target.segment(), targets, t.targetFrom, y.segment(), t.targetWidth(), n);
            t.value = t.loss.forward(x, y);
            total += (double) t.weight * t.value;
        }
        lastRows = n;
        return (float) total;
    }

    private static void copyColumns(MemorySegment src, int srcCols, int from, MemorySegment dst, int width, int rows) {
        for (int r = 0; r < rows; r++) {
            MemorySegment.copy(src, ((long) r * srcCols + from) * Float.BYTES, dst, (long) r * width * Float.BYTES,
                    (long) width * Float.BYTES);
        }
    }

    @Override
    public Tensor backward(float scale) {
        if (lastRows < 0) {
            throw new IllegalStateException(describe() + ": backward before forward");
        }
        int n = lastRows;
        Tensor g = gradTensor;
        MemorySegment gs = g.segment();
        gs.fill((byte) 0);
        for (Term t : terms) {
            MemorySegment tg = t.loss.backward(scale * t.weight).segment();
            int w = t.width();
            for (int r = 0; r < n; r++) {
                long dst = (long) r * outputs + t.from, src = (long) r * w;
                for (int c = 0; c < w; c++) {
                    gs.setAtIndex(F, dst + c, gs.getAtIndex(F, dst + c) + tg.getAtIndex(F, src + c));
                }
            }
        }
        return g;
    }

    @Override
    public String describe() {
        StringBuilder sb = new StringBuilder("WeightedSumLoss(");
        for (int i = 0; i < terms.size(); i++) {
            sb.append(i == 0 ? "" : " + ").append(terms.get(i).describe());
        }
        return sb.append(')').toString();
    }

    /** Frees this loss's buffers and its terms' losses. */
    @Override
    public void close() {
        grad.close();
        for (Term t : terms) {
            t.in.close();
            t.tgt.close();
            t.loss.close();
        }
    }
}
