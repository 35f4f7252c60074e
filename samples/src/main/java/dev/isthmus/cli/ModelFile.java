package dev.isthmus.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.isthmus.data.MinMaxScaler;
import dev.isthmus.data.StandardScaler;
import dev.isthmus.io.SafeTensors;
import dev.isthmus.nn.Layer;
import dev.isthmus.nn.ModelLoader;
import dev.isthmus.nn.ModelSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A self-describing model file: the weights under their PyTorch state_dict names, and in {@code __metadata__}
 * the architecture ({@link ModelSpec}), the input shape, the task, the class names, the data it was trained
 * on, the pixel scaler when the images were standardised and, for the calculator, its scalers and generator
 * settings. The training checkpoint carries the same metadata, so {@code eval} and {@code predict} accept either file.
 */
final class ModelFile {
    static final String MODEL = "isthmus.model";
    static final String TASK = "isthmus.task";
    static final String CLASS_NAMES = "isthmus.class_names";
    static final String DATA = "isthmus.data";
    static final String X_SCALER = "isthmus.scaler.x";
    static final String Y_SCALER = "isthmus.scaler.y";
    /** {@code [mean, std]} of a one-feature {@link StandardScaler} applied to every pixel; absent: pixels in [0, 1]. */
    static final String PIXEL_SCALER = "isthmus.scaler.pixels";
    static final String CALCULATOR = "isthmus.calculator";

    private static final ObjectMapper JSON = new ObjectMapper();

    private ModelFile() {
    }

    /** The metadata describing a model trained by the CLI. */
    static Map<String, String> metadata(ModelKind kind, Layer model, int[] inputShape, List<String> classNames, String data,
                                        StandardScaler pixels, CalculatorData calc) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("format", "pt");
        m.put(MODEL, kind.cliName);
        m.put(ModelSpec.METADATA_KEY, ModelSpec.toJson(model));
        m.put(ModelSpec.INPUT_SHAPE_KEY, json(inputShape));
        m.put(TASK, calc != null ? "regression" : "classification");
        if (classNames != null) {
            m.put(CLASS_NAMES, json(classNames));
        }
        if (data != null) {
            m.put(DATA, data);
        }
        if (pixels != null) {
            m.put(PIXEL_SCALER, json(pixels.parameters()));
        }
        if (calc != null) {
            m.put(X_SCALER, json(calc.xScaler.parameters()));
            m.put(Y_SCALER, json(calc.yScaler.parameters()));
            m.put(CALCULATOR, calc.config.toJson());
        }
        return m;
    }

    static void save(Path file, Layer model, Map<String, String> metadata) throws IOException {
        SafeTensors.save(file, model.stateDict(), metadata);
    }

    /** A model rebuilt from a file's metadata with its weights loaded, and that metadata. */
    record Loaded(Layer model, Map<String, String> metadata) implements AutoCloseable {
        String task() {
            return metadata.getOrDefault(TASK, "classification");
        }

        boolean regression() {
            return task().equals("regression");
        }

        int[] inputShape() {
            return read(metadata.get(ModelSpec.INPUT_SHAPE_KEY), int[].class, ModelSpec.INPUT_SHAPE_KEY);
        }

        List<String> classNames() {
            String s = metadata.get(CLASS_NAMES);
            return s == null ? null : List.of(read(s, String[].class, CLASS_NAMES));
        }

        MinMaxScaler scaler(String key) {
            String s = metadata.get(key);
            if (s == null) {
                throw new CliException("the model file has no " + key + " (needed to scale calculator inputs)");
            }
            return MinMaxScaler.fromParameters(read(s, float[].class, key));
        }

        /** The scaler the images were standardised with in training, or null (pixels in [0, 1]). */
        StandardScaler pixelScaler() {
            String s = metadata.get(PIXEL_SCALER);
            if (s == null) {
                return null;
            }
            float[] p = read(s, float[].class, PIXEL_SCALER);
            if (p.length != 2) {
                throw new CliException("bad metadata " + PIXEL_SCALER + " in the model file: expected [mean, std], got "
                        + p.length + " values");
            }
            try {
                return StandardScaler.fromParameters(p);
            } catch (IllegalArgumentException e) {
                throw new CliException("bad metadata " + PIXEL_SCALER + " in the model file: " + e.getMessage(), e);
            }
        }

        @Override
        public void close() {
            model.close();
        }
    }

    /**
     * Loads strictly through {@link ModelLoader}: the architecture is planned and its shapes compared with the
     * file's tensors before anything is allocated, and every tensor must belong to it.
     */
    static Loaded load(Path file) throws IOException {
        if (Files.isDirectory(file)) {
            throw new CliException(file + " is a directory, not a model file (give the model.safetensors inside it)");
        }
        if (!Files.exists(file)) {
            throw new CliException("model file not found: " + file);
        }
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new CliException(file + " is not a readable regular file");
        }
        Map<String, String> meta = SafeTensors.readHeader(file).metadata();
        if (meta.get(ModelSpec.METADATA_KEY) == null || !meta.containsKey(ModelSpec.INPUT_SHAPE_KEY)) {
            throw new CliException(file + " has no architecture metadata (" + ModelSpec.METADATA_KEY + ", "
                    + ModelSpec.INPUT_SHAPE_KEY + "); it was not written by 'isthmus train'");
        }
        ModelLoader.Loaded l = ModelLoader.load(file);
        return new Loaded(l.model(), l.metadata());
    }

    static String json(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static <T> T read(String s, Class<T> type, String key) {
        try {
            return JSON.readValue(s, type);
        } catch (IOException e) {
            throw new CliException("bad metadata " + key + " in the model file: " + e.getMessage(), e);
        }
    }
}
