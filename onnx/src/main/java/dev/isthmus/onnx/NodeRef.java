package dev.isthmus.onnx;

import dev.isthmus.onnx.proto.Onnx.NodeProto;

/**
 * A graph node with what every error message about it needs: its name (or its index when unnamed), its
 * operator type and the opset the model imports. {@link #error} builds the one-line message
 * {@code node '/3/Conv' (Conv, opset 13): ...}.
 */
record NodeRef(NodeProto proto, int index, long opset) {
    String name() {
        return proto.getName().isEmpty() ? "#" + index : proto.getName();
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
