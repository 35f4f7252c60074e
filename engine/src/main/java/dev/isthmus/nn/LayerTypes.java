package dev.isthmus.nn;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The architecture registry for layers beyond the built-in set: a layer type registered here is written by
 * {@link ModelSpec#toJson} and read back by {@link ModelPlan} (so model files, checkpoints and
 * {@code Predictor.load} know it) under its {@code "type"} name. Adding a layer is then its own file, its
 * kernel if it has one, and one {@link #register} call; its parameters and buffers reach the state_dict, the
 * checkpoint and early stopping through {@link Layer} alone.
 *
 * <p>A registered layer is built once while planning, to learn its state_dict shapes and output shape: its
 * {@link Codec#read} must check its fields (the {@link Fields} readers do, naming the layer) and keep its
 * sizes bounded, since it runs on files from outside.
 */
public final class LayerTypes {
    private static final Set<String> BUILT_IN = Set.of("Sequential", "Linear", "Conv2d", "MaxPool2d", "AvgPool2d",
            "Upsample", "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Softmax", "Dropout", "Flatten", "Reshape", "Unflatten");
    private static final Map<String, Entry<?>> BY_NAME = new ConcurrentHashMap<>();
    private static final Map<Class<?>, Entry<?>> BY_CLASS = new ConcurrentHashMap<>();

    /** How a registered layer is described in, and rebuilt from, its JSON object. */
    public interface Codec<L extends Layer> {
        /** Adds the layer's constructor arguments to {@code json} (its {@code "type"} is already set). */
        void write(L layer, ObjectNode json);

        /** Builds a freshly initialised layer from the fields {@link #write} produced, checking each. */
        L read(Fields fields);
    }

    /** A layer's JSON object with checked readers; every problem names the layer and the field. */
    public record Fields(JsonNode json, String at) {
        public int integer(String key) {
            return LayerSpecs.integer(json, key, at);
        }

        public double number(String key) {
            return LayerSpecs.number(json, key, at);
        }

        public boolean bool(String key, boolean dflt) {
            return LayerSpecs.bool(json, key, at, dflt);
        }

        public int[] ints(String key) {
            return LayerSpecs.array(json, key, at);
        }
    }

    record Entry<L extends Layer>(String type, Class<L> layerClass, Codec<L> codec) {
        void write(Layer layer, ObjectNode json) {
            codec.write(layerClass.cast(layer), json);
        }
    }

    private LayerTypes() {
    }

    /**
     * Registers {@code layerClass} under the JSON type name {@code type}. Registering the same pair again is a
     * no-op; a built-in name, or a name or class already registered to another, is an
     * {@link IllegalArgumentException}.
     */
    public static synchronized <L extends Layer> void register(String type, Class<L> layerClass, Codec<L> codec) {
        if (type == null || type.isBlank() || BUILT_IN.contains(type)) {
            throw new IllegalArgumentException("LayerTypes: '" + type + "' is blank or a built-in layer type");
        }
        Entry<?> old = BY_NAME.get(type);
        if (old != null && old.layerClass() == layerClass) {
            return;
        }
        if (old != null || BY_CLASS.containsKey(layerClass)) {
            throw new IllegalArgumentException("LayerTypes: '" + type + "' or " + layerClass.getName()
                    + " is already registered" + (old == null ? "" : " (to " + old.layerClass().getName() + ")"));
        }
        Entry<L> e = new Entry<>(type, layerClass, codec);
        BY_NAME.put(type, e);
        BY_CLASS.put(layerClass, e);
    }

    static Entry<?> byName(String type) {
        return BY_NAME.get(type);
    }

    static Entry<?> byClass(Class<?> layerClass) {
        return BY_CLASS.get(layerClass);
    }
}
