package dev.isthmus.onnx;

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
import dev.isthmus.nn.Sigmoid;
import dev.isthmus.nn.Softmax;
import dev.isthmus.nn.Tanh;
import dev.isthmus.nn.Upsample;
import dev.isthmus.onnx.proto.Onnx.TensorProto;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The third pass of an import: walks the checked chain ({@link GraphChain}) and builds one Isthmus layer per
 * operator (or per operator pair: Conv+BatchNormalization, MatMul+Add, Pad+Conv, Pad+AveragePool), reading
 * each layer's weights only now. The shape of one sample is carried along, so attributes that depend on it
 * (axes, sizes, reshape targets) are resolved and every layer is checked to accept what the one before gives.
 * Layers that do nothing at inference (Identity, zero Pad) are dropped; Dropout is kept (identity in eval).
 */
final class LayerMapper {
    private final GraphChain graph;
    private final List<Layer> layers = new ArrayList<>();
    /** The current tensor's shape with a batch of 1. */
    private int[] shape;
    private int at;
    /** Spatial zero padding of a Pad node waiting for the Conv or AveragePool that follows it. */
    private int[] pendingPad;

    private LayerMapper(GraphChain graph, int[] inputShape) {
        this.graph = graph;
        this.shape = inputShape;
    }

    /** The layers for {@code graph}, whose input is {@code inputShape} (batch dimension 1 included). */
    static List<Layer> map(GraphChain graph, int[] inputShape) throws OnnxFormatException {
        LayerMapper m = new LayerMapper(graph, inputShape);
        try {
            for (m.at = 0; m.at < graph.nodes.size(); m.at++) {
                m.node(graph.nodes.get(m.at));
            }
            if (m.pendingPad != null) {
                throw graph.nodes.get(graph.nodes.size() - 1).error("a Pad must be followed by a Conv or AveragePool");
            }
            if (m.layers.isEmpty()) {
                throw new OnnxFormatException("the graph holds only Identity/Pad nodes; there is no layer to import");
            }
        } catch (OnnxFormatException | RuntimeException e) {
            m.layers.forEach(Layer::close);
            throw e;
        }
        return m.layers;
    }

    int[] shape() {
        return shape;
    }

    private void node(NodeRef n) throws OnnxFormatException {
        Attrs a = Attrs.of(n);
        if (pendingPad != null && !n.op().equals("Conv") && !n.op().equals("AveragePool")) {
            throw n.error("follows a non-zero Pad; only a Conv or AveragePool can absorb the padding");
        }
        switch (n.op()) {
            case "Conv" -> conv(n, a);
            case "Gemm" -> gemm(n, a);
            case "MatMul" -> matMul(n);
            case "Relu" -> add(n, new ReLU());
            case "Sigmoid" -> add(n, new Sigmoid());
            case "Tanh" -> add(n, new Tanh());
            case "LeakyRelu" -> add(n, new LeakyReLU(a.getFloat("alpha", 0.01f)));
            case "Softmax" -> softmax(n, a);
            case "MaxPool", "AveragePool" -> pool(n, a);
            case "Flatten" -> {
                long axis = a.getInt("axis", 1);
                if ((axis < 0 ? axis + shape.length : axis) != 1) {
                    throw n.error("axis=" + axis + " on a rank-" + shape.length + " tensor is not supported; only axis 1"
                            + " (keep the batch dimension, merge the rest)");
                }
                add(n, new Flatten());
            }
            case "Reshape" -> reshape(n);
            case "Dropout" -> dropout(n, a);
            case "Identity" -> { }
            case "Pad" -> pad(n);
            case "Resize", "Upsample" -> upsample(n, a);
            default -> throw n.error("unexpected here");
        }
    }

    private void add(NodeRef n, Layer layer) throws OnnxFormatException {
        int[] out;
        try {
            out = layer.outputShape(shape);
        } catch (IllegalArgumentException | ArithmeticException e) {
            layer.close();
            throw n.error("its input " + Arrays.toString(shape) + " does not fit: " + e.getMessage(), e);
        }
        long values = 1;
        for (int d : out) {
            values = values > OnnxImporter.MAX_SAMPLE ? values : values * d;
        }
        if (values > OnnxImporter.MAX_SAMPLE) {
            layer.close();
            throw n.error("gives " + Arrays.toString(out) + ", more than " + OnnxImporter.MAX_SAMPLE + " values per sample");
        }
        layers.add(layer);
        shape = out;
    }

    private void conv(NodeRef n, Attrs a) throws OnnxFormatException {
        requireRank(n, 4);
        TensorProto wt = constant(n, 1, "the weight");
        int[] ws = TensorData.shape(wt);
        if (ws.length != 4 || ws[1] != shape[1]) {
            throw n.error("weight " + Arrays.toString(ws) + " must be [out, " + shape[1] + ", kh, kw] for input "
                    + Arrays.toString(shape));
        }
        int[] kernel = a.getInts("kernel_shape", 2, 0);
        if (a.has("kernel_shape") && (kernel[0] != ws[2] || kernel[1] != ws[3])) {
            throw n.error("kernel_shape " + Arrays.toString(kernel) + " disagrees with the weight " + Arrays.toString(ws));
        }
        int[] pads = pads(a), strides = a.getInts("strides", 2, 1);
        if (pendingPad != null) {
            // zero padding either way: a preceding Pad adds to the Conv's own
            pads = new int[]{pads[0] + pendingPad[0], pads[1] + pendingPad[1]};
            pendingPad = null;
        }
        float[] w = TensorData.floats(wt, tensorName(n, 1));
        float[] b = optionalFloats(n, 2, ws[0], "the bias");
        if (at + 1 < graph.nodes.size() && graph.nodes.get(at + 1).op().equals("BatchNormalization")) {
            NodeRef bn = graph.nodes.get(++at);
            float eps = Attrs.of(bn).getFloat("epsilon", 1e-5f);
            b = Folding.foldBatchNorm(w, b, ws[0], channelFloats(bn, 1, ws[0]), channelFloats(bn, 2, ws[0]),
                    channelFloats(bn, 3, ws[0]), channelFloats(bn, 4, ws[0]), eps);
        }
        Conv2d conv;
        try {
            conv = new Conv2d(ws[1], ws[0], ws[2], ws[3], strides[0], strides[1], pads[0], pads[1], b != null);
        } catch (IllegalArgumentException e) {
            throw n.error(e.getMessage(), e);
        }
        conv.weight().data().copyFrom(w);
        if (b != null) {
            conv.bias().data().copyFrom(b);
        }
        add(n, conv);
    }

    private void gemm(NodeRef n, Attrs a) throws OnnxFormatException {
        requireRank(n, 2);
        TensorProto wt = constant(n, 1, "B (the weight)");
        int[] ws = TensorData.shape(wt);
        boolean transB = a.getInt("transB", 0) != 0;
        if (ws.length != 2 || ws[transB ? 1 : 0] != shape[1]) {
            throw n.error("B " + Arrays.toString(ws) + " must be " + (transB ? "[out, " + shape[1] + "]" : "[" + shape[1]
                    + ", out]") + " (transB=" + (transB ? 1 : 0) + ") for input " + Arrays.toString(shape));
        }
        int out = ws[transB ? 0 : 1];
        float[] w = TensorData.floats(wt, tensorName(n, 1));
        if (!transB) {
            w = Folding.transpose(w, ws[0], ws[1]);
        }
        Folding.scale(w, a.getFloat("alpha", 1f));
        float[] b = optionalFloats(n, 2, out, "C (the bias)");
        if (b != null) {
            Folding.scale(b, a.getFloat("beta", 1f));
        }
        linear(n, shape[1], out, w, b);
    }

    private void matMul(NodeRef n) throws OnnxFormatException {
        requireRank(n, 2);
        TensorProto wt = constant(n, 1, "the second operand (the weight)");
        int[] ws = TensorData.shape(wt);
        if (ws.length != 2 || ws[0] != shape[1]) {
            throw n.error("the weight " + Arrays.toString(ws) + " must be [" + shape[1] + ", out] for input "
                    + Arrays.toString(shape));
        }
        float[] w = Folding.transpose(TensorData.floats(wt, tensorName(n, 1)), ws[0], ws[1]);
        float[] b = null;
        if (at + 1 < graph.nodes.size() && graph.nodes.get(at + 1).op().equals("Add")) {
            NodeRef add = graph.nodes.get(++at);
            int c = graph.constants.containsKey(add.input(1)) ? 1 : 0;
            b = Folding.broadcast(TensorData.floats(constant(add, c, "the bias"), tensorName(add, c)), ws[1]);
            if (b == null) {
                throw add.error("the bias must have " + ws[1] + " values (or one)");
            }
        }
        linear(n, ws[0], ws[1], w, b);
    }

    private void linear(NodeRef n, int in, int out, float[] w, float[] b) throws OnnxFormatException {
        Linear lin;
        try {
            lin = new Linear(in, out, b != null);
        } catch (IllegalArgumentException e) {
            throw n.error(e.getMessage(), e);
        }
        lin.weight().data().copyFrom(w);
        if (b != null) {
            lin.bias().data().copyFrom(b);
        }
        add(n, lin);
    }

    private void softmax(NodeRef n, Attrs a) throws OnnxFormatException {
        long axis = a.getInt("axis", n.opset() < 13 ? 1 : -1);
        long d = axis < 0 ? axis + shape.length : axis;
        if (d < 1 || d >= shape.length) {
            throw n.error("axis=" + axis + " on a rank-" + shape.length + " tensor is not supported (not the batch axis)");
        }
        if (n.opset() < 13 && d != shape.length - 1) {
            throw n.error("axis=" + axis + " before opset 13 means a softmax over all dimensions from the axis on;"
                    + " only the last axis is supported");
        }
        add(n, new Softmax((int) d));
    }

    private void pool(NodeRef n, Attrs a) throws OnnxFormatException {
        requireRank(n, 4);
        int[] k = a.getInts("kernel_shape", 2, 0), s = a.getInts("strides", 2, 1), p = pads(a);
        boolean avg = n.op().equals("AveragePool");
        boolean includePad = a.getInt("count_include_pad", 0) != 0;
        if (pendingPad != null) {
            if (p[0] != 0 || p[1] != 0) {
                throw n.error("has its own pads after a Pad node; give the padding in one place");
            }
            p = pendingPad;
            includePad = true;
            pendingPad = null;
        }
        try {
            add(n, avg ? new AvgPool2d(k[0], k[1], s[0], s[1], p[0], p[1], includePad)
                    : new MaxPool2d(k[0], k[1], s[0], s[1], p[0], p[1]));
        } catch (IllegalArgumentException e) {
            throw n.error(e.getMessage(), e);
        }
    }

    private void reshape(NodeRef n) throws OnnxFormatException {
        long[] target = TensorData.longs(constant(n, 1, "the target shape"), tensorName(n, 1));
        if (target.length < 1 || target.length > TensorData.MAX_RANK) {
            throw n.error("the target shape " + Arrays.toString(target) + " must have 1 to " + TensorData.MAX_RANK + " entries");
        }
        if (target[0] > 0 && Arrays.stream(target).skip(1).anyMatch(v -> v == -1)) {
            throw n.error("target " + Arrays.toString(target) + " fixes the batch size; Isthmus needs 0 or -1 first"
                    + " (keep the batch) or a fully given sample shape");
        }
        int[] sample = new int[target.length - 1];
        for (int i = 1; i < target.length; i++) {
            long v = target[i];
            if (v == 0 && i >= shape.length || v < -1 || v > Integer.MAX_VALUE) {
                throw n.error("target " + Arrays.toString(target) + " has an invalid entry " + v + " for input " + Arrays.toString(shape));
            }
            sample[i - 1] = v == 0 ? shape[i] : (int) v;
        }
        try {
            add(n, new Reshape(sample));
        } catch (IllegalArgumentException e) {
            throw n.error(e.getMessage(), e);
        }
    }

    private void dropout(NodeRef n, Attrs a) throws OnnxFormatException {
        float ratio = a.getFloat("ratio", 0.5f);
        if (!n.input(1).isEmpty()) {
            float[] r = TensorData.floats(constant(n, 1, "the ratio"), tensorName(n, 1));
            if (r.length != 1) {
                throw n.error("the ratio must be one value, got " + r.length);
            }
            ratio = r[0];
        }
        try {
            add(n, new Dropout(ratio));
        } catch (IllegalArgumentException e) {
            throw n.error(e.getMessage(), e);
        }
    }

    private void pad(NodeRef n) throws OnnxFormatException {
        long[] p = TensorData.longs(constant(n, 1, "the pads"), tensorName(n, 1));
        int r = shape.length;
        if (p.length != 2 * r) {
            throw n.error("pads must have " + 2 * r + " values for a rank-" + r + " input, got " + p.length);
        }
        if (!n.input(2).isEmpty()) {
            float[] v = TensorData.floats(constant(n, 2, "the constant value"), tensorName(n, 2));
            if (v.length != 1 || v[0] != 0f) {
                throw n.error("only zero padding is supported, got value " + Arrays.toString(v));
            }
        }
        if (Arrays.stream(p).allMatch(v -> v == 0)) {
            return;
        }
        if (r != 4 || p[0] != 0 || p[1] != 0 || p[4] != 0 || p[5] != 0 || p[2] != p[6] || p[3] != p[7]
                || p[2] < 0 || p[3] < 0 || p[2] > 1 << 16 || p[3] > 1 << 16) {
            throw n.error("pads " + Arrays.toString(p) + " are not supported: only equal, non-negative padding of H and W");
        }
        pendingPad = new int[]{(int) p[2], (int) p[3]};
    }

    private void upsample(NodeRef n, Attrs a) throws OnnxFormatException {
        requireRank(n, 4);
        boolean resize = n.op().equals("Resize");
        float[] scales = null;
        if (!resize && a.has("scales")) {
            scales = new float[a.get("scales").getFloatsCount()];
            for (int i = 0; i < scales.length; i++) {
                scales[i] = a.get("scales").getFloats(i);
            }
        }
        int si = resize ? 2 : 1;
        if (scales == null && !n.input(si).isEmpty()) {
            scales = TensorData.floats(constant(n, si, "the scales"), tensorName(n, si));
        }
        if ((scales == null || scales.length == 0) && resize && !n.input(3).isEmpty()) {
            long[] sizes = TensorData.longs(constant(n, 3, "the sizes"), tensorName(n, 3));
            scales = new float[sizes.length];
            for (int i = 0; i < sizes.length && i < 4; i++) {
                scales[i] = sizes[i] % shape[i] == 0 ? (float) (sizes[i] / shape[i]) : Float.NaN;
            }
            scales[0] = 1f;
        }
        if (scales == null || scales.length != 4 || scales[0] != 1f || scales[1] != 1f || scales[2] != scales[3]
                || !(scales[2] >= 1f && scales[2] <= 64f) || scales[2] != Math.rint(scales[2])) {
            throw n.error("scales " + Arrays.toString(scales) + " are not supported: only [1, 1, s, s] with one integer s"
                    + " (1 to 64) for H and W");
        }
        int s = (int) scales[2];
        String transform = resize ? a.getString("coordinate_transformation_mode", "half_pixel") : "asymmetric";
        String rounding = resize ? a.getString("nearest_mode", "round_prefer_floor") : "floor";
        if (!Folding.nearestIsFloor(transform, rounding, s)) {
            throw n.error("coordinate_transformation_mode '" + transform + "' with nearest_mode '" + rounding
                    + "' does not repeat each pixel " + s + " times; not supported");
        }
        add(n, new Upsample(s));
    }

    private int[] pads(Attrs a) throws OnnxFormatException {
        int[] p = a.getInts("pads", 4, 0);
        return new int[]{p[0], p[1]};
    }

    private void requireRank(NodeRef n, int rank) throws OnnxFormatException {
        if (shape.length != rank) {
            throw n.error("expects a rank-" + rank + " input, got " + Arrays.toString(shape));
        }
    }

    private TensorProto constant(NodeRef n, int input, String role) throws OnnxFormatException {
        String name = n.input(input);
        TensorProto t = graph.constants.get(name);
        if (t == null) {
            throw n.error(role + " (input " + input + (name.isEmpty() ? "" : ", '" + name + "'")
                    + ") must be a constant: an initializer or a Constant node's output");
        }
        return t;
    }

    private static String tensorName(NodeRef n, int input) {
        return "tensor '" + n.input(input) + "' (input " + input + " of node '" + n.name() + "')";
    }

    private float[] optionalFloats(NodeRef n, int input, int count, String role) throws OnnxFormatException {
        if (n.input(input).isEmpty()) {
            return null;
        }
        float[] v = Folding.broadcast(TensorData.floats(constant(n, input, role), tensorName(n, input)), count);
        if (v == null) {
            throw n.error(role + " must have " + count + " values (or one)");
        }
        return v;
    }

    private float[] channelFloats(NodeRef n, int input, int channels) throws OnnxFormatException {
        float[] v = TensorData.floats(constant(n, input, "input " + input), tensorName(n, input));
        if (v.length != channels) {
            throw n.error("input " + input + " must have one value per channel (" + channels + "), got " + v.length);
        }
        return v;
    }
}
