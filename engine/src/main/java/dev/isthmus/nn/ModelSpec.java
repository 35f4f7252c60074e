package dev.isthmus.nn;

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
 */
public final class ModelSpec {
    /** Metadata key of the architecture JSON. */
    public static final String METADATA_KEY = "isthmus.architecture";
    /** Metadata key of the per-sample input shape, e.g. {@code [1,28,28]}. */
    public static final String INPUT_SHAPE_KEY = "isthmus.input_shape";

    private static final ObjectMapper JSON = new ObjectMapper();

    private ModelSpec() {
    }

    /** The JSON text describing {@code model}. */
    public static String toJson(Layer model) {
        return describe(model).toString();
    }

    /**
     * Rebuilds a freshly initialised model from {@link #toJson} text, having checked it with {@link ModelPlan}
     * first (layer and parameter counts within {@link dev.isthmus.io.InputLimits}). A loader that has the
     * weights' header should use {@link ModelPlan#parse} itself and compare the shapes before building.
     */
    public static Layer fromJson(String json) {
        return ModelPlan.parse(json).build();
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
            default -> throw new IllegalArgumentException("ModelSpec cannot describe " + m.getClass().getName()
                    + " (" + m.describe() + ")");
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
