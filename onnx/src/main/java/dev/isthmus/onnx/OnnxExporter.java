package dev.isthmus.onnx;

import com.google.protobuf.UnsafeByteOperations;
import dev.isthmus.io.AtomicFiles;
import dev.isthmus.nn.AvgPool2d;
import dev.isthmus.nn.Conv2d;
import dev.isthmus.nn.Dropout;
import dev.isthmus.nn.Flatten;
import dev.isthmus.nn.Layer;
import dev.isthmus.nn.LeakyReLU;
import dev.isthmus.nn.Linear;
import dev.isthmus.nn.MaxPool2d;
import dev.isthmus.nn.ReLU;
import dev.isthmus.nn.Reshape;
import dev.isthmus.nn.Sequential;
import dev.isthmus.nn.Sigmoid;
import dev.isthmus.nn.Softmax;
import dev.isthmus.nn.Tanh;
import dev.isthmus.nn.Unflatten;
import dev.isthmus.nn.Upsample;
import dev.isthmus.onnx.proto.Onnx.GraphProto;
import dev.isthmus.onnx.proto.Onnx.ModelProto;
import dev.isthmus.onnx.proto.Onnx.NodeProto;
import dev.isthmus.onnx.proto.Onnx.OperatorSetIdProto;
import dev.isthmus.onnx.proto.Onnx.StringStringEntryProto;
import dev.isthmus.onnx.proto.Onnx.TensorProto;
import dev.isthmus.onnx.proto.Onnx.TensorShapeProto;
import dev.isthmus.onnx.proto.Onnx.TypeProto;
import dev.isthmus.onnx.proto.Onnx.ValueInfoProto;
import dev.isthmus.tensor.Tensor;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes a {@link Sequential} of supported layers as an ONNX model (opset 13, IR version 7) that ONNX Runtime
 * and other ONNX consumers run: one node per layer (Linear as Gemm with {@code transB=1}, Conv2d as Conv,
 * pools, activations, Flatten, Reshape, Dropout, Upsample as nearest Resize), the weights as initializers
 * under their state_dict names, and a dynamic batch dimension named {@code batch} on the input and output.
 * Nested Sequentials are flattened. Importing the file again ({@link OnnxImporter}) gives the same layers
 * with the same weights, so the same outputs bit for bit.
 */
public final class OnnxExporter {
    public static final int OPSET = 13;
    static final int IR_VERSION = 7;
    static final String INPUT = "input";
    static final String OUTPUT = "output";

    private final GraphProto.Builder graph = GraphProto.newBuilder().setName("isthmus");
    private long weightBytes;

    private OnnxExporter() {
    }

    /** Writes {@code model}, whose input is one sample of {@code sampleShape} plus the batch, to {@code file} (atomically). */
    public static void export(Layer model, int[] sampleShape, Path file) throws IOException {
        export(model, sampleShape, Map.of(), file);
    }

    /**
     * As {@link #export(Layer, int[], Path)}, with {@code metadata} (e.g. an Isthmus model file's class names and
     * scalers) stored as the model's {@code metadata_props}, which the importer hands back.
     */
    public static void export(Layer model, int[] sampleShape, Map<String, String> metadata, Path file) throws IOException {
        ModelProto.Builder b = toProto(model, sampleShape).toBuilder();
        for (Map.Entry<String, String> e : new TreeMap<>(metadata).entrySet()) {
            b.addMetadataProps(StringStringEntryProto.newBuilder().setKey(e.getKey()).setValue(e.getValue()));
        }
        ModelProto m = b.build();
        AtomicFiles.write(file, ch -> {
            OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16);
            m.writeTo(out);
            out.flush();
        });
    }

    /** The ONNX model of {@code model}; throws {@link IllegalArgumentException} naming a layer it cannot write. */
    public static ModelProto toProto(Layer model, int[] sampleShape) {
        List<Layer> layers = new ArrayList<>();
        flatten(model, layers);
        // a batch of 2 in the shape walk, so that a layer that merges the batch dimension is caught
        int[] shape = new int[sampleShape.length + 1];
        shape[0] = 2;
        System.arraycopy(sampleShape, 0, shape, 1, sampleShape.length);
        OnnxExporter e = new OnnxExporter();
        e.graph.addInput(valueInfo(INPUT, shape));
        String value = INPUT;
        for (int i = 0; i < layers.size(); i++) {
            Layer layer = layers.get(i);
            int[] out = layer.outputShape(shape);
            if (out[0] != shape[0]) {
                throw new IllegalArgumentException("layer " + i + " (" + layer.describe() + ") changes the batch dimension"
                        + " (" + java.util.Arrays.toString(shape) + " -> " + java.util.Arrays.toString(out) + "); ONNX export needs it kept");
            }
            String next = i == layers.size() - 1 ? OUTPUT : "/" + i + "/" + layer.getClass().getSimpleName() + "_output_0";
            e.node(i, layer, value, next, out);
            value = next;
            shape = out;
        }
        e.graph.addOutput(valueInfo(OUTPUT, shape));
        return ModelProto.newBuilder().setIrVersion(IR_VERSION).setProducerName("isthmus").setProducerVersion("0.1.0")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .setGraph(e.graph).build();
    }

    private static void flatten(Layer layer, List<Layer> out) {
        if (layer instanceof Sequential s) {
            for (Layer child : s.layers()) {
                flatten(child, out);
            }
        } else {
            out.add(layer);
        }
    }

    private void node(int i, Layer layer, String in, String out, int[] outShape) {
        String prefix = "/" + i + "/";
        NodeProto.Builder n = NodeProto.newBuilder().addInput(in).addOutput(out);
        switch (layer) {
            case Linear l -> {
                n.setOpType("Gemm").addInput(weight(i + ".weight", l.weight().data()));
                if (l.bias() != null) {
                    n.addInput(weight(i + ".bias", l.bias().data()));
                }
                n.addAttribute(OnnxAttributes.of("transB", 1));
            }
            case Conv2d c -> {
                n.setOpType("Conv").addInput(weight(i + ".weight", c.weight().data()));
                if (c.bias() != null) {
                    n.addInput(weight(i + ".bias", c.bias().data()));
                }
                int[] k = c.kernelSize(), s = c.stride(), p = c.padding();
                n.addAttribute(OnnxAttributes.of("kernel_shape", k[0], k[1]))
                        .addAttribute(OnnxAttributes.of("strides", s[0], s[1]))
                        .addAttribute(OnnxAttributes.of("pads", p[0], p[1], p[0], p[1]))
                        .addAttribute(OnnxAttributes.of("dilations", 1, 1))
                        .addAttribute(OnnxAttributes.of("group", 1));
            }
            case MaxPool2d p -> pool(n.setOpType("MaxPool"), p.kernelSize(), p.stride(), p.padding());
            case AvgPool2d p -> {
                pool(n.setOpType("AveragePool"), p.kernelSize(), p.stride(), p.padding());
                n.addAttribute(OnnxAttributes.of("count_include_pad", p.countIncludePad() ? 1 : 0));
            }
            case LeakyReLU l -> n.setOpType("LeakyRelu").addAttribute(OnnxAttributes.of("alpha", l.negativeSlope()));
            case Softmax s -> n.setOpType("Softmax").addAttribute(OnnxAttributes.of("axis", s.dim()));
            case Dropout d -> n.setOpType("Dropout").addInput(scalar(prefix + "ratio", d.p()));
            case Upsample u -> {
                float s = u.scaleFactor();
                n.setOpType("Resize").addInput("").addInput(floats(prefix + "scales", new float[]{1, 1, s, s}))
                        .addAttribute(OnnxAttributes.of("mode", "nearest"))
                        .addAttribute(OnnxAttributes.of("coordinate_transformation_mode", "asymmetric"))
                        .addAttribute(OnnxAttributes.of("nearest_mode", "floor"));
            }
            case Flatten f when outShape.length == 2 -> n.setOpType("Flatten").addAttribute(OnnxAttributes.of("axis", 1));
            case Flatten f -> reshape(n, prefix, outShape);
            case Reshape r -> reshape(n, prefix, outShape);
            case Unflatten u -> reshape(n, prefix, outShape);
            case ReLU r -> n.setOpType("Relu");
            case Sigmoid s -> n.setOpType("Sigmoid");
            case Tanh t -> n.setOpType("Tanh");
            default -> throw new IllegalArgumentException("layer " + i + " (" + layer.describe() + ") has no ONNX export;"
                    + " supported: Linear, Conv2d, MaxPool2d, AvgPool2d, ReLU, LeakyReLU, Sigmoid, Tanh, Softmax,"
                    + " Flatten, Reshape, Unflatten, Dropout, Upsample");
        }
        graph.addNode(n.setName(prefix + n.getOpType()));
    }

    private static void pool(NodeProto.Builder n, int[] k, int[] s, int[] p) {
        n.addAttribute(OnnxAttributes.of("kernel_shape", k[0], k[1]))
                .addAttribute(OnnxAttributes.of("strides", s[0], s[1]))
                .addAttribute(OnnxAttributes.of("pads", p[0], p[1], p[0], p[1]))
                .addAttribute(OnnxAttributes.of("ceil_mode", 0));
    }

    /** A Reshape to {@code [0 (keep the batch), outShape[1:]...]}. */
    private void reshape(NodeProto.Builder n, String prefix, int[] outShape) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(prefix + "shape")
                .setDataType(TensorProto.DataType.INT64_VALUE).addDims(outShape.length).addInt64Data(0);
        for (int d = 1; d < outShape.length; d++) {
            t.addInt64Data(outShape[d]);
        }
        graph.addInitializer(t);
        n.setOpType("Reshape").addInput(prefix + "shape");
    }

    private String weight(String name, Tensor values) {
        long bytes = values.size() * Float.BYTES;
        weightBytes += bytes;
        if (weightBytes > ModelReader.MAX_FILE_BYTES - (1 << 20)) {
            throw new IllegalArgumentException("the weights take more than 2 GiB, the most one ONNX file holds");
        }
        ByteBuffer buf = ByteBuffer.allocate((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(values.toArray());
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE);
        for (int d : values.shape()) {
            t.addDims(d);
        }
        graph.addInitializer(t.setRawData(UnsafeByteOperations.unsafeWrap(buf.array())));
        return name;
    }

    private String floats(String name, float[] v) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE)
                .addDims(v.length);
        for (float x : v) {
            t.addFloatData(x);
        }
        graph.addInitializer(t);
        return name;
    }

    private String scalar(String name, float v) {
        graph.addInitializer(TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE)
                .addFloatData(v));
        return name;
    }

    private static ValueInfoProto valueInfo(String name, int[] shape) {
        TensorShapeProto.Builder s = TensorShapeProto.newBuilder()
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("batch"));
        for (int d = 1; d < shape.length; d++) {
            s.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(shape[d]));
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder()
                .setTensorType(TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(s))).build();
    }
}
