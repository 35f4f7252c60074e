package dev.isthmus.spark;

import dev.isthmus.io.SafeTensors;
import dev.isthmus.nn.Layer;
import dev.isthmus.nn.ModelSpec;
import dev.isthmus.nn.Softmax;
import dev.isthmus.tensor.Tensor;
import dev.isthmus.tensor.TensorBuffer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One executor JVM's copy of a model being scored, rebuilt from the Isthmus model file's bytes (architecture
 * and input shape from its metadata) and shared by all the JVM's tasks: class probabilities (softmax of the
 * model's outputs) for a batch of samples. Calls are serialised: the model keeps its activations between
 * layers, so two batches cannot run through one copy at once.
 */
final class BatchScorer {
    private final Layer model;
    private final Softmax softmax = new Softmax();
    private final TensorBuffer input = new TensorBuffer();
    private final int[] inputShape;
    private final int sampleLength;
    private final int classes;
    private boolean retired;

    private BatchScorer(Layer model, int[] inputShape) {
        this.model = model;
        this.inputShape = inputShape.clone();
        this.sampleLength = Math.toIntExact(Tensor.numel(inputShape));
        int[] batch = new int[inputShape.length + 1];
        batch[0] = 1;
        System.arraycopy(inputShape, 0, batch, 1, inputShape.length);
        int[] out = model.outputShape(batch);
        if (out.length != 2) {
            throw new IllegalArgumentException("a classifier's output is [N, classes]; this model gives " + Arrays.toString(out));
        }
        this.classes = out[1];
        model.eval();
    }

    /** The model in an Isthmus model file's bytes ({@code isthmus.architecture}, {@code isthmus.input_shape}). */
    static BatchScorer load(byte[] modelFile, String name) {
        MemorySegment image = MemorySegment.ofArray(modelFile);
        try {
            Map<String, String> meta = SafeTensors.loadInto(image, name, new LinkedHashMap<>(), false).metadata();
            String arch = meta.get(ModelSpec.METADATA_KEY);
            String shape = meta.get(ModelSpec.INPUT_SHAPE_KEY);
            if (arch == null || shape == null) {
                throw new IllegalArgumentException(name + " has no " + ModelSpec.METADATA_KEY + " / " + ModelSpec.INPUT_SHAPE_KEY
                        + " metadata: not an Isthmus model file");
            }
            Layer model = ModelSpec.fromJson(arch);
            SafeTensors.loadInto(image, name, model.stateDict(), true);
            return new BatchScorer(model, ModelFiles.parseShape(shape));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    int[] inputShape() {
        return inputShape.clone();
    }

    int classes() {
        return classes;
    }

    /** Softmax probabilities {@code [n, classes]} of the {@code n} samples in {@code x}, into {@code probs}. */
    synchronized void predict(float[] x, int n, float[] probs) {
        if (retired) {
            throw new IllegalStateException("this scorer was evicted from the executor cache; the task is retried");
        }
        int[] shape = new int[inputShape.length + 1];
        shape[0] = n;
        System.arraycopy(inputShape, 0, shape, 1, inputShape.length);
        Tensor in = input.get(shape);
        MemorySegment.copy(x, 0, in.segment(), java.lang.foreign.ValueLayout.JAVA_FLOAT, 0, n * sampleLength);
        Tensor p = softmax.forward(model.forward(in));
        MemorySegment.copy(p.segment(), java.lang.foreign.ValueLayout.JAVA_FLOAT, 0, probs, 0, n * classes);
    }

    int sampleLength() {
        return sampleLength;
    }

    /** Frees the model once no task is inside {@link #predict}. */
    synchronized void retire() {
        retired = true;
        model.close();
        softmax.close();
        input.close();
    }
}
