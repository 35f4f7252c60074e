package dev.isthmus.consumer;

import dev.isthmus.infer.Classification;
import dev.isthmus.infer.Predictor;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * What an application embedding Isthmus writes: load a model file once, then answer "which digit is this?"
 * for 28x28 images from any number of request threads. The {@link Predictor} does the work: shared
 * read-only weights, one workspace per concurrent call, nothing allocated per call once warm.
 */
public final class DigitService implements AutoCloseable {

    /** One MNIST image: 1 channel, 28 x 28 pixels. */
    public static final int PIXELS = 28 * 28;

    private final Predictor predictor;

    /** Reads a model file written by Isthmus (safetensors with the architecture and input shape in its metadata). */
    public DigitService(Path modelFile) {
        this.predictor = Predictor.load(modelFile);
        if (!Arrays.equals(predictor.inputShape(), new int[]{1, 28, 28})) {
            predictor.close();
            throw new IllegalArgumentException(modelFile + ": expected a model of 1x28x28 images, got input shape "
                    + Arrays.toString(predictor.inputShape()));
        }
    }

    /** The most likely digit of one image (784 floats, row by row) and its probability. Thread-safe. */
    public Classification classify(float[] image) {
        if (image.length != PIXELS) {
            throw new IllegalArgumentException("expected one 28x28 image (" + PIXELS + " floats), got " + image.length);
        }
        return predictor.classify(image);
    }

    @Override
    public void close() {
        predictor.close();
    }
}
