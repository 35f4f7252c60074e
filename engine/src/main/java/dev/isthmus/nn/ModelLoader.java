package dev.isthmus.nn;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.isthmus.io.CheckpointFormatException;
import dev.isthmus.io.CheckpointMismatchException;
import dev.isthmus.io.SafeTensors;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Loads a model from a safetensors file in the only safe order for a file from outside: read the header, parse
 * the architecture into a {@link ModelPlan} (nothing allocated), compute every parameter shape and the
 * activation sizes at the input shape, compare the shapes with the header's tensors, and only then build the
 * network and copy the weights in.
 *
 * <p>Strict by default: every parameter must be in the file and every tensor of the file must be a parameter
 * (a training checkpoint's {@code optimizer.*} and {@code early_stopping.*} tensors excepted, when
 * its metadata says it is one), so an architecture that ignores the file's weights is rejected, not run with
 * random ones. {@code partial = true} (PyTorch's {@code strict=False}) loads what matches and reports the rest.
 */
public final class ModelLoader {
    /** Metadata key marking a training checkpoint (written by {@code dev.isthmus.train.Checkpoint}). */
    static final String CHECKPOINT_KEY = "isthmus.checkpoint";
    /** Tensor names a checkpoint holds beside the model's: the optimizer's buffers and early stopping's best weights and buffers. */
    static final String OPTIMIZER_PREFIX = "optimizer.";
    static final String EARLY_STOPPING_PREFIX = "early_stopping.";
    private static final int MAX_INPUT_RANK = 8;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A loaded model (eval mode; the caller closes it), the file's metadata, its input shape (or null), and what was skipped. */
    public record Loaded(Layer model, Map<String, String> metadata, int[] inputShape, SafeTensors.LoadReport report)
            implements AutoCloseable {
        public Loaded {
            metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
            inputShape = inputShape == null ? null : inputShape.clone();
        }

        @Override
        public int[] inputShape() {
            return inputShape == null ? null : inputShape.clone();
        }

        @Override
        public void close() {
            model.close();
        }
    }

    private ModelLoader() {
    }

    /** True if {@code meta} marks a training checkpoint (written by {@code dev.isthmus.train.Checkpoint}). */
    public static boolean isCheckpoint(Map<String, String> meta) {
        return "1".equals(meta.get(CHECKPOINT_KEY));
    }

    /** True for a tensor that only resuming needs (optimizer state, best weights) in a training checkpoint. */
    public static boolean trainingOnly(Map<String, String> meta, String name) {
        return isCheckpoint(meta) && (name.startsWith(OPTIMIZER_PREFIX) || name.startsWith(EARLY_STOPPING_PREFIX));
    }

    /** A self-describing file ({@link ModelSpec#METADATA_KEY} and {@link ModelSpec#INPUT_SHAPE_KEY} in its metadata), strictly. */
    public static Loaded load(Path file) throws IOException {
        return load(file, false);
    }

    /** A self-describing file; {@code partial} accepts missing and unexpected tensors (shapes must still agree). */
    public static Loaded load(Path file, boolean partial) throws IOException {
        SafeTensors.Header h = SafeTensors.readHeader(file);
        String arch = h.metadata().get(ModelSpec.METADATA_KEY);
        if (arch == null) {
            throw new CheckpointFormatException(file, "has no architecture metadata (" + ModelSpec.METADATA_KEY
                    + "); pass the architecture explicitly");
        }
        return load(file, h, arch, inputShape(file, h.metadata()), partial);
    }

    /**
     * Weights from {@code file} (a PyTorch state_dict saved as safetensors, say) into the architecture
     * {@code json}; {@code sampleShape} (one sample, no batch; null if unknown) sizes the activation check.
     */
    public static Loaded load(Path file, String json, int[] sampleShape, boolean partial) throws IOException {
        return load(file, SafeTensors.readHeader(file), json, sampleShape, partial);
    }

    private static Loaded load(Path file, SafeTensors.Header h, String json, int[] sampleShape, boolean partial)
            throws IOException {
        ModelPlan plan;
        try {
            plan = ModelPlan.parse(json);
            if (sampleShape != null) {
                plan.outputShape(sampleShape);
            }
        } catch (IllegalArgumentException e) {
            throw new CheckpointFormatException(file, "bad architecture: " + e.getMessage(), e);
        }
        SafeTensors.LoadReport report = check(file, h, plan.parameterShapes(), partial);
        Layer model = plan.build();
        try {
            SafeTensors.loadInto(file, model.stateDict(), false);
            model.eval();
            return new Loaded(model, h.metadata(), sampleShape, report);
        } catch (IOException | RuntimeException | Error e) {
            model.close();
            throw e;
        }
    }

    /**
     * Compares planned parameter shapes ({@link ModelPlan#parameterShapes()}) with a header, before anything is
     * built; throws listing every difference that is not allowed ({@code partial}: only shape mismatches).
     */
    public static SafeTensors.LoadReport check(Path file, SafeTensors.Header h, Map<String, int[]> shapes, boolean partial)
            throws CheckpointMismatchException {
        Map<String, SafeTensors.Entry> byName = new LinkedHashMap<>();
        for (SafeTensors.Entry e : h.entries()) {
            byName.put(e.name(), e);
        }
        List<String> missing = new ArrayList<>();
        List<String> mismatched = new ArrayList<>();
        for (Map.Entry<String, int[]> p : shapes.entrySet()) {
            SafeTensors.Entry e = byName.remove(p.getKey());
            if (e == null) {
                missing.add(p.getKey());
            } else if (!Arrays.equals(e.shape(), p.getValue())) {
                mismatched.add(p.getKey() + ": file has " + Arrays.toString(e.shape()) + ", the architecture expects "
                        + Arrays.toString(p.getValue()));
            }
        }
        List<String> unexpected = new ArrayList<>();
        for (String name : byName.keySet()) {
            if (!trainingOnly(h.metadata(), name)) {
                unexpected.add(name);
            }
        }
        if (!mismatched.isEmpty() || (!partial && (!missing.isEmpty() || !unexpected.isEmpty()))) {
            throw new CheckpointMismatchException(file, partial ? List.of() : missing, partial ? List.of() : unexpected,
                    mismatched);
        }
        return new SafeTensors.LoadReport(missing, unexpected, h.metadata());
    }

    /** The {@link ModelSpec#INPUT_SHAPE_KEY} of {@code metadata}: a JSON array of 1 to 8 positive integers, or null if absent. */
    public static int[] inputShape(Path file, Map<String, String> metadata) throws CheckpointFormatException {
        String s = metadata.get(ModelSpec.INPUT_SHAPE_KEY);
        if (s == null) {
            return null;
        }
        String problem = "must be a JSON array of 1 to " + MAX_INPUT_RANK + " positive integers, got '"
                + ModelPlan.abbreviate(s) + "'";
        if (s.length() > 200) {
            throw new CheckpointFormatException(file, ModelSpec.INPUT_SHAPE_KEY + " " + problem);
        }
        JsonNode n;
        try {
            n = JSON.readTree(s);
        } catch (JsonProcessingException e) {
            throw new CheckpointFormatException(file, ModelSpec.INPUT_SHAPE_KEY + " " + problem, e);
        }
        if (n == null || !n.isArray() || n.isEmpty() || n.size() > MAX_INPUT_RANK) {
            throw new CheckpointFormatException(file, ModelSpec.INPUT_SHAPE_KEY + " " + problem);
        }
        int[] shape = new int[n.size()];
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = n.get(i);
            if (!d.isIntegralNumber() || !d.canConvertToInt() || d.intValue() < 1) {
                throw new CheckpointFormatException(file, ModelSpec.INPUT_SHAPE_KEY + " " + problem);
            }
            shape[i] = d.intValue();
        }
        return shape;
    }
}
