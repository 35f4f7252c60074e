package dev.isthmus.spark;

import dev.isthmus.infer.Classification;
import dev.isthmus.infer.Predictor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * One executor JVM's {@link Predictor} for a model being scored, loaded from the Isthmus model file's bytes
 * (broadcast by the driver) and shared by all the JVM's tasks: the Predictor is safe from any number of
 * threads and gives every task's batch the bits a single-machine Predictor gives it.
 */
final class BatchScorer {
    private final Predictor predictor;
    private final int sampleLength;
    private final int classes;

    private BatchScorer(Predictor predictor) {
        this.predictor = predictor;
        this.sampleLength = Math.toIntExact(Arrays.stream(predictor.inputShape()).asLongStream().reduce(1, Math::multiplyExact));
        int[] out = predictor.outputShape();
        if (out.length != 1) {
            throw new IllegalArgumentException("a classifier's output is one row of class scores per sample; this model gives "
                    + Arrays.toString(out));
        }
        this.classes = out[0];
    }

    /** The model in an Isthmus model file's bytes ({@code isthmus.architecture}, {@code isthmus.input_shape}). */
    static BatchScorer load(byte[] modelFile, String name) {
        try {
            // The Predictor reads model files; the copy lives only while it loads (the weights end up off-heap).
            Path tmp = Files.createTempFile("isthmus-" + name.replaceAll("[^A-Za-z0-9-]", "_"), ".safetensors");
            try {
                Files.write(tmp, modelFile);
                return new BatchScorer(Predictor.load(tmp));
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    int classes() {
        return classes;
    }

    int sampleLength() {
        return sampleLength;
    }

    /** The top class and probabilities of the {@code n} samples in {@code x} (exactly {@code n * sampleLength} floats). */
    Classification[] classify(float[] x, int n) {
        return predictor.classify(x, n);
    }

    /** Frees the model once the calls in progress are done. */
    void retire() {
        predictor.close();
    }
}
