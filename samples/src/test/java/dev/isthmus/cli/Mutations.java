package dev.isthmus.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The structured mutations of the fuzz harness, all driven by one seeded {@link Random} so a run is reproducible:
 * byte-level (bit flips, truncation, trailing bytes, insertions, deletions, duplicated ranges, length fields set
 * to 0 / huge / 2^31-1 / 2^32-1 / 2^63 / -1) and JSON-level (numbers to boundary values, dtype and type names
 * swapped, shapes and offsets edited, fields deleted or retyped, deep nesting, huge layer lists).
 */
final class Mutations {
    /** Values hostile length fields and JSON numbers are set to. */
    static final long[] INTERESTING = {0, 1, -1, 7, 255, 65_535, 46_341, Integer.MAX_VALUE, 1L << 31, 0xFFFF_FFFFL,
            1L << 32, Long.MAX_VALUE, Long.MIN_VALUE, 100_000_000, 100_000_001};
    private static final String[] DTYPES = {"F32", "F16", "BF16", "F64", "I64", "BOOL", "F8_E4M3", "f32", "", "F32 "};
    private static final String[] TYPES = {"Sequential", "Linear", "Conv2d", "MaxPool2d", "AvgPool2d", "Upsample", "ReLU",
            "LeakyReLU", "Sigmoid", "Tanh", "Softmax", "Dropout", "Flatten", "Reshape", "Unflatten", "Module", ""};
    private static final ObjectMapper JSON = new ObjectMapper();

    private Mutations() {
    }

    /** What a mutation did, for the report and for the oracles that know some edits must be rejected. */
    record Mutant(byte[] bytes, String description, boolean mustReject) {
    }

    // ---------------------------------------------------------------- bytes

    static byte[] flipBits(byte[] in, Random r, int from, int count) {
        byte[] out = in.clone();
        if (out.length <= from) {
            return out;
        }
        for (int i = 0; i < count; i++) {
            int at = from + r.nextInt(out.length - from);
            out[at] ^= (byte) (1 << r.nextInt(8));
        }
        return out;
    }

    static byte[] truncate(byte[] in, Random r) {
        return Arrays.copyOf(in, in.length == 0 ? 0 : r.nextInt(in.length));
    }

    static byte[] append(byte[] in, Random r) {
        byte[] tail = r.nextBoolean() ? "garbage".getBytes(StandardCharsets.US_ASCII) : randomBytes(r, 1 + r.nextInt(64));
        byte[] out = Arrays.copyOf(in, in.length + tail.length);
        System.arraycopy(tail, 0, out, in.length, tail.length);
        return out;
    }

    static byte[] insert(byte[] in, Random r) {
        int at = r.nextInt(in.length + 1);
        byte[] ins = randomBytes(r, 1 + r.nextInt(16));
        byte[] out = new byte[in.length + ins.length];
        System.arraycopy(in, 0, out, 0, at);
        System.arraycopy(ins, 0, out, at, ins.length);
        System.arraycopy(in, at, out, at + ins.length, in.length - at);
        return out;
    }

    static byte[] deleteRange(byte[] in, Random r) {
        if (in.length < 2) {
            return in.clone();
        }
        int at = r.nextInt(in.length - 1);
        int n = 1 + r.nextInt(Math.min(64, in.length - at - 1) + 1);
        byte[] out = new byte[in.length - n];
        System.arraycopy(in, 0, out, 0, at);
        System.arraycopy(in, at + n, out, at, in.length - at - n);
        return out;
    }

    static byte[] duplicateRange(byte[] in, Random r) {
        if (in.length == 0) {
            return in;
        }
        int at = r.nextInt(in.length);
        int n = 1 + r.nextInt(Math.min(256, in.length - at));
        byte[] out = new byte[in.length + n];
        System.arraycopy(in, 0, out, 0, at + n);
        System.arraycopy(in, at, out, at + n, in.length - at);
        return out;
    }

    /** Overwrites {@code width} bytes at {@code at} (little- or big-endian) with an interesting value. */
    static byte[] lengthField(byte[] in, Random r, int at, int width, boolean littleEndian) {
        byte[] out = in.clone();
        long v = INTERESTING[r.nextInt(INTERESTING.length)];
        for (int i = 0; i < width && at + i < out.length; i++) {
            int shift = 8 * (littleEndian ? i : width - 1 - i);
            out[at + i] = (byte) (v >>> shift);
        }
        return out;
    }

    static byte[] randomBytes(Random r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }

    // ---------------------------------------------------------------- JSON

    /** One random structural edit of a JSON document; {@code layers} enables the ModelSpec-specific edits. */
    static String editJson(String json, Random r, boolean modelSpec) throws Exception {
        JsonNode root = JSON.readTree(json);
        List<JsonNode> containers = new ArrayList<>();
        collect(root, containers);
        JsonNode target = containers.get(r.nextInt(containers.size()));
        int kind = r.nextInt(modelSpec ? 9 : 7);
        switch (kind) {
            case 0, 1 -> setRandomNumber(target, r);
            case 2 -> setRandomString(target, r, modelSpec ? TYPES : DTYPES);
            case 3 -> deleteField(target, r);
            case 4 -> retype(target, r);
            case 5 -> growArray(target, r);
            case 6 -> {
                // Deep nesting as a value: more levels than a tree-building parser could recurse through.
                int depth = 1 + r.nextInt(20_000);
                putRaw(target, r, JsonNodeFactory.instance.textNode("@@DEEP@@"));
                boolean arrays = r.nextBoolean();
                String deep = arrays ? "[".repeat(depth) + "]".repeat(depth) : "{\"a\":".repeat(depth) + "0" + "}".repeat(depth);
                return JSON.writeValueAsString(root).replace("\"@@DEEP@@\"", deep);
            }
            case 7 -> hugeLayers(root, r);
            default -> {
                // A duplicate key, which a tree cannot hold: edit the text.
                int brace = json.indexOf('{', 1);
                return brace < 0 ? json : json.substring(0, brace + 1) + "\"type\":\"ReLU\"," + json.substring(brace + 1);
            }
        }
        return JSON.writeValueAsString(root);
    }

    private static void collect(JsonNode n, List<JsonNode> out) {
        if (n.isContainerNode()) {
            out.add(n);
            for (JsonNode c : n) {
                collect(c, out);
            }
        }
    }

    private static void setRandomNumber(JsonNode target, Random r) {
        long v = INTERESTING[r.nextInt(INTERESTING.length)];
        JsonNode value = r.nextInt(8) == 0 ? JsonNodeFactory.instance.numberNode(new java.math.BigInteger("1" + "0".repeat(30)))
                : r.nextInt(8) == 0 ? JsonNodeFactory.instance.numberNode(1e308 * (r.nextBoolean() ? 1 : -1))
                : JsonNodeFactory.instance.numberNode(r.nextInt(4) == 0 ? (long) r.nextInt(64) - 8 : v);
        putRaw(target, r, value);
    }

    private static void setRandomString(JsonNode target, Random r, String[] choices) {
        putRaw(target, r, JsonNodeFactory.instance.textNode(choices[r.nextInt(choices.length)]));
    }

    /** Replaces a random member (or element) of {@code target} by {@code value}. */
    private static void putRaw(JsonNode target, Random r, JsonNode value) {
        if (target instanceof ObjectNode o && !o.isEmpty()) {
            List<String> names = new ArrayList<>();
            o.fieldNames().forEachRemaining(names::add);
            o.set(names.get(r.nextInt(names.size())), value);
        } else if (target instanceof ArrayNode a && !a.isEmpty()) {
            a.set(r.nextInt(a.size()), value);
        } else if (target instanceof ArrayNode a) {
            a.add(value);
        }
    }

    private static void deleteField(JsonNode target, Random r) {
        if (target instanceof ObjectNode o && !o.isEmpty()) {
            Iterator<Map.Entry<String, JsonNode>> it = o.fields();
            int skip = r.nextInt(o.size());
            for (int i = 0; i < skip; i++) {
                it.next();
            }
            it.next();
            it.remove();
        } else if (target instanceof ArrayNode a && !a.isEmpty()) {
            a.remove(r.nextInt(a.size()));
        }
    }

    private static void retype(JsonNode target, Random r) {
        JsonNode[] values = {JsonNodeFactory.instance.nullNode(), JsonNodeFactory.instance.booleanNode(true),
                JsonNodeFactory.instance.objectNode(), JsonNodeFactory.instance.arrayNode(),
                JsonNodeFactory.instance.textNode("12"), JsonNodeFactory.instance.numberNode(1.5)};
        putRaw(target, r, values[r.nextInt(values.length)]);
    }

    private static void growArray(JsonNode target, Random r) {
        if (target instanceof ArrayNode a && !a.isEmpty()) {
            int n = 1 + r.nextInt(r.nextBoolean() ? 8 : 200);
            JsonNode copy = a.get(r.nextInt(a.size()));
            for (int i = 0; i < n; i++) {
                a.add(copy.deepCopy());
            }
        }
    }

    /** The "layers" array repeated up to 100,000 times: the million-ReLU recipe, scaled to the harness's heap. */
    private static void hugeLayers(JsonNode root, Random r) {
        if (root instanceof ObjectNode o && o.get("layers") instanceof ArrayNode a && !a.isEmpty()) {
            int n = r.nextBoolean() ? 10_001 : 1 + r.nextInt(100_000);
            JsonNode one = JsonNodeFactory.instance.objectNode().put("type", "ReLU");
            for (int i = 0; i < n; i++) {
                a.add(one);
            }
        }
    }
}
