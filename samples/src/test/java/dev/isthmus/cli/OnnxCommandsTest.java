package dev.isthmus.cli;

import dev.isthmus.models.CourseModels;
import dev.isthmus.nn.Layer;
import dev.isthmus.nn.Sequential;
import dev.isthmus.onnx.OnnxExporter;
import dev.isthmus.onnx.OnnxImporter;
import dev.isthmus.tensor.Rng;
import dev.isthmus.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code isthmus import} and {@code isthmus export}: an ONNX LeNet-5 goes through both and predicts as before; bad files exit 1. */
class OnnxCommandsTest {
    @TempDir
    Path tmp;

    @Test
    void importThenExportKeepsTheModel() throws Exception {
        Path onnx = tmp.resolve("lenet5.onnx"), st = tmp.resolve("lenet5.safetensors"), back = tmp.resolve("back.onnx");
        float[] x = new float[2 * 28 * 28];
        Rng rng = new Rng(9);
        for (int i = 0; i < x.length; i++) {
            x[i] = rng.nextFloat();
        }
        float[] want;
        try (Sequential m = CourseModels.lenet5(10, 4); Tensor in = Tensor.of(x, 2, 1, 28, 28)) {
            m.eval();
            want = m.forward(in).toArray();
            OnnxExporter.export(m, new int[]{1, 28, 28}, onnx);
        }
        CliRunner.Run imp = CliRunner.run("import", onnx.toString(), "--out", st.toString());
        assertEquals(0, imp.code(), imp.err());
        assertTrue(imp.out().contains("61,706 parameters"), imp.out());
        try (ModelFile.Loaded m = ModelFile.load(st); Tensor in = Tensor.of(x, 2, 1, 28, 28)) {
            assertArrayEquals(new int[]{1, 28, 28}, m.inputShape());
            assertArrayEquals(want, m.model().forward(in).toArray());
        }
        try (dev.isthmus.infer.Predictor p = dev.isthmus.infer.Predictor.load(st)) {
            assertArrayEquals(want, p.predict(x, 2));
        }
        CliRunner.Run exp = CliRunner.run("export", st.toString(), "--out", back.toString());
        assertEquals(0, exp.code(), exp.err());
        try (Layer m = OnnxImporter.read(back).model(); Tensor in = Tensor.of(x, 2, 1, 28, 28)) {
            assertArrayEquals(want, m.forward(in).toArray());
        }
    }

    @Test
    void aBadOnnxFileExitsWithOneLine() throws Exception {
        Path junk = tmp.resolve("junk.onnx");
        Files.write(junk, new byte[]{0x08, 0x07, 0x12, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x7f});
        CliRunner.Run r = CliRunner.run("import", junk.toString(), "--out", tmp.resolve("x.safetensors").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("not a valid ONNX model"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(!Files.exists(tmp.resolve("x.safetensors")));
    }

    @Test
    void anUnsupportedOperatorNamesTheNode() throws Exception {
        Path onnx = tmp.resolve("m.onnx");
        try (Sequential m = CourseModels.calculator(2, 4, 1, CourseModels.Activation.RELU, 1)) {
            var p = OnnxExporter.toProto(m, new int[]{2}).toBuilder();
            p.getGraphBuilder().setNode(1, p.getGraph().getNode(1).toBuilder().setOpType("Erf"));
            Files.write(onnx, p.build().toByteArray());
        }
        CliRunner.Run r = CliRunner.run("import", onnx.toString(), "--out", tmp.resolve("m.safetensors").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("node '/1/Relu' (Erf, opset 13): unsupported operator"), r.err());
    }
}
