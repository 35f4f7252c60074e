package dev.isthmus.onnx;

import dev.isthmus.onnx.proto.Onnx.AttributeProto;
import dev.isthmus.onnx.proto.Onnx.AttributeProto.AttributeType;
import dev.isthmus.onnx.proto.Onnx.NodeProto;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * A node's attributes by name, with typed getters that fall back to the operator's documented default and
 * reject an attribute of the wrong type with the node named ({@link NodeRef}).
 */
final class Attrs {
    private final NodeRef node;
    private final Map<String, AttributeProto> byName = new HashMap<>();

    Attrs(NodeRef node) throws OnnxFormatException {
        this.node = node;
        for (AttributeProto a : node.proto().getAttributeList()) {
            if (byName.put(a.getName(), a) != null) {
                throw node.error("attribute '" + a.getName() + "' is given twice");
            }
        }
    }

    static Attrs of(NodeRef node) throws OnnxFormatException {
        return new Attrs(node);
    }

    boolean has(String name) {
        return byName.containsKey(name);
    }

    long getInt(String name, long dflt) throws OnnxFormatException {
        AttributeProto a = typed(name, AttributeType.INT);
        return a == null ? dflt : a.getI();
    }

    float getFloat(String name, float dflt) throws OnnxFormatException {
        AttributeProto a = typed(name, AttributeType.FLOAT);
        return a == null ? dflt : a.getF();
    }

    String getString(String name, String dflt) throws OnnxFormatException {
        AttributeProto a = typed(name, AttributeType.STRING);
        return a == null ? dflt : a.getS().toString(StandardCharsets.UTF_8);
    }

    /** The INTS attribute, or {@code null} when absent. */
    long[] getInts(String name) throws OnnxFormatException {
        AttributeProto a = typed(name, AttributeType.INTS);
        if (a == null) {
            return null;
        }
        long[] out = new long[a.getIntsCount()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.getInts(i);
        }
        return out;
    }

    /** The INTS attribute, which must have {@code length} entries, or {@code dflt} (filled) when absent. */
    int[] getInts(String name, int length, int dflt) throws OnnxFormatException {
        long[] v = getInts(name);
        int[] out = new int[length];
        if (v == null) {
            java.util.Arrays.fill(out, dflt);
            return out;
        }
        if (v.length != length) {
            throw node.error("attribute '" + name + "' must have " + length + " values, got " + v.length);
        }
        for (int i = 0; i < length; i++) {
            if (v[i] < Integer.MIN_VALUE || v[i] > Integer.MAX_VALUE) {
                throw node.error("attribute '" + name + "' value " + v[i] + " is out of range");
            }
            out[i] = (int) v[i];
        }
        return out;
    }

    AttributeProto get(String name) {
        return byName.get(name);
    }

    private AttributeProto typed(String name, AttributeType type) throws OnnxFormatException {
        AttributeProto a = byName.get(name);
        if (a == null) {
            return null;
        }
        // Producers before IR version 2 left 'type' unset; trust the field that carries a value then.
        if (a.getType() != type && a.getType() != AttributeType.UNDEFINED) {
            throw node.error("attribute '" + name + "' must be of type " + type + ", got " + a.getType());
        }
        return a;
    }
}
