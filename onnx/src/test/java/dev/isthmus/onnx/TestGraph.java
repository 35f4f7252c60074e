package dev.isthmus.onnx;

import dev.isthmus.onnx.proto.Onnx.AttributeProto;
import dev.isthmus.onnx.proto.Onnx.GraphProto;
import dev.isthmus.onnx.proto.Onnx.ModelProto;
import dev.isthmus.onnx.proto.Onnx.NodeProto;
import dev.isthmus.onnx.proto.Onnx.OperatorSetIdProto;
import dev.isthmus.onnx.proto.Onnx.TensorProto;
import dev.isthmus.onnx.proto.Onnx.TensorShapeProto;
import dev.isthmus.onnx.proto.Onnx.TypeProto;
import dev.isthmus.onnx.proto.Onnx.ValueInfoProto;

/**
 * Hand-built ONNX graphs for tests: a chain of nodes from {@code x} to {@code y}, each node reading the
 * previous node's output plus named initializers, so a test states only the operators and weights it is about.
 */
final class TestGraph {
    private final GraphProto.Builder g = GraphProto.newBuilder().setName("test");
    private final long opset;
    private String last = "x";
    private int count;

    TestGraph(long opset, long... sample) {
        this.opset = opset;
        g.addInput(info("x", sample));
    }

    TestGraph init(String name, float[] values, long... dims) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE);
        for (long d : dims) {
            t.addDims(d);
        }
        for (float v : values) {
            t.addFloatData(v);
        }
        g.addInitializer(t);
        return this;
    }

    TestGraph ints(String name, long... values) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.INT64_VALUE)
                .addDims(values.length);
        for (long v : values) {
            t.addInt64Data(v);
        }
        g.addInitializer(t);
        return this;
    }

    /** A node reading the previous output then {@code constants} (use "" for a skipped optional input). */
    TestGraph node(String op, String[] constants, AttributeProto... attrs) {
        String out = "v" + count;
        NodeProto.Builder n = NodeProto.newBuilder().setName(op.toLowerCase() + count).setOpType(op).addInput(last).addOutput(out);
        for (String c : constants) {
            n.addInput(c);
        }
        for (AttributeProto a : attrs) {
            n.addAttribute(a);
        }
        g.addNode(n);
        last = out;
        count++;
        return this;
    }

    TestGraph node(String op, AttributeProto... attrs) {
        return node(op, new String[0], attrs);
    }

    static String[] in(String... names) {
        return names;
    }

    ModelProto build() {
        GraphProto.Builder done = g.clone();
        NodeProto.Builder lastNode = done.getNodeBuilder(done.getNodeCount() - 1);
        lastNode.setOutput(0, "y");
        done.addOutput(ValueInfoProto.newBuilder().setName("y"));
        return ModelProto.newBuilder().setIrVersion(8)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(opset)).setGraph(done).build();
    }

    private static ValueInfoProto info(String name, long... sample) {
        TensorShapeProto.Builder s = TensorShapeProto.newBuilder().addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("N"));
        for (long d : sample) {
            s.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder()
                .setTensorType(TypeProto.Tensor.newBuilder().setElemType(1).setShape(s))).build();
    }
}
