package dev.isthmus.onnx;

import dev.isthmus.nn.Conv2d;
import dev.isthmus.nn.Layer;
import dev.isthmus.nn.Sequential;
import dev.isthmus.nn.Upsample;
import dev.isthmus.onnx.proto.Onnx.ModelProto;
import dev.isthmus.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static dev.isthmus.onnx.OnnxAttributes.of;
import static dev.isthmus.onnx.TestGraph.in;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Operator forms PyTorch's fixtures do not produce, on hand-built graphs: what maps, to what, and what is refused. */
class OperatorMappingTest {

    private static Sequential load(ModelProto m) throws OnnxFormatException {
        return (Sequential) OnnxImporter.read(m).model();
    }

    private static String refusal(TestGraph g) {
        return assertThrows(OnnxFormatException.class, () -> OnnxImporter.read(g.build())).getMessage();
    }

    private static float[] run(Layer m, float[] x, int... shape) {
        try (Tensor t = Tensor.of(x, shape)) {
            return m.forward(t).toArray();
        }
    }

    @Test
    void gemmWithoutTransBScalesByAlphaAndBeta() throws OnnxFormatException {
        // B is [in=3, out=2]; y = 2 * x B + 0.5 * C
        float[] b = {1, 2, 3, 4, 5, 6}, c = {10, -10};
        TestGraph g = new TestGraph(13, 3).init("B", b, 3, 2).init("C", c, 2)
                .node("Gemm", in("B", "C"), of("alpha", 2f), of("beta", 0.5f));
        try (Sequential m = load(g.build())) {
            float[] x = {1, -1, 2};
            float[] want = {2 * (1 - 3 + 10) + 5, 2 * (2 - 4 + 12) - 5};
            assertArrayEquals(want, run(m, x, 1, 3));
        }
    }

    @Test
    void matMulAloneIsALinearWithoutBias() throws OnnxFormatException {
        TestGraph g = new TestGraph(11, 2).init("W", new float[]{1, 2, 3, 4}, 2, 2).node("MatMul", in("W"));
        try (Sequential m = load(g.build())) {
            assertArrayEquals(new float[]{1 * 1 + 2 * 3, 1 * 2 + 2 * 4}, run(m, new float[]{1, 2}, 1, 2));
        }
    }

    @Test
    void identityAndZeroPadVanishAndAPadBeforeAConvBecomesItsPadding() throws OnnxFormatException {
        float[] w = new float[2 * 1 * 3 * 3];
        for (int i = 0; i < w.length; i++) {
            w[i] = (i % 7) - 3;
        }
        TestGraph padded = new TestGraph(13, 1, 5, 5).init("W", w, 2, 1, 3, 3).ints("zero", 0, 0, 0, 0, 0, 0, 0, 0)
                .ints("one", 0, 0, 1, 1, 0, 0, 1, 1)
                .node("Identity").node("Pad", in("zero")).node("Pad", in("one")).node("Conv", in("W"));
        TestGraph direct = new TestGraph(13, 1, 5, 5).init("W", w, 2, 1, 3, 3)
                .node("Conv", in("W"), of("pads", 1, 1, 1, 1));
        float[] x = new float[25];
        for (int i = 0; i < 25; i++) {
            x[i] = i * 0.1f;
        }
        try (Sequential a = load(padded.build()); Sequential b = load(direct.build())) {
            assertEquals(1, a.size());
            assertArrayEquals(new int[]{1, 1}, assertInstanceOf(Conv2d.class, a.get(0)).padding());
            assertArrayEquals(run(b, x, 1, 1, 5, 5), run(a, x, 1, 1, 5, 5));
        }
    }

    @Test
    void resizeByHalfPixelSizesAndUpsampleAreNearestUpsampling() throws OnnxFormatException {
        TestGraph sizes = new TestGraph(13, 2, 3, 4).ints("sizes", 1, 2, 9, 12)
                .node("Resize", in("", "", "sizes"), of("mode", "nearest"));
        TestGraph old = new TestGraph(11, 2, 3, 4).init("scales", new float[]{1, 1, 2, 2}, 4).node("Upsample", in("scales"));
        try (Sequential a = load(sizes.build()); Sequential b = load(old.build())) {
            assertEquals(3, assertInstanceOf(Upsample.class, a.get(0)).scaleFactor());
            assertEquals(2, assertInstanceOf(Upsample.class, b.get(0)).scaleFactor());
        }
        TestGraph corners = new TestGraph(13, 2, 3, 4).init("s", new float[]{1, 1, 2, 2}, 4)
                .node("Resize", in("", "s"), of("coordinate_transformation_mode", "align_corners"));
        assertTrue(refusal(corners).contains("align_corners"));
        TestGraph ceil = new TestGraph(13, 2, 3, 4).init("s", new float[]{1, 1, 2, 2}, 4)
                .node("Resize", in("", "s"), of("coordinate_transformation_mode", "asymmetric"), of("nearest_mode", "ceil"));
        assertTrue(refusal(ceil).contains("does not repeat each pixel"));
        TestGraph fractional = new TestGraph(13, 2, 3, 4).init("s", new float[]{1, 1, 1.5f, 1.5f}, 4).node("Resize", in("", "s"));
        assertTrue(refusal(fractional).contains("one integer s"));
        TestGraph linear = new TestGraph(13, 2, 3, 4).init("s", new float[]{1, 1, 2, 2}, 4).node("Resize", in("", "s"), of("mode", "linear"));
        assertTrue(refusal(linear).contains("mode 'linear'"));
    }

    @Test
    void formsWithoutAnIsthmusLayerAreRefusedByNode() {
        float[] w = new float[4 * 2 * 3 * 3];
        assertTrue(refusal(new TestGraph(13, 2, 4, 4).init("s", new float[2], 2).init("b", new float[2], 2)
                .init("m", new float[2], 2).init("v", new float[2], 2).node("BatchNormalization", in("s", "b", "m", "v")))
                .contains("node 'batchnormalization0' (BatchNormalization, opset 13): must directly follow a Conv"));
        assertTrue(refusal(new TestGraph(13, 3).init("c", new float[3], 3).node("Add", in("c")))
                .contains("only directly after a MatMul"));
        assertTrue(refusal(new TestGraph(13, 2, 4, 4).node("MaxPool", of("kernel_shape", 2, 2), of("ceil_mode", 1)))
                .contains("ceil_mode=1"));
        assertTrue(refusal(new TestGraph(11, 2, 4, 4).node("Softmax", of("axis", 1)))
                .contains("before opset 13"));
        assertTrue(refusal(new TestGraph(13, 2, 4, 4).ints("s", 2, -1).node("Reshape", in("s")))
                .contains("fixes the batch size"));
        assertTrue(refusal(new TestGraph(13, 2, 4, 4).node("Flatten", of("axis", 2))).contains("axis=2"));
        assertTrue(refusal(new TestGraph(13, 2, 4, 4).init("W", w, 4, 2, 3, 3)
                .node("Conv", in("W"), of("auto_pad", "SAME_UPPER"))).contains("auto_pad=SAME_UPPER"));
        assertTrue(refusal(new TestGraph(13, 2, 4, 4).init("W", w, 4, 2, 3, 3)
                .node("Conv", in("W"), of("pads", 0, 0, 1, 1))).contains("asymmetric pads"));
        assertTrue(refusal(new TestGraph(13, 2, 4, 4).init("W", w, 4, 2, 3, 3)
                .node("Conv", in("W"), of("dilations", 2, 2))).contains("dilation 1"));
        assertTrue(refusal(new TestGraph(13, 2, 4, 4).ints("p", 0, 0, 1, 1, 0, 0, 1, 1).node("Pad", in("p"))
                .node("MaxPool", of("kernel_shape", 2, 2))).contains("only a Conv or AveragePool can absorb"));
    }

    @Test
    void anUpsampleChainCannotBlowUpTheActivations() {
        TestGraph g = new TestGraph(13, 4, 256, 256);
        for (int i = 0; i < 3; i++) {
            g.init("s" + i, new float[]{1, 1, 64, 64}, 4).node("Resize", in("", "s" + i), of("coordinate_transformation_mode", "asymmetric"),
                    of("nearest_mode", "floor"));
        }
        String msg = refusal(g);
        assertTrue(msg.contains("node 'resize0'") && msg.contains("values per sample"), msg);
    }

    @Test
    void theDeclaredOutputShapeMustMatch() {
        TestGraph g = new TestGraph(13, 3).init("B", new float[6], 2, 3).node("Gemm", in("B"), of("transB", 1));
        ModelProto m = g.build();
        var out = m.getGraph().getOutput(0).toBuilder().setType(dev.isthmus.onnx.proto.Onnx.TypeProto.newBuilder()
                .setTensorType(dev.isthmus.onnx.proto.Onnx.TypeProto.Tensor.newBuilder().setElemType(1)
                        .setShape(dev.isthmus.onnx.proto.Onnx.TensorShapeProto.newBuilder()
                                .addDim(dev.isthmus.onnx.proto.Onnx.TensorShapeProto.Dimension.newBuilder().setDimParam("N"))
                                .addDim(dev.isthmus.onnx.proto.Onnx.TensorShapeProto.Dimension.newBuilder().setDimValue(5)))));
        ModelProto bad = m.toBuilder().setGraph(m.getGraph().toBuilder().setOutput(0, out)).build();
        String msg = assertThrows(OnnxFormatException.class, () -> OnnxImporter.read(bad)).getMessage();
        assertTrue(msg.contains("declared [N, 5]") && msg.contains("[1, 2]"), msg);
    }
}
