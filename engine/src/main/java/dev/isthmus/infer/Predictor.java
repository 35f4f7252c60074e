package dev.isthmus.infer;

import dev.isthmus.nn.Layer;
import dev.isthmus.nn.ModelSpec;
import dev.isthmus.nn.Sequential;
import dev.isthmus.nn.Softmax;
import dev.isthmus.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Serves predictions from one model to any number of threads. The weights are shared and only read; each
 * concurrent call takes a {@link Workspace} of its own (the model's per-call {@link dev.isthmus.nn.LayerState}
 * tree and an input buffer) from a pool, sized on first use per batch size and reused, so every output is
 * bit-identical to the single-threaded result for the same batch, and a steady call allocates nothing
 * ({@link #predict(float[], int, float[])}). The forward passes are inference passes: nothing is kept for
 * backward and dropout is off.
 *
 * <p>Ownership: a Predictor made by {@link #load} owns its model and frees it with the workspaces on
 * {@link #close()}; one made by {@link #of} leaves the model to its owner, who must not train or close it
 * while the Predictor is in use. Outputs returned as arrays or tensors belong to the caller. {@code close()}
 * waits for calls in progress; calls after it throw.
 */
public final class Predictor implements AutoCloseable {
    /** Free workspaces kept for reuse; more concurrent calls than this get one made and freed per call. */
    private static final int POOL_SLOTS = 64;
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private final Layer model;
    private final boolean ownsModel;
    private final int[] inputShape;
    private final int sampleSize;
    private final int[] outputShape;
    private final int outputSize;
    private final boolean softmaxOutput;
    private final Map<String, String> metadata;
    private final WorkspacePool pool;
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile boolean closed;

    private Predictor(Layer model, boolean ownsModel, int[] inputShape, Map<String, String> metadata) {
        this.model = model;
        this.ownsModel = ownsModel;
        this.inputShape = inputShape.clone();
        int[] probe = new int[inputShape.length + 1];
        probe[0] = 1;
        System.arraycopy(inputShape, 0, probe, 1, inputShape.length);
        int[] out = model.outputShape(probe); // throws, naming the layer, if the shape does not fit the model
        this.outputShape = Arrays.copyOfRange(out, 1, out.length);
        this.sampleSize = Math.toIntExact(numel(this.inputShape));
        this.outputSize = Math.toIntExact(numel(this.outputShape));
        this.softmaxOutput = lastLayer(model) instanceof Softmax;
        this.metadata = Map.copyOf(metadata);
        this.pool = new WorkspacePool(POOL_SLOTS, () -> new Workspace(model, this.inputShape));
    }

    // ------------------------------------------------------------------ making one

    /**
     * Reads a model file: an Isthmus safetensors file (weights plus {@value ModelSpec#METADATA_KEY} and
     * {@value ModelSpec#INPUT_SHAPE_KEY} metadata), or any format a {@link ModelFormat} on the class path
     * accepts (e.g. ONNX with the isthmus-onnx module). The Predictor owns the model.
     */
    public static Predictor load(Path modelFile) {
        return adopt(ModelFiles.read(modelFile));
    }

    /**
     * Reads a weights file with no Isthmus metadata (e.g. a PyTorch {@code state_dict} saved as safetensors)
     * into a model built from {@code spec}, strictly: every tensor in the file must be a parameter of the
     * model and every parameter must be in the file, with the same shape, else the error names the first
     * mismatching key and both shapes. The spec must give the input shape unless the model starts with a
     * Linear layer. The Predictor owns the model.
     */
    public static Predictor load(Path weights, ModelSpec spec) {
        return adopt(ModelFiles.read(weights, spec));
    }

    private static Predictor adopt(LoadedModel m) {
        try {
            m.model().eval();
            return new Predictor(m.model(), true, m.inputShape(), m.metadata());
        } catch (RuntimeException | Error e) {
            m.model().close();
            throw e;
        }
    }

    /**
     * Wraps a model in memory, leaving it to its owner; the input shape comes from its first layer, which
     * must then be a Linear (otherwise use {@link #of(Layer, int...)}).
     */
    public static Predictor of(Layer model) {
        return new Predictor(model, false, ModelFiles.inferInputShape(model), Map.of());
    }

    /** Wraps a model in memory for inputs of one sample's {@code inputShape} (e.g. {@code 1, 28, 28}). */
    public static Predictor of(Layer model, int... inputShape) {
        if (inputShape.length == 0) {
            return of(model);
        }
        return new Predictor(model, false, inputShape, Map.of());
    }

    // ------------------------------------------------------------------ predicting

    /** One sample's input shape, without the batch dimension (e.g. {@code [1, 28, 28]} or {@code [784]}). */
    public int[] inputShape() {
        return inputShape.clone();
    }

    /** One sample's output shape, without the batch dimension (e.g. {@code [10]}). */
    public int[] outputShape() {
        return outputShape.clone();
    }

    /** The model file's metadata (empty for {@link #of}). */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** The outputs {@code [batch, ...]} for {@code batch} samples laid out one after another in {@code input}. */
    public float[] predict(float[] input, int batch) {
        checkBatch(batch);
        float[] out = new float[Math.multiplyExact(batch, outputSize)];
        predict(input, batch, out);
        return out;
    }

    /**
     * Writes the outputs {@code [batch, ...]} into {@code out} (at least {@code batch * outputSize} long);
     * allocates nothing once the calling pattern is warm.
     */
    public void predict(float[] input, int batch, float[] out) {
        checkBatch(batch);
        long need = (long) batch * sampleSize;
        if (input.length != need) {
            throw new IllegalArgumentException("Predictor expects input " + shapeOf(batch, inputShape) + " (" + need
                    + " floats), got " + input.length + " floats" + asSamples(input.length));
        }
        long outNeed = (long) batch * outputSize;
        if (out.length < outNeed) {
            throw new IllegalArgumentException("Predictor writes output " + shapeOf(batch, outputShape) + " (" + outNeed
                    + " floats), but the output array holds " + out.length);
        }
        enter();
        Workspace ws = pool.take();
        try {
            Tensor x = ws.input(batch);
            MemorySegment.copy(input, 0, x.segment(), F, 0, input.length);
            Tensor y = model.forward(x, ws.state, false);
            MemorySegment.copy(y.segment(), F, 0, out, 0, (int) outNeed);
        } finally {
            pool.give(ws);
            exit();
        }
    }

    /** The outputs for a batch {@code [N, ...inputShape]}, in a new tensor the caller owns. */
    public Tensor predict(Tensor input) {
        if (input.rank() != inputShape.length + 1 || !sameSample(input)) {
            throw new IllegalArgumentException("Predictor expects input [N, " + join(inputShape) + "], got "
                    + input.shapeString());
        }
        int batch = input.dim(0);
        checkBatch(batch);
        enter();
        Workspace ws = pool.take();
        try {
            Tensor y = model.forward(input, ws.state, false);
            Tensor copy = Tensor.zeros(y.shape());
            MemorySegment.copy(y.segment(), 0, copy.segment(), 0, y.segment().byteSize());
            return copy;
        } finally {
            pool.give(ws);
            exit();
        }
    }

    /** The most probable class of one sample and the probabilities of all (softmax of the outputs, unless the model ends with one). */
    public Classification classify(float[] oneSample) {
        return Classification.of(predict(oneSample, 1), softmaxOutput);
    }

    /**
     * {@link #classify} for {@code batch} samples laid out one after another, in one forward pass (what batch
     * scoring wants); each answer has the bits {@code classify} gives for that sample alone at the same batch.
     */
    public Classification[] classify(float[] samples, int batch) {
        float[] out = predict(samples, batch);
        Classification[] answers = new Classification[batch];
        for (int i = 0; i < batch; i++) {
            answers[i] = Classification.of(Arrays.copyOfRange(out, i * outputSize, (i + 1) * outputSize), softmaxOutput);
        }
        return answers;
    }

    /** Waits for the calls in progress, then frees every workspace (and the model, if this Predictor owns it). */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        while (inFlight.get() > 0) {
            LockSupport.parkNanos(100_000);
        }
        pool.close();
        if (ownsModel) {
            model.close();
        }
    }

    /** Workspaces made so far and not freed (tests). */
    int workspaces() {
        return pool.size();
    }

    // ------------------------------------------------------------------ helpers

    private void enter() {
        inFlight.incrementAndGet();
        if (closed) {
            inFlight.decrementAndGet();
            throw new IllegalStateException("Predictor is closed");
        }
    }

    private void exit() {
        inFlight.decrementAndGet();
    }

    private static void checkBatch(int batch) {
        if (batch < 1) {
            throw new IllegalArgumentException("Predictor: batch must be >= 1, got " + batch);
        }
    }

    private boolean sameSample(Tensor t) {
        for (int i = 0; i < inputShape.length; i++) {
            if (t.dim(i + 1) != inputShape[i]) {
                return false;
            }
        }
        return true;
    }

    private String asSamples(int length) {
        return length % sampleSize == 0 && length > 0 ? " (" + shapeOf(length / sampleSize, inputShape) + ")" : "";
    }

    private static String shapeOf(int batch, int[] sample) {
        return "[" + batch + ", " + join(sample) + "]";
    }

    private static String join(int[] s) {
        String a = Arrays.toString(s);
        return a.substring(1, a.length() - 1);
    }

    private static long numel(int[] s) {
        long n = 1;
        for (int d : s) {
            n *= d;
        }
        return n;
    }

    private static Layer lastLayer(Layer model) {
        Layer m = model;
        while (m instanceof Sequential s) {
            m = s.get(s.size() - 1);
        }
        return m;
    }
}
