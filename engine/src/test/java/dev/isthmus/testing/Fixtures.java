package dev.isthmus.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.isthmus.tensor.Tensor;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Reads the PyTorch fixtures that {@code engine/src/test/python/fixtures/*.py} generate into
 * {@code src/test/resources/fixtures/}: a JSON object of named tensors
 * ({@code {"x": {"shape": [2, 3], "data": [...]}, ...}}) plus scalars and settings, and compares tensors
 * with a relative tolerance.
 */
public final class Fixtures {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String name;
    private final JsonNode root;

    private Fixtures(String name, JsonNode root) {
        this.name = name;
        this.root = root;
    }

    /** Loads {@code fixtures/<path>} from the test class path. */
    public static Fixtures load(String path) {
        try (InputStream in = Fixtures.class.getResourceAsStream("/fixtures/" + path)) {
            if (in == null) {
                throw new IllegalStateException("missing fixture fixtures/" + path + " (run engine/src/test/python/fixtures/make_all.sh)");
            }
            return new Fixtures(path, JSON.readTree(in));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public boolean has(String key) {
        return root.has(key);
    }

    public JsonNode node(String key) {
        JsonNode n = root.get(key);
        if (n == null) {
            throw new IllegalArgumentException(name + ": no entry '" + key + "'");
        }
        return n;
    }

    public double scalar(String key) {
        return node(key).asDouble();
    }

    public int[] shape(String key) {
        JsonNode s = node(key).get("shape");
        int[] out = new int[s.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = s.get(i).asInt();
        }
        return out;
    }

    public float[] data(String key) {
        JsonNode d = node(key).get("data");
        float[] out = new float[d.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) d.get(i).asDouble();
        }
        return out;
    }

    /** A new tensor (owning its memory) holding the fixture's values. */
    public Tensor tensor(String key) {
        return Tensor.of(data(key), shape(key));
    }

    /** Asserts {@code actual} has the fixture's shape and values within {@code rtol} (relative to max(1e-3, |expected|)). */
    public void assertClose(String key, Tensor actual, double rtol) {
        if (!actual.hasShape(shape(key))) {
            fail(name + ": " + key + " has shape " + actual.shapeString() + ", PyTorch " + Arrays.toString(shape(key)));
        }
        assertClose(key, actual.toArray(), rtol);
    }

    public void assertClose(String key, float[] actual, double rtol) {
        float[] expected = data(key);
        if (expected.length != actual.length) {
            fail(name + ": " + key + " has " + actual.length + " values, PyTorch " + expected.length);
        }
        double scale = 0;
        for (float e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        for (int i = 0; i < expected.length; i++) {
            double tol = rtol * Math.max(Math.abs(expected[i]), Math.max(1e-3, 1e-2 * scale));
            if (Math.abs(actual[i] - expected[i]) > tol) {
                fail(name + ": " + key + "[" + i + "] = " + actual[i] + ", PyTorch " + expected[i] + " (rtol " + rtol + ")");
            }
        }
    }
}
