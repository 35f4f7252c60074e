package dev.isthmus.onnx;

import java.util.Set;

/**
 * The first pass of an import: every node's operator and the attributes that decide whether it maps onto an
 * Isthmus layer, checked before any weight is read, so an unsupported model fails at once with the node's
 * name, operator type and opset. What needs the values of constants or the shapes flowing through the
 * graph (scales, pads, axes) is checked where the node is mapped ({@link LayerMapper}).
 */
final class OpCheck {
    /** The operators the importer maps, in the default ONNX domain. */
    static final Set<String> SUPPORTED = Set.of("Conv", "Gemm", "MatMul", "Add", "Relu", "LeakyRelu", "Sigmoid",
            "Tanh", "Softmax", "MaxPool", "AveragePool", "Flatten", "Reshape", "Dropout", "Identity", "Upsample",
            "Resize", "Constant", "BatchNormalization", "Pad");

    private OpCheck() {
    }

    static void check(NodeRef n) throws OnnxFormatException {
        String domain = n.proto().getDomain();
        if (!domain.isEmpty() && !domain.equals("ai.onnx")) {
            throw n.error("operator of domain '" + domain + "' is not supported; Isthmus imports only standard ONNX operators");
        }
        if (!SUPPORTED.contains(n.op())) {
            throw n.error("unsupported operator; Isthmus imports " + String.join(", ", new java.util.TreeSet<>(SUPPORTED)));
        }
        if (n.proto().getOutputCount() < 1 || n.proto().getOutput(0).isEmpty()) {
            throw n.error("has no output");
        }
        Attrs a = Attrs.of(n);
        switch (n.op()) {
            case "Conv" -> {
                inputs(n, 2, 3);
                requireAll(n, a.getInts("dilations"), 1, "dilations", "dilation 1");
                if (a.getInt("group", 1) != 1) {
                    throw n.error("group=" + a.getInt("group", 1) + " is not supported (Isthmus' Conv2d has groups=1)");
                }
                spatial(n, a);
            }
            case "Gemm" -> {
                inputs(n, 2, 3);
                if (a.getInt("transA", 0) != 0) {
                    throw n.error("transA=1 is not supported (the input must be [N, in])");
                }
            }
            case "MatMul", "Add" -> inputs(n, 2, 2);
            case "MaxPool", "AveragePool" -> {
                inputs(n, 1, 1);
                if (a.getInts("kernel_shape") == null || a.getInts("kernel_shape").length != 2) {
                    throw n.error("needs a 2-D kernel_shape");
                }
                if (a.getInt("ceil_mode", 0) != 0) {
                    throw n.error("ceil_mode=1 is not supported (Isthmus pools with floor, PyTorch's default)");
                }
                requireAll(n, a.getInts("dilations"), 1, "dilations", "dilation 1");
                if (a.getInt("storage_order", 0) != 0) {
                    throw n.error("storage_order=1 is not supported");
                }
                spatial(n, a);
            }
            case "BatchNormalization" -> {
                inputs(n, 5, 5);
                if (a.getInt("training_mode", 0) != 0) {
                    throw n.error("training_mode=1 is not supported (only inference, with the running statistics)");
                }
            }
            case "Resize", "Upsample" -> {
                String mode = a.getString("mode", "nearest");
                if (!mode.equals("nearest")) {
                    throw n.error("mode '" + mode + "' is not supported; only 'nearest' (Isthmus' Upsample)");
                }
            }
            case "Pad" -> {
                String mode = a.getString("mode", "constant");
                if (!mode.equals("constant")) {
                    throw n.error("mode '" + mode + "' is not supported; only zero 'constant' padding");
                }
            }
            case "Reshape" -> {
                inputs(n, 2, 2);
                if (a.getInt("allowzero", 0) != 0) {
                    throw n.error("allowzero=1 is not supported");
                }
            }
            case "Constant" -> {
                if (n.proto().getInputCount() != 0 || !(a.has("value") || a.has("value_float") || a.has("value_floats")
                        || a.has("value_int") || a.has("value_ints"))) {
                    throw n.error("only dense numeric constants (value, value_float(s), value_int(s)) are supported");
                }
            }
            default -> inputs(n, 1, 3);
        }
    }

    /** Rejects SAME auto-padding (its pads depend on the input size) and asymmetric explicit pads. */
    private static void spatial(NodeRef n, Attrs a) throws OnnxFormatException {
        String autoPad = a.getString("auto_pad", "NOTSET");
        if (!autoPad.equals("NOTSET") && !autoPad.equals("VALID")) {
            throw n.error("auto_pad=" + autoPad + " is not supported; give explicit pads");
        }
        long[] pads = a.getInts("pads");
        if (pads != null) {
            if (pads.length != 4) {
                throw n.error("pads must have 4 values [top, left, bottom, right] for a 2-D operator, got " + pads.length);
            }
            if (pads[0] != pads[2] || pads[1] != pads[3]) {
                throw n.error("asymmetric pads " + java.util.Arrays.toString(pads) + " are not supported");
            }
        }
        long[] strides = a.getInts("strides");
        if (strides != null && strides.length != 2) {
            throw n.error("strides must have 2 values, got " + strides.length);
        }
    }

    private static void inputs(NodeRef n, int min, int max) throws OnnxFormatException {
        int count = n.proto().getInputCount();
        if (count < min || count > max) {
            throw n.error("expects " + (min == max ? min : min + " to " + max) + " inputs, got " + count);
        }
    }

    private static void requireAll(NodeRef n, long[] v, long want, String name, String what) throws OnnxFormatException {
        if (v == null) {
            return;
        }
        for (long x : v) {
            if (x != want) {
                throw n.error(name + "=" + java.util.Arrays.toString(v) + " is not supported (only " + what + ")");
            }
        }
    }
}
