package dev.isthmus.nn;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A model summary like torchsummary's: one row per layer (its state_dict name, description, output shape
 * with {@code -1} for the batch, parameter count), the totals, and the course's memory estimate, all
 * computed from {@link Layer#outputShape} without running the model.
 *
 * <p>Layers of (nested) {@link Sequential}s get a row each; any other module is one row. The memory
 * estimate counts float32 values: parameters plus batch times the activations of one sample (the input and
 * every layer's output, as if each were stored), doubled for training (a gradient for each). It leaves out
 * optimizer state (e.g. Adam's two moments per parameter) and the buffers layers reuse or skip (views,
 * fused activations), so it is the course's rule of thumb, not a measurement. MB are 2^20 bytes.
 */
public final class Summary {

    /** One layer: its state_dict name ({@code "0"}, {@code "2.1"}), description, output shape (batch as -1), parameters. */
    public record Row(String name, String layer, int[] outputShape, long params) {
        public Row {
            outputShape = outputShape.clone();
        }

        @Override
        public int[] outputShape() {
            return outputShape.clone();
        }
    }

    private static final double MB = 1024.0 * 1024.0;

    private final List<Row> rows;
    private final int[] inputShape;
    private final int batch;
    private final long totalParams;
    private final long activations;

    private Summary(List<Row> rows, int[] inputShape, int batch, long totalParams, long activations) {
        this.rows = List.copyOf(rows);
        this.inputShape = inputShape;
        this.batch = batch;
        this.totalParams = totalParams;
        this.activations = activations;
    }

    /** The summary for inputs of shape {@code [N, sampleShape...]}, memory estimated for a batch of 1. */
    public static Summary of(Layer model, int... sampleShape) {
        return of(model, sampleShape, 1);
    }

    /**
     * The summary for inputs of shape {@code [N, sampleShape...]}, memory estimated for {@code batch} samples.
     *
     * @throws IllegalArgumentException naming the layer if the shapes do not fit (from its {@code outputShape})
     */
    public static Summary of(Layer model, int[] sampleShape, int batch) {
        if (batch < 1) {
            throw new IllegalArgumentException("Summary: batch must be >= 1, got " + batch);
        }
        int[] in = new int[sampleShape.length + 1];
        in[0] = 1;
        System.arraycopy(sampleShape, 0, in, 1, sampleShape.length);
        List<Row> rows = new ArrayList<>();
        long[] acts = {numel(in)};
        walk(model, "", in, rows, acts);
        return new Summary(rows, batchless(in), batch, model.parameterCount(), acts[0]);
    }

    private static int[] walk(Layer m, String name, int[] in, List<Row> rows, long[] acts) {
        if (m instanceof Sequential seq) {
            int[] s = in;
            for (int i = 0; i < seq.size(); i++) {
                s = walk(seq.get(i), name.isEmpty() ? Integer.toString(i) : name + "." + i, s, rows, acts);
            }
            return s;
        }
        int[] out = m.outputShape(in);
        acts[0] += numel(out);
        rows.add(new Row(name.isEmpty() ? "0" : name, m.describe(), batchless(out), m.parameterCount()));
        return out;
    }

    private static int[] batchless(int[] s) {
        int[] out = s.clone();
        if (out.length > 0) {
            out[0] = -1;
        }
        return out;
    }

    private static long numel(int[] s) {
        long n = 1;
        for (int d : s) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    public List<Row> rows() {
        return rows;
    }

    /** Learnable scalars in the model. */
    public long totalParams() {
        return totalParams;
    }

    /**
     * Scalars an optimizer updates: every parameter, since Isthmus has no frozen parameters (buffers such as
     * running statistics are not parameters).
     */
    public long trainableParams() {
        return totalParams;
    }

    /** Values of one sample's input and every layer's output. */
    public long activationsPerSample() {
        return activations;
    }

    public int batch() {
        return batch;
    }

    /** float32 megabytes of the parameters. */
    public double paramsMB() {
        return totalParams * (double) Float.BYTES / MB;
    }

    /** float32 megabytes of a batch's activations. */
    public double activationsMB() {
        return (double) batch * activations * Float.BYTES / MB;
    }

    /** The course's estimate: {@code (params + batch * activations) * 4 bytes}, doubled when {@code training}. */
    public double memoryMB(boolean training) {
        return (paramsMB() + activationsMB()) * (training ? 2 : 1);
    }

    @Override
    public String toString() {
        String[] head = {"Layer", "Type", "Output Shape", "Param #"};
        List<String[]> cells = new ArrayList<>();
        for (Row r : rows) {
            cells.add(new String[]{r.name(), r.layer(), Arrays.toString(r.outputShape), String.format(Locale.ROOT, "%,d", r.params())});
        }
        int[] w = new int[head.length];
        for (int i = 0; i < w.length; i++) {
            w[i] = head[i].length();
            for (String[] c : cells) {
                w[i] = Math.max(w[i], c[i].length());
            }
        }
        String fmt = "%-" + w[0] + "s  %-" + w[1] + "s  %-" + w[2] + "s  %" + w[3] + "s%n";
        int width = w[0] + w[1] + w[2] + w[3] + 6;
        StringBuilder sb = new StringBuilder();
        sb.append("-".repeat(width)).append('\n');
        sb.append(String.format(Locale.ROOT, fmt, (Object[]) head));
        sb.append("=".repeat(width)).append('\n');
        for (String[] c : cells) {
            sb.append(String.format(Locale.ROOT, fmt, (Object[]) c));
        }
        sb.append("=".repeat(width)).append('\n');
        sb.append(String.format(Locale.ROOT, "Total params: %,d%n", totalParams));
        sb.append(String.format(Locale.ROOT, "Trainable params: %,d%n", trainableParams()));
        sb.append(String.format(Locale.ROOT, "Non-trainable params: %,d%n", totalParams - trainableParams()));
        sb.append("-".repeat(width)).append('\n');
        sb.append(String.format(Locale.ROOT, "Input shape: %s%n", Arrays.toString(inputShape)));
        sb.append(String.format(Locale.ROOT, "Params size (MB): %.2f%n", paramsMB()));
        sb.append(String.format(Locale.ROOT, "Activations, batch %d (MB): %.2f%n", batch, activationsMB()));
        sb.append(String.format(Locale.ROOT, "Estimated total, inference (MB): %.2f%n", memoryMB(false)));
        sb.append(String.format(Locale.ROOT, "Estimated total, training x2 (MB): %.2f%n", memoryMB(true)));
        sb.append("-".repeat(width)).append('\n');
        return sb.toString();
    }
}
