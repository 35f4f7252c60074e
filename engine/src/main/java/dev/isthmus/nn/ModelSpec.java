package dev.isthmus.nn;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;


/**
 * A model's architecture as JSON, so a weights file can describe the network it belongs to: written into
 * the safetensors {@code __metadata__} under {@link #METADATA_KEY}, read back to rebuild the model before
 * loading the weights. Layers use PyTorch's names and arguments:
 * {@code {"type":"Sequential","layers":[{"type":"Conv2d","in":1,"out":6,"kernel":[5,5],"stride":[1,1],
 * "padding":[2,2],"bias":true},{"type":"ReLU"},...]}}.
 *
 * <p>Reading goes through {@link ModelPlan}, which validates every field, counts layers and parameters against
 * {@link dev.isthmus.io.InputLimits} and allocates nothing until {@link ModelPlan#build}, so a hostile file
 * yields an {@link IllegalArgumentException} naming the layer.
 *
 * <p>An instance ({@link #parse}, {@link #of}) is a validated architecture that can {@link #build()} fresh
 * models, with the per-sample input shape when known (from an {@code "input_shape"} field of the JSON's
 * root, or {@link #withInputShape}): what {@code Predictor.load(weights, spec)} needs to read a weights file
 * that carries no architecture of its own, such as a PyTorch {@code state_dict} saved as safetensors.
 */
public final class ModelSpec {
    /** Metadata key of the architecture JSON. */
    public static final String METADATA_KEY = "isthmus.architecture";
    /** Metadata key of the per-sample input shape, e.g. {@code [1,28,28]}. */
    public static final String INPUT_SHAPE_KEY = "isthmus.input_shape";

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Root field of the JSON that may give the per-sample input shape, e.g. {@code "input_shape":[1,28,28]}. */
    public static final String INPUT_SHAPE_FIELD = "input_shape";

    private final String json;
    private final int[] inputShape;

    private ModelSpec(String json, int[] inputShape) {
        this.json = json;
        this.inputShape = inputShape;
    }

    /**
     * A validated architecture from its JSON (as {@link #toJson} writes it, optionally with an
     * {@code "input_shape"} array at the root); throws {@link IllegalArgumentException} naming what is wrong.
     */
    public static ModelSpec parse(String json) {
        // Validates every layer, the layer and parameter counts and (with a shape) the activations, without
        // building anything, and through a JSON parser whose size is bounded: a spec from outside must not
        // allocate before it is compared with the weights.
        ModelPlan plan = ModelPlan.parse(json);
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("model architecture is not valid JSON: " + e.getOriginalMessage(), e);
        }
        int[] shape = null;
        if (root != null && root.has(INPUT_SHAPE_FIELD)) {
            shape = checkShape(LayerSpecs.array(root, INPUT_SHAPE_FIELD, "model"));
            plan.outputShape(shape);
        }
        return new ModelSpec(json, shape);
    }

    /** The architecture of {@code model}, with the per-sample input shape if given (e.g. {@code 1, 28, 28}). */
    public static ModelSpec of(Layer model, int... inputShape) {
        return new ModelSpec(toJson(model), inputShape.length == 0 ? null : checkShape(inputShape.clone()));
    }

    /** This architecture with the per-sample input shape {@code shape} (no batch dimension). */
    public ModelSpec withInputShape(int... shape) {
        return new ModelSpec(json, checkShape(shape.clone()));
    }

    /** The per-sample input shape (no batch dimension), or null when the spec does not say. */
    public int[] inputShape() {
        return inputShape == null ? null : inputShape.clone();
    }

    /** A freshly initialised model of this architecture; the caller owns it. */
    public Layer build() {
        return fromJson(json);
    }

    /** The architecture JSON. */
    public String json() {
        return json;
    }

    private static int[] checkShape(int[] shape) {
        if (shape.length == 0) {
            throw new IllegalArgumentException("input shape must have at least one dimension");
        }
        for (int d : shape) {
            if (d < 1) {
                throw new IllegalArgumentException("input shape dimensions must be >= 1, got " + java.util.Arrays.toString(shape));
            }
        }
        return shape;
    }

    /** The JSON text describing {@code model}. */
    public static String toJson(Layer model) {
        return describe(model).toString();
    }

    /**
     * Rebuilds a freshly initialised model from {@link #toJson} text, having checked it with {@link ModelPlan}
     * first (layer and parameter counts within {@link dev.isthmus.io.InputLimits}). A loader that has the
     * weights' header should compare {@link #plan()}'s shapes with it before building ({@link ModelLoader} does).
     */
    public static Layer fromJson(String json) {
        return ModelPlan.parse(json).build();
    }

    /** The checked, unallocated plan of this architecture: parameter shapes and activation sizes. */
    public ModelPlan plan() {
        return ModelPlan.parse(json);
    }

    private static ObjectNode describe(Layer m) {
        ObjectNode n = JSON.createObjectNode();
        switch (m) {
            case Sequential s -> {
                n.put("type", "Sequential");
                ArrayNode layers = n.putArray("layers");
                for (Layer child : s.layers()) {
                    layers.add(describe(child));
                }
            }
            case Linear l -> {
                n.put("type", "Linear");
                n.put("in", l.inFeatures());
                n.put("out", l.outFeatures());
                n.put("bias", l.bias() != null);
            }
            case Conv2d c -> {
                n.put("type", "Conv2d");
                n.put("in", c.inChannels());
                n.put("out", c.outChannels());
                ints(n, "kernel", c.kernelSize());
                ints(n, "stride", c.stride());
                ints(n, "padding", c.padding());
                n.put("bias", c.bias() != null);
            }
            case MaxPool2d p -> pool(n, "MaxPool2d", p);
            case AvgPool2d p -> {
                pool(n, "AvgPool2d", p);
                n.put("count_include_pad", p.countIncludePad());
            }
            case Upsample u -> {
                n.put("type", "Upsample");
                n.put("scale_factor", u.scaleFactor());
            }
            case LeakyReLU l -> {
                n.put("type", "LeakyReLU");
                n.put("negative_slope", l.negativeSlope());
            }
            case Softmax s -> {
                n.put("type", "Softmax");
                n.put("dim", s.dim());
            }
            case Dropout d -> {
                n.put("type", "Dropout");
                n.put("p", d.p());
            }
            case Flatten f -> {
                n.put("type", "Flatten");
                n.put("start_dim", f.startDim());
                n.put("end_dim", f.endDim());
            }
            case Reshape r -> {
                n.put("type", "Reshape");
                ints(n, "shape", r.sampleShape());
            }
            case Unflatten u -> {
                n.put("type", "Unflatten");
                n.put("dim", u.dim());
                ints(n, "sizes", u.sizes());
            }
            case ReLU r -> n.put("type", "ReLU");
            case Sigmoid s -> n.put("type", "Sigmoid");
            case Tanh t -> n.put("type", "Tanh");
            default -> {
                LayerTypes.Entry<?> e = LayerTypes.byClass(m.getClass());
                if (e == null) {
                    throw new IllegalArgumentException("ModelSpec cannot describe " + m.getClass().getName()
                            + " (" + m.describe() + "): register its type with LayerTypes.register");
                }
                n.put("type", e.type());
                e.write(m, n);
            }
        }
        return n;
    }

    private static void pool(ObjectNode n, String type, Pool2d p) {
        n.put("type", type);
        ints(n, "kernel", p.kernelSize());
        ints(n, "stride", p.stride());
        ints(n, "padding", p.padding());
    }

    private static void ints(ObjectNode n, String key, int[] v) {
        ArrayNode a = n.putArray(key);
        for (int x : v) {
            a.add(x);
        }
    }
}
