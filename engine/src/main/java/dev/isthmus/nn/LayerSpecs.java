package dev.isthmus.nn;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.function.Supplier;

/**
 * The JSON fields of {@link ModelSpec} layers, read and checked one by one: how each parameter-free layer is
 * built from its object, and the typed field readers {@link ModelPlan} shares. Every problem is an
 * {@link IllegalArgumentException} naming the layer and the field.
 */
final class LayerSpecs {
    /** Dimensions a shape field ({@code Reshape.shape}, {@code Unflatten.sizes}) may list. */
    private static final int MAX_SHAPE_RANK = 8;

    private LayerSpecs() {
    }

    /** A factory for the parameter-free layer {@code type}; the arguments are read (and checked) now. */
    static Supplier<Layer> factory(String type, JsonNode n, String where, String at) {
        return switch (type) {
            case "MaxPool2d" -> {
                int[] k = pair(n, "kernel", at), s = pair(n, "stride", at), p = pair(n, "padding", at);
                yield () -> new MaxPool2d(k[0], k[1], s[0], s[1], p[0], p[1]);
            }
            case "AvgPool2d" -> {
                int[] k = pair(n, "kernel", at), s = pair(n, "stride", at), p = pair(n, "padding", at);
                boolean include = bool(n, "count_include_pad", at, true);
                yield () -> new AvgPool2d(k[0], k[1], s[0], s[1], p[0], p[1], include);
            }
            case "Upsample" -> {
                int scale = integer(n, "scale_factor", at);
                yield () -> new Upsample(scale);
            }
            case "ReLU" -> ReLU::new;
            case "LeakyReLU" -> {
                float slope = (float) number(n, "negative_slope", at);
                yield () -> new LeakyReLU(slope);
            }
            case "Sigmoid" -> Sigmoid::new;
            case "Tanh" -> Tanh::new;
            case "Softmax" -> {
                int dim = integer(n, "dim", at);
                yield () -> new Softmax(dim);
            }
            case "Dropout" -> {
                float p = (float) number(n, "p", at);
                yield () -> new Dropout(p);
            }
            case "Flatten" -> {
                int a = integer(n, "start_dim", at), b = integer(n, "end_dim", at);
                yield () -> new Flatten(a, b);
            }
            case "Reshape" -> {
                int[] shape = array(n, "shape", at);
                yield () -> new Reshape(shape);
            }
            case "Unflatten" -> {
                int dim = integer(n, "dim", at);
                int[] sizes = array(n, "sizes", at);
                yield () -> new Unflatten(dim, sizes);
            }
            default -> throw new IllegalArgumentException(where + ": unknown layer type '" + ModelPlan.abbreviate(type) + "'");
        };
    }

    static int integer(JsonNode n, String key, String at) {
        JsonNode v = n.get(key);
        if (v == null || !v.isIntegralNumber() || !v.canConvertToInt()) {
            throw new IllegalArgumentException(at + ": \"" + key + "\" must be an integer");
        }
        return v.intValue();
    }

    static double number(JsonNode n, String key, String at) {
        JsonNode v = n.get(key);
        if (v == null || !v.isNumber() || !Double.isFinite(v.doubleValue())) {
            throw new IllegalArgumentException(at + ": \"" + key + "\" must be a finite number");
        }
        return v.doubleValue();
    }

    static boolean bool(JsonNode n, String key, String at, boolean dflt) {
        JsonNode v = n.get(key);
        if (v == null) {
            return dflt;
        }
        if (!v.isBoolean()) {
            throw new IllegalArgumentException(at + ": \"" + key + "\" must be true or false");
        }
        return v.booleanValue();
    }

    static int[] array(JsonNode n, String key, String at) {
        JsonNode v = n.get(key);
        if (v == null || !v.isArray() || v.size() > MAX_SHAPE_RANK) {
            throw new IllegalArgumentException(at + ": \"" + key + "\" must be an array of at most " + MAX_SHAPE_RANK + " integers");
        }
        int[] out = new int[v.size()];
        for (int i = 0; i < out.length; i++) {
            if (!v.get(i).isIntegralNumber() || !v.get(i).canConvertToInt()) {
                throw new IllegalArgumentException(at + ": \"" + key + "\"[" + i + "] must be an integer");
            }
            out[i] = v.get(i).intValue();
        }
        return out;
    }

    static int[] pair(JsonNode n, String key, String at) {
        int[] v = array(n, key, at);
        if (v.length != 2) {
            throw new IllegalArgumentException(at + ": \"" + key + "\" must be [height, width]");
        }
        return v;
    }
}
