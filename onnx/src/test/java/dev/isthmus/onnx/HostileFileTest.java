package dev.isthmus.onnx;

import com.google.protobuf.ByteString;
import dev.isthmus.models.CourseModels;
import dev.isthmus.nn.Sequential;
import dev.isthmus.onnx.proto.Onnx.GraphProto;
import dev.isthmus.onnx.proto.Onnx.ModelProto;
import dev.isthmus.onnx.proto.Onnx.NodeProto;
import dev.isthmus.onnx.proto.Onnx.StringStringEntryProto;
import dev.isthmus.onnx.proto.Onnx.TensorProto;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Broken and hostile ONNX files are refused with one clear line naming what is wrong (the node, the tensor),
 * never an OutOfMemoryError, a wrong size handed to a kernel or a crash.
 */
class HostileFileTest {
    @TempDir
    Path dir;

    /** LeNet-5 as Isthmus exports it: 12 nodes /0/Conv ... /11/Gemm, initializers 0.weight ... */
    private static ModelProto lenet() {
        try (Sequential m = CourseModels.lenet5(10, 1)) {
            return OnnxExporter.toProto(m, new int[]{1, 28, 28});
        }
    }

    private String refused(ModelProto m) throws IOException {
        return refused(m.toByteArray());
    }

    private String refused(byte[] bytes) throws IOException {
        Path f = dir.resolve("hostile.onnx");
        Files.write(f, bytes);
        OnnxFormatException e = assertThrows(OnnxFormatException.class, () -> OnnxImporter.read(f));
        assertTrue(!e.getMessage().contains("\n"), "one line: " + e.getMessage());
        return e.getMessage();
    }

    private static ModelProto withGraph(ModelProto m, GraphProto.Builder g) {
        return m.toBuilder().setGraph(g).build();
    }

    private static void assertMentions(String msg, String... parts) {
        for (String p : parts) {
            assertTrue(msg.contains(p), "'" + p + "' missing from: " + msg);
        }
    }

    @Test
    void truncatedFile() throws IOException {
        byte[] full = lenet().toByteArray();
        assertMentions(refused(Arrays.copyOf(full, full.length / 2)), "not a valid ONNX model", "truncated");
        assertMentions(refused(Arrays.copyOf(full, 7)), "not a valid ONNX model");
    }

    @Test
    void randomBytesAndAnEmptyFile() throws IOException {
        byte[] junk = new byte[4096];
        new Random(5).nextBytes(junk);
        refused(junk);
        assertMentions(refused(new byte[0]), "empty");
        assertMentions(refused("this is not a model".getBytes()), "ONNX");
    }

    @Test
    void rawDataShorterThanTheDims() throws IOException {
        ModelProto m = lenet();
        GraphProto.Builder g = m.getGraph().toBuilder();
        TensorProto w = g.getInitializer(0);
        g.setInitializer(0, w.toBuilder().setRawData(w.getRawData().substring(0, 100)));
        assertMentions(refused(withGraph(m, g)), "initializer '0.weight'", "[6, 1, 5, 5]", "100 bytes of raw_data");
    }

    @Test
    void dimsThatOverflow() throws IOException {
        ModelProto m = lenet();
        GraphProto.Builder g = m.getGraph().toBuilder();
        g.setInitializer(2, g.getInitializer(2).toBuilder().clearDims().addDims(1L << 40).addDims(1L << 40).addDims(16));
        assertMentions(refused(withGraph(m, g)), "initializer '3.weight'", "more than");
        g.setInitializer(2, g.getInitializer(2).toBuilder().clearDims().addDims(-4).addDims(16));
        assertMentions(refused(withGraph(m, g)), "initializer '3.weight'", "negative");
    }

    @Test
    void externalDataIsNotFollowed() throws IOException {
        ModelProto m = lenet();
        GraphProto.Builder g = m.getGraph().toBuilder();
        g.setInitializer(0, g.getInitializer(0).toBuilder().clearRawData()
                .setDataLocation(TensorProto.DataLocation.EXTERNAL)
                .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue("../../etc/passwd")));
        assertMentions(refused(withGraph(m, g)), "initializer '0.weight'", "external file", "../../etc/passwd");
    }

    @Test
    void aCycle() throws IOException {
        ModelProto m = lenet();
        GraphProto.Builder g = m.getGraph().toBuilder();
        g.addNode(NodeProto.newBuilder().setName("loop_a").setOpType("Relu").addInput("loop_b_out").addOutput("loop_a_out"));
        g.addNode(NodeProto.newBuilder().setName("loop_b").setOpType("Relu").addInput("loop_a_out").addOutput("loop_b_out"));
        assertMentions(refused(withGraph(m, g)), "node 'loop_a' (Relu, opset 13)", "cycle", "'loop_b'");
    }

    @Test
    void aBranch() throws IOException {
        ModelProto m = lenet();
        GraphProto.Builder g = m.getGraph().toBuilder();
        g.addNode(NodeProto.newBuilder().setName("side").setOpType("Relu").addInput("/1/ReLU_output_0").addOutput("side_out"));
        assertMentions(refused(withGraph(m, g)), "'/1/ReLU_output_0' feeds 2 nodes", "'side'", "branches");
    }

    @Test
    void anUnknownOperatorIsRefusedBeforeAnyWeightIsRead() throws IOException {
        ModelProto m = lenet();
        GraphProto.Builder g = m.getGraph().toBuilder();
        g.setNode(4, g.getNode(4).toBuilder().setOpType("LSTM"));
        // a broken initializer too: the operator check comes first, so its error is the one reported
        g.setInitializer(0, g.getInitializer(0).toBuilder().setRawData(ByteString.copyFrom(new byte[3])));
        assertMentions(refused(withGraph(m, g)), "node '/4/Relu' (LSTM, opset 13)", "unsupported operator");
        g.setNode(4, g.getNode(4).toBuilder().setOpType("Relu").setDomain("com.microsoft"));
        assertMentions(refused(withGraph(m, g)), "node '/4/Relu'", "domain 'com.microsoft'");
    }

    @Test
    void unsupportedAttributesAndOpsets() throws IOException {
        ModelProto m = lenet();
        GraphProto.Builder g = m.getGraph().toBuilder();
        g.setNode(0, g.getNode(0).toBuilder().setAttribute(4, OnnxAttributes.of("group", 2)));
        assertMentions(refused(withGraph(m, g)), "node '/0/Conv' (Conv, opset 13)", "group=2");
        assertMentions(refused(m.toBuilder().setOpsetImport(0, m.getOpsetImport(0).toBuilder().setVersion(9)).build()),
                "opset 9", "11 to 17");
    }

    @Test
    void aHundredThousandNodes() throws IOException {
        ModelProto m = lenet();
        GraphProto.Builder g = m.getGraph().toBuilder().clearNode().clearInitializer();
        String value = "input";
        for (int i = 0; i < 100_000; i++) {
            String out = i == 99_999 ? "output" : "v" + i;
            g.addNode(NodeProto.newBuilder().setName("relu_" + i).setOpType("Relu").addInput(value).addOutput(out));
            value = out;
        }
        assertMentions(refused(withGraph(m, g)), "100000 nodes", "'relu_4096'");
    }

    /** {@code field} (length-delimited) holding {@code payload}, as protobuf encodes it. */
    private static byte[] field(int field, byte[] payload) {
        var out = new java.io.ByteArrayOutputStream();
        int tag = field << 3 | 2;
        for (long v : new long[]{tag, payload.length}) {
            while (v >= 0x80) {
                out.write((int) (v & 0x7f) | 0x80);
                v >>>= 7;
            }
            out.write((int) v);
        }
        out.writeBytes(payload);
        return out.toByteArray();
    }

    @Test
    void millionsOfEmptyNodesAreRefusedBeforeParsing() throws IOException {
        byte[] nodes = new byte[2 * 2_000_000];
        for (int i = 0; i < nodes.length; i += 2) {
            nodes[i] = 0x0a; // GraphProto.node, length 0 follows
        }
        assertMentions(refused(field(7, nodes)), "more than 1048576 protobuf messages");
    }

    @Test
    void aPackedIntegerListThatWouldTakeGigabytes() throws IOException {
        byte[] ints = new byte[20_000_000];
        Arrays.fill(ints, (byte) 1);
        byte[] node = field(5, field(8, ints)); // NodeProto.attribute { ints: [1, 1, ...] }
        assertMentions(refused(field(7, field(1, node))), "more than 16777216 packed integers");
    }

    @Test
    void groupsAndDeepNesting() throws IOException {
        assertMentions(refused(new byte[]{0x0b, 0x0c}), "protobuf group");
        GraphProto.Builder inner = GraphProto.newBuilder().setName("deep");
        for (int i = 0; i < 100; i++) {
            inner = GraphProto.newBuilder().addNode(NodeProto.newBuilder().setOpType("If")
                    .addAttribute(dev.isthmus.onnx.proto.Onnx.AttributeProto.newBuilder().setName("then_branch").setG(inner)));
        }
        assertMentions(refused(ModelProto.newBuilder().setGraph(inner).build()), "deeper than 64 levels");
    }

    @Test
    void weightOfTheWrongShapeForTheLayer() throws IOException {
        ModelProto m = lenet();
        GraphProto.Builder g = m.getGraph().toBuilder();
        // second conv expects 6 input channels; give it a [16, 5, 5, 5] weight with matching raw_data
        g.setInitializer(2, g.getInitializer(2).toBuilder().clearDims().addDims(16).addDims(5).addDims(5).addDims(5)
                .setRawData(ByteString.copyFrom(new byte[16 * 5 * 5 * 5 * 4])));
        assertMentions(refused(withGraph(m, g)), "node '/3/Conv'", "[16, 5, 5, 5]", "[out, 6, kh, kw]");
    }

    @Test
    void aDanglingInputAndAMissingConstant() throws IOException {
        ModelProto m = lenet();
        GraphProto.Builder g = m.getGraph().toBuilder();
        g.setNode(3, g.getNode(3).toBuilder().setInput(0, "nowhere"));
        assertMentions(refused(withGraph(m, g)), "node '/3/Conv'", "'nowhere'", "neither");
    }
}
