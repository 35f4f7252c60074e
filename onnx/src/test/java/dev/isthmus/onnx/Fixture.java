package dev.isthmus.onnx;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.isthmus.nn.Layer;
import dev.isthmus.tensor.Tensor;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One fixture written by {@code src/test/python/gen_onnx.py}: the ONNX file PyTorch exported, the input it
 * was run on and PyTorch's output.
 */
record Fixture(String name, Path onnx, int[] sampleShape, int batch, float[] input, float[] output) {
    private static final ObjectMapper JSON = new ObjectMapper();

    static Fixture load(String name) throws IOException {
        return load(name, resource(name + ".onnx"), resource(name + ".json"));
    }

    static Fixture load(String name, Path onnx, Path json) throws IOException {
        JsonNode j = JSON.readTree(Files.readString(json));
        return new Fixture(name, onnx, JSON.treeToValue(j.get("input_shape"), int[].class), j.get("batch").asInt(),
                JSON.treeToValue(j.get("input"), float[].class), JSON.treeToValue(j.get("output"), float[].class));
    }

    static Path resource(String file) {
        try {
            var url = Fixture.class.getResource("/dev/isthmus/onnx/" + file);
            if (url == null) {
                throw new IllegalStateException("missing test resource " + file + " (run src/test/python/gen_onnx.py)");
            }
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    int[] batchShape() {
        int[] s = new int[sampleShape.length + 1];
        s[0] = batch;
        System.arraycopy(sampleShape, 0, s, 1, sampleShape.length);
        return s;
    }

    /** The model's output on this fixture's input, as an array. */
    float[] run(Layer model) {
        try (Tensor x = Tensor.of(input, batchShape())) {
            return model.forward(x).toArray();
        }
    }

    /** Largest |got - want| over the largest |want|: the error relative to the output's scale. */
    static double relativeError(float[] got, float[] want) {
        assertEquals(want.length, got.length, "output size");
        double maxDiff = 0, scale = 0;
        for (int i = 0; i < want.length; i++) {
            assertTrue(Float.isFinite(got[i]), "output " + i + " is " + got[i]);
            maxDiff = Math.max(maxDiff, Math.abs((double) got[i] - want[i]));
            scale = Math.max(scale, Math.abs(want[i]));
        }
        return maxDiff / Math.max(scale, 1e-30);
    }
}
