package dev.isthmus.onnx;

import dev.isthmus.onnx.proto.Onnx.NodeProto;

/**
 * A graph node with what every error message about it needs: its name (or its index when unnamed), its
 * operator type and the opset the model imports. {@link #error} builds the one-line message
 * {@code node '/3/Conv' (Conv, opset 13): ...}.
 */
record NodeRef(NodeProto proto, int index, long opset) {
    /** Names longer than this are cut in messages (a hostile file could give a node a 100 MB name). */
    static final int MAX_NAME = 200;

    String name() {
        String n = proto.getName();
        if (n.isEmpty()) {
            return "#" + index;
        }
        return n.length() <= MAX_NAME ? n : n.substring(0, MAX_NAME) + "...";
    }

    String op() {
        return proto.getOpType();
    }

    OnnxFormatException error(String what) {
        return new OnnxFormatException("node '" + name() + "' (" + op() + ", opset " + opset + "): " + what);
    }

    OnnxFormatException error(String what, Throwable cause) {
        return new OnnxFormatException("node '" + name() + "' (" + op() + ", opset " + opset + "): " + what, cause);
    }

    /** The {@code i}-th input's value name, or "" when absent (ONNX marks a skipped optional input with ""). */
    String input(int i) {
        return i < proto.getInputCount() ? proto.getInput(i) : "";
    }
}
