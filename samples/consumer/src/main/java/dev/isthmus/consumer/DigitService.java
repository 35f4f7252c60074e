package dev.isthmus.consumer;

import dev.isthmus.io.SafeTensors;
import dev.isthmus.nn.Layer;
import dev.isthmus.nn.ModelSpec;
import dev.isthmus.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Path;

/**
 * What an application embedding Isthmus writes: load a model file once, answer "which digit is this?" for
 * 28x28 images. Uses a {@link Layer} in eval mode from one thread at a time (calls are serialised), until
 * the thread-safe {@code dev.isthmus.infer.Predictor} is available.
 */
public final class DigitService implements AutoCloseable {

    /** One MNIST image: 1 channel, 28 x 28 pixels. */
    public static final int PIXELS = 28 * 28;

    private final Layer model;
    private final Tensor input = Tensor.zeros(1, 1, 28, 28);

    /** Reads a model file written by Isthmus (safetensors with the architecture in its metadata). */
    public DigitService(Path modelFile) throws IOException {
        String spec = SafeTensors.readHeader(modelFile).metadata().get(ModelSpec.METADATA_KEY);
        if (spec == null) {
            throw new IOException(modelFile + ": no '" + ModelSpec.METADATA_KEY + "' metadata; expected a model file written by Isthmus");
        }
        this.model = ModelSpec.fromJson(spec);
        SafeTensors.loadInto(modelFile, model.stateDict());
        model.eval();
    }

    /** The most likely digit of one image (784 floats, row by row). */
    public synchronized int classify(float[] image) {
        if (image.length != PIXELS) {
            throw new IllegalArgumentException("expected one 28x28 image (" + PIXELS + " floats), got " + image.length);
        }
        input.copyFrom(image);
        Tensor logits = model.forward(input);
        int best = 0;
        for (int c = 1; c < logits.size(); c++) {
            if (logits.getFlat(c) > logits.getFlat(best)) {
                best = c;
            }
        }
        return best;
    }

    @Override
    public synchronized void close() {
        model.close();
        input.close();
    }
}
