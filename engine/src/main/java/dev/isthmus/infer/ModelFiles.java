package dev.isthmus.infer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.isthmus.io.SafeTensors;
import dev.isthmus.nn.Layer;
import dev.isthmus.nn.Linear;
import dev.isthmus.nn.ModelLoader;
import dev.isthmus.nn.ModelSpec;
import dev.isthmus.nn.Sequential;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * How {@link Predictor#load} turns files into models: an Isthmus safetensors file rebuilds its architecture
 * from its metadata, a bare weights file takes a {@link ModelSpec}, both matched strictly
 * ({@link StrictWeights}); any other file goes to the {@link ModelFormat}s on the class path.
 */
final class ModelFiles {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ModelFiles() {
    }

    static LoadedModel read(Path file) {
        requireFile(file, "model file");
        try {
            if (isSafeTensors(file)) {
                Map<String, String> meta = SafeTensors.readHeader(file).metadata();
                String arch = meta.get(ModelSpec.METADATA_KEY);
                String shape = meta.get(ModelSpec.INPUT_SHAPE_KEY);
                if (arch == null || shape == null) {
                    throw new IllegalArgumentException(ModelLoader.isCheckpoint(meta)
                            ? file + " is a training checkpoint written without the model's architecture: load it with "
                            + "Predictor.load(file, ModelSpec.of(model, inputShape)), or train with Trainer.builder(...)"
                            + ".architecture(metadata with " + ModelSpec.METADATA_KEY + " and " + ModelSpec.INPUT_SHAPE_KEY
                            + ") so its checkpoints load alone"
                            : file + " has no Isthmus architecture metadata (" + ModelSpec.METADATA_KEY + ", "
                            + ModelSpec.INPUT_SHAPE_KEY + "); for a PyTorch state_dict use Predictor.load(weights, ModelSpec)");
                }
                return read(file, ModelSpec.parse(arch).withInputShape(parseShape(shape, file)), meta);
            }
            for (ModelFormat format : ServiceLoader.load(ModelFormat.class)) {
                if (format.accepts(file)) {
                    return format.read(file);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        }
        throw new IllegalArgumentException(file + " is not a safetensors model file, and no ModelFormat on the "
                + "class path reads it (for .onnx files add the isthmus-onnx module)");
    }

    static LoadedModel read(Path weights, ModelSpec spec) {
        requireFile(weights, "weights file");
        try {
            return read(weights, spec, SafeTensors.readHeader(weights).metadata());
        } catch (IOException e) {
            throw new UncheckedIOException(weights + ": " + e.getMessage(), e);
        }
    }

    private static LoadedModel read(Path weights, ModelSpec spec, Map<String, String> meta) throws IOException {
        // The planned shapes are compared with the file before the network is built (and allocated).
        StrictWeights.check(weights, spec.plan().parameterShapes());
        Layer model = spec.build();
        try {
            int[] shape = spec.inputShape() != null ? spec.inputShape() : inferInputShape(model);
            // StrictWeights has matched every parameter; a checkpoint's optimizer tensors stay unread
            SafeTensors.loadInto(weights, model.stateDict(), !ModelLoader.isCheckpoint(meta));
            return new LoadedModel(model, shape, meta);
        } catch (IOException | RuntimeException | Error e) {
            model.close();
            throw e;
        }
    }

    /** One sample's input shape when the first layer fixes it (a Linear), else an error saying how to give it. */
    static int[] inferInputShape(Layer model) {
        Layer first = model;
        while (first instanceof Sequential s) {
            first = s.get(0);
        }
        if (first instanceof Linear lin) {
            return new int[]{lin.inFeatures()};
        }
        throw new IllegalArgumentException("cannot tell the input shape of a model that starts with " + first.describe()
                + "; give it (Predictor.of(model, 1, 28, 28), or an \"" + ModelSpec.INPUT_SHAPE_FIELD + "\" in the ModelSpec)");
    }

    private static void requireFile(Path file, String what) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(what + " not found: " + file);
        }
    }

    private static int[] parseShape(String json, Path file) {
        try {
            JsonNode n = JSON.readTree(json);
            if (n == null || !n.isArray() || n.isEmpty()) {
                throw new IllegalArgumentException();
            }
            int[] s = new int[n.size()];
            for (int i = 0; i < s.length; i++) {
                if (!n.get(i).isIntegralNumber() || n.get(i).intValue() < 1) {
                    throw new IllegalArgumentException();
                }
                s[i] = n.get(i).intValue();
            }
            return s;
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": metadata " + ModelSpec.INPUT_SHAPE_KEY
                    + " must be an array of positive integers, got " + json);
        }
    }

    /** A safetensors file starts with its header length (little-endian) and then the JSON header's '{'. */
    private static boolean isSafeTensors(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(9).order(ByteOrder.LITTLE_ENDIAN);
            while (b.hasRemaining() && ch.read(b) >= 0) {
                // the first 9 bytes, or fewer in a shorter file
            }
            if (b.position() < 9) {
                return false;
            }
            long len = b.getLong(0);
            return len > 1 && len <= ch.size() - 8 && b.get(8) == '{';
        }
    }
}
