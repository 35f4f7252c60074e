package dev.isthmus.nn;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.isthmus.io.InputLimits;
import dev.isthmus.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A model architecture parsed from {@link ModelSpec} JSON and checked, with nothing allocated: its layer
 * count, every parameter's state_dict name and shape, and (for an input shape) every activation's size, all
 * in overflow-checked long arithmetic against {@link InputLimits}. A loader compares {@link #parameterShapes()}
 * with a file's header and only then calls {@link #build()}, so a 22 MB file describing a million layers or a
 * {@code Linear(46341, 46341)} over 155 KB of weights fails in milliseconds with one line, not after the
 * network has claimed the machine's memory.
 */
public final class ModelPlan {
    /** JSON levels one nesting step of layers takes: the layer object and its {@code layers} array. */
    private static final int MAX_DEPTH = 16;
    /** Tokens a layer's JSON may take on average (type, a dozen fields, small arrays): bounds the parsed tree. */
    private static final long TOKENS_PER_LAYER = 64;

    /** One layer of the plan: its state_dict path, a description, its parameters and how to build it. */
    private record Node(String path, String type, List<Node> children, Map<String, int[]> params, int[] geometry,
                        Supplier<Layer> factory, Layer probe) {
    }

    private final Node root;
    private final InputLimits limits;
    private final int layerCount;
    private final Map<String, int[]> shapes;
    private final long parameterCount;

    private ModelPlan(Node root, InputLimits limits, int layerCount, Map<String, int[]> shapes, long parameterCount) {
        this.root = root;
        this.limits = limits;
        this.layerCount = layerCount;
        this.shapes = Collections.unmodifiableMap(shapes);
        this.parameterCount = parameterCount;
    }

    /** Parses and checks {@code json} against the current {@link InputLimits} (system properties). */
    public static ModelPlan parse(String json) {
        return parse(json, InputLimits.current());
    }

    /**
     * Parses and checks {@code json}: every field, the layer count and the parameter count, before anything
     * is allocated. Every problem is an {@link IllegalArgumentException} naming the layer.
     */
    public static ModelPlan parse(String json, InputLimits limits) {
        // The tree Jackson builds is bounded before it is built: a token budget proportional to the layer limit,
        // a nesting depth the layer depth limit needs, and no string longer than a layer's field could be.
        StreamReadConstraints c = StreamReadConstraints.builder()
                .maxNestingDepth(2 * MAX_DEPTH + 8)
                .maxTokenCount(Math.min(Long.MAX_VALUE / 2, limits.layers() * TOKENS_PER_LAYER + 1024))
                .maxStringLength(100_000)
                .maxNameLength(10_000)
                .maxNumberLength(100)
                .build();
        ObjectMapper mapper = new ObjectMapper(JsonFactory.builder().streamReadConstraints(c).build());
        JsonNode tree;
        try {
            tree = mapper.readTree(json);
        } catch (JsonProcessingException e) {
            String m = e.getOriginalMessage();
            if (m != null && m.contains("Token count")) {
                throw new IllegalArgumentException("model architecture is too large: more JSON than "
                        + limits.layers() + " layers may take (raise the layer limit with -D" + InputLimits.LAYERS + "=N)", e);
            }
            throw new IllegalArgumentException("model architecture is not valid JSON: " + abbreviate(m), e);
        }
        Parser p = new Parser(limits);
        Node root = p.node(tree, "model", "", 0);
        return new ModelPlan(root, limits, p.layers, p.shapes, p.parameters);
    }

    /** Layers, containers included (a Sequential of 3 layers counts 4). */
    public int layerCount() {
        return layerCount;
    }

    /** Learnable scalars. */
    public long parameterCount() {
        return parameterCount;
    }

    /** Every state_dict tensor's name ({@code 0.weight}, a registered layer's buffers, ...) and shape, in order. */
    public Map<String, int[]> parameterShapes() {
        Map<String, int[]> copy = new LinkedHashMap<>();
        shapes.forEach((k, v) -> copy.put(k, v.clone()));
        return copy;
    }

    /**
     * The output shape of one sample of {@code sampleShape} (no batch dimension), having checked that every
     * layer accepts its input and that the activations of one sample (the input and every layer's output, in
     * float32) stay within {@link InputLimits#activationBytes()}.
     */
    public int[] outputShape(int... sampleShape) {
        int[] in = new int[sampleShape.length + 1];
        in[0] = 1;
        System.arraycopy(sampleShape, 0, in, 1, sampleShape.length);
        for (int d : sampleShape) {
            if (d < 1) {
                throw new IllegalArgumentException("input shape " + Arrays.toString(sampleShape) + " has a dimension < 1");
            }
        }
        long[] bytes = {0};
        account(bytes, in, "the input");
        int[] out = walk(root, in, bytes);
        return Arrays.copyOfRange(out, 1, out.length);
    }

    /** Builds the network, freshly initialised; call it once the shapes have been compared with the weights. */
    public Layer build() {
        return build(root);
    }

    private static Layer build(Node n) {
        if (n.factory != null) {
            return n.factory.get();
        }
        List<Layer> layers = new ArrayList<>();
        try {
            for (Node c : n.children) {
                layers.add(build(c));
            }
            return new Sequential(layers);
        } catch (RuntimeException | Error e) {
            layers.forEach(Layer::close);
            throw e;
        }
    }

    private int[] walk(Node n, int[] in, long[] bytes) {
        if (n.factory == null) {
            int[] s = in;
            for (Node c : n.children) {
                s = walk(c, s, bytes);
            }
            return s;
        }
        String at = n.path + " (" + n.type + ")";
        int[] out;
        try {
            out = n.probe != null ? n.probe.outputShape(in) : parametricOutput(n, in, at);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(at + ": the output for an input of " + Arrays.toString(in)
                    + " overflows the largest dimension " + Integer.MAX_VALUE, e);
        }
        for (int d : out) {
            if (d < 1) {
                throw new IllegalArgumentException(at + ": an input of " + Arrays.toString(in) + " gives an empty output "
                        + Arrays.toString(out));
            }
        }
        account(bytes, out, at);
        return out;
    }

    private void account(long[] bytes, int[] shape, String what) {
        long b;
        try {
            b = Tensor.byteSize(shape);
        } catch (IllegalArgumentException e) {
            b = -1;
        }
        long total = b < 0 || bytes[0] > Long.MAX_VALUE - b ? -1 : bytes[0] + b;
        if (total < 0 || total > limits.activationBytes()) {
            throw new IllegalArgumentException(InputLimits.exceeded("the activations of one sample up to and including "
                    + what + " (" + Arrays.toString(shape) + ") take", total, "bytes", limits.activationBytes(),
                    InputLimits.ACTIVATION_BYTES));
        }
        bytes[0] = total;
    }

    /** Linear and Conv2d are planned without building them (building allocates their parameters). */
    private static int[] parametricOutput(Node n, int[] s, String at) {
        int[] w = n.params.get("weight");
        if (n.type.startsWith("Linear")) {
            if (s.length != 2 || s[1] != w[1]) {
                throw new IllegalArgumentException(at + " expects [N, " + w[1] + "], got " + Arrays.toString(s)
                        + (s.length > 2 ? " (add Flatten before it)" : ""));
            }
            return new int[]{s[0], w[0]};
        }
        int[] g = n.geometry; // stride h, w; padding h, w
        if (s.length != 4 || s[1] != w[1]) {
            throw new IllegalArgumentException(at + " expects [N, " + w[1] + ", H, W], got " + Arrays.toString(s));
        }
        long oh = convOut(s[2], w[2], g[0], g[2]);
        long ow = convOut(s[3], w[3], g[1], g[3]);
        if (oh < 1 || ow < 1) {
            throw new IllegalArgumentException(at + ": the " + w[2] + "x" + w[3] + " kernel does not fit an input of "
                    + Arrays.toString(s) + " padded by " + g[2] + "x" + g[3]);
        }
        return new int[]{s[0], w[0], (int) oh, (int) ow};
    }

    private static long convOut(int size, int kernel, int stride, int pad) {
        long padded = size + 2L * pad;
        return padded < kernel ? 0 : (padded - kernel) / stride + 1;
    }

    static String abbreviate(String s) {
        if (s == null) {
            return "";
        }
        return s.length() <= 200 ? s : s.substring(0, 197) + "...";
    }

    /** The recursive walk over the JSON tree, counting layers and parameters as it goes. */
    private static final class Parser {
        final InputLimits limits;
        final Map<String, int[]> shapes = new LinkedHashMap<>();
        int layers;
        long parameters;

        Parser(InputLimits limits) {
            this.limits = limits;
        }

        Node node(JsonNode n, String where, String prefix, int depth) {
            if (depth > MAX_DEPTH) {
                throw new IllegalArgumentException(where + ": nested deeper than " + MAX_DEPTH + " levels");
            }
            if (n == null || !n.isObject()) {
                throw new IllegalArgumentException(where + ": expected a JSON object describing a layer");
            }
            if (++layers > limits.layers()) {
                throw new IllegalArgumentException(InputLimits.exceeded("the architecture has", layers, "layers", limits.layers(),
                        InputLimits.LAYERS) + " (reached at " + where + ")");
            }
            JsonNode typeNode = n.get("type");
            String type = typeNode != null && typeNode.isTextual() ? typeNode.asText() : "";
            String at = where + " (" + abbreviate(type) + ")";
            if (type.equals("Sequential")) {
                JsonNode list = n.path("layers");
                if (!list.isArray() || list.isEmpty()) {
                    throw new IllegalArgumentException(at + ": needs a non-empty \"layers\" array");
                }
                List<Node> children = new ArrayList<>(Math.min(list.size(), 1024));
                for (int i = 0; i < list.size(); i++) {
                    children.add(node(list.get(i), where + "." + i, prefix + i + ".", depth + 1));
                }
                return new Node(where, "Sequential", List.copyOf(children), Map.of(), null, null, null);
            }
            return switch (type) {
                case "Linear" -> linear(n, where, prefix, at);
                case "Conv2d" -> conv(n, where, prefix, at);
                default -> {
                    LayerTypes.Entry<?> reg = LayerTypes.byName(type);
                    if (reg != null) {
                        yield registered(reg, n, where, prefix, at);
                    }
                    Supplier<Layer> f = LayerSpecs.factory(type, n, where, at);
                    Layer probe = f.get(); // parameter-free: its constructor checks the arguments and allocates nothing
                    yield new Node(where, probe.describe(), List.of(), Map.of(), null, f, probe);
                }
            };
        }

        /** A registered type is built once to learn its state_dict shapes; the probe is freed, its shape logic kept. */
        private Node registered(LayerTypes.Entry<?> reg, JsonNode n, String where, String prefix, String at) {
            LayerTypes.Fields fields = new LayerTypes.Fields(n, at);
            Layer probe = reg.codec().read(fields);
            try {
                String d = probe.describe();
                Map<String, int[]> local = new LinkedHashMap<>();
                probe.stateDict().forEach((k, t) -> local.put(k, t.shape()));
                account(prefix, where, d, local);
                return new Node(where, d, List.of(), local, null, () -> reg.codec().read(fields), probe);
            } finally {
                probe.close();
            }
        }

        private Node linear(JsonNode n, String where, String prefix, String at) {
            int in = LayerSpecs.integer(n, "in", at), out = LayerSpecs.integer(n, "out", at);
            boolean bias = LayerSpecs.bool(n, "bias", at, true);
            String d = "Linear(" + in + " -> " + out + (bias ? "" : ", bias=false") + ")";
            if (in < 1 || out < 1) {
                throw new IllegalArgumentException(where + " (" + d + "): sizes must be >= 1");
            }
            Map<String, int[]> p = params(prefix, where, d, bias, new int[]{out, in});
            return new Node(where, d, List.of(), p, null, () -> new Linear(in, out, bias), null);
        }

        private Node conv(JsonNode n, String where, String prefix, String at) {
            int in = LayerSpecs.integer(n, "in", at), out = LayerSpecs.integer(n, "out", at);
            int[] k = LayerSpecs.pair(n, "kernel", at), s = LayerSpecs.pair(n, "stride", at), pad = LayerSpecs.pair(n, "padding", at);
            boolean bias = LayerSpecs.bool(n, "bias", at, true);
            String d = "Conv2d(" + in + " -> " + out + ", kernel=" + k[0] + "x" + k[1] + ")";
            if (in < 1 || out < 1 || k[0] < 1 || k[1] < 1 || s[0] < 1 || s[1] < 1 || pad[0] < 0 || pad[1] < 0) {
                throw new IllegalArgumentException(where + " (" + d + "): channels, kernel and stride must be >= 1 and "
                        + "padding >= 0, got stride " + Arrays.toString(s) + ", padding " + Arrays.toString(pad));
            }
            Map<String, int[]> p = params(prefix, where, d, bias, new int[]{out, in, k[0], k[1]});
            return new Node(where, d, List.of(), p, new int[]{s[0], s[1], pad[0], pad[1]},
                    () -> new Conv2d(in, out, k[0], k[1], s[0], s[1], pad[0], pad[1], bias), null);
        }

        /** Records weight (and bias) under their state_dict names, counting parameters against the limit. */
        private Map<String, int[]> params(String prefix, String where, String d, boolean bias, int[] weight) {
            Map<String, int[]> local = new LinkedHashMap<>();
            local.put("weight", weight);
            if (bias) {
                local.put("bias", new int[]{weight[0]});
            }
            account(prefix, where, d, local);
            return local;
        }

        /** Counts {@code local}'s scalars against the parameter limit and records their state_dict shapes. */
        private void account(String prefix, String where, String d, Map<String, int[]> local) {
            for (Map.Entry<String, int[]> e : local.entrySet()) {
                long n = Tensor.byteSize(e.getValue()) / Float.BYTES;
                parameters = parameters > Long.MAX_VALUE - n ? -1 : parameters + n;
                if (parameters < 0 || parameters > limits.parameters()) {
                    throw new IllegalArgumentException(InputLimits.exceeded("the architecture (up to " + where + " " + d
                            + ") has", parameters, "parameters", limits.parameters(), InputLimits.PARAMETERS));
                }
                shapes.put(prefix + e.getKey(), e.getValue());
            }
        }
    }
}
