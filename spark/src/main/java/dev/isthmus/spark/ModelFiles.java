package dev.isthmus.spark;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.isthmus.nn.Layer;
import dev.isthmus.nn.ModelSpec;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The metadata of a normal Isthmus model file, the keys {@code isthmus train} writes: {@code format},
 * {@code isthmus.model}, {@code isthmus.architecture} ({@link ModelSpec#toJson}), {@code isthmus.input_shape},
 * {@code isthmus.task}, and optionally {@code isthmus.class_names} and {@code isthmus.data}; so
 * {@code isthmus eval}/{@code predict} and {@code Predictor.load} read what Spark trained.
 */
final class ModelFiles {
    static final String MODEL = "isthmus.model";
    static final String TASK = "isthmus.task";
    static final String CLASS_NAMES = "isthmus.class_names";
    static final String DATA = "isthmus.data";

    private static final ObjectMapper JSON = new ObjectMapper();

    private ModelFiles() {
    }

    static Map<String, String> metadata(String modelName, Layer model, int[] inputShape, List<String> classNames, String data) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("format", "pt");
        m.put(MODEL, modelName);
        m.put(ModelSpec.METADATA_KEY, ModelSpec.toJson(model));
        m.put(ModelSpec.INPUT_SHAPE_KEY, json(inputShape));
        m.put(TASK, "classification");
        if (classNames != null) {
            m.put(CLASS_NAMES, json(classNames));
        }
        if (data != null) {
            m.put(DATA, data);
        }
        return m;
    }

    static int[] parseShape(String json) {
        try {
            int[] s = JSON.readValue(json, int[].class);
            if (s.length == 0 || Arrays.stream(s).anyMatch(d -> d < 1)) {
                throw new IllegalArgumentException(ModelSpec.INPUT_SHAPE_KEY + " must list positive dimensions, got " + json);
            }
            return s;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("bad " + ModelSpec.INPUT_SHAPE_KEY + " metadata: " + json, e);
        }
    }

    private static String json(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
