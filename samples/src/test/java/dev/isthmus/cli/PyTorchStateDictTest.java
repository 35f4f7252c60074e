package dev.isthmus.cli;

import dev.isthmus.infer.Predictor;
import dev.isthmus.io.SafeTensors;
import dev.isthmus.models.CourseModels;
import dev.isthmus.nn.ModelSpec;
import dev.isthmus.nn.Sequential;
import dev.isthmus.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * PyTorch weights in one step: a LeNet-5 trained and saved by PyTorch 1.13 as a bare state_dict (no Isthmus
 * metadata, written by {@code engine/src/test/python/fixtures/save_state_dict.py}) loads with {@code --arch lenet5}
 * and predicts PyTorch's logits; an MLP loads with {@code --arch-json}; a file that does not fit the architecture
 * is refused with the first mismatching key and both shapes. Fixtures: {@code gen_pytorch_state_dicts.py}.
 */
class PyTorchStateDictTest {
    @TempDir
    Path tmp;

    private static Path fixture(String name) throws Exception {
        return Path.of(PyTorchStateDictTest.class.getResource("/pytorch/" + name).toURI());
    }

    private static void assertLogits(Tensor expected, float[] got) {
        float[] e = expected.toArray();
        assertEquals(e.length, got.length);
        for (int i = 0; i < e.length; i++) {
            assertEquals(e[i], got[i], 1e-5 * Math.max(1, Math.abs(e[i])), "logit " + i);
        }
    }

    private static ModelFile.Loaded load(Path file, String arch, Path archJson) throws Exception {
        ModelSource o = new ModelSource();
        o.arch = arch;
        o.archJson = archJson;
        return o.load(file);
    }

    @Test
    void aPyTorchLeNet5StateDictLoadsWithArchAndPredictsPyTorchsLogits() throws Exception {
        try (ModelFile.Loaded m = load(fixture("lenet5_state_dict.safetensors"), "lenet5", null);
             SafeTensors.Contents io = SafeTensors.load(fixture("lenet5_io.safetensors"))) {
            assertEquals(61_706, m.model().parameterCount());
            assertTrue(m.metadata().get(ModelSpec.METADATA_KEY).contains("Conv2d"));
            assertLogits(io.get("logits"), m.model().forward(io.get("input")).toArray());
        }
    }

    @Test
    void thePredictorLoadsTheSameStateDictWithAModelSpec() throws Exception {
        ModelSpec spec;
        try (Sequential lenet = CourseModels.lenet5(10, 0)) {
            spec = ModelSpec.of(lenet, 1, 28, 28);
        }
        try (Predictor p = Predictor.load(fixture("lenet5_state_dict.safetensors"), spec);
             SafeTensors.Contents io = SafeTensors.load(fixture("lenet5_io.safetensors"))) {
            Tensor x = io.get("input");
            assertLogits(io.get("logits"), p.predict(x.toArray(), x.dim(0)));
        }
    }

    @Test
    void aStateDictLoadsWithArchJson() throws Exception {
        try (ModelFile.Loaded m = load(fixture("mlp_state_dict.safetensors"), null, fixture("mlp_spec.json"));
             SafeTensors.Contents io = SafeTensors.load(fixture("mlp_io.safetensors"))) {
            assertEquals(784 * 24 + 24 + 24 * 10 + 10, m.model().parameterCount());
            assertLogits(io.get("logits"), m.model().forward(io.get("input")).toArray());
        }
    }

    @Test
    void evalAndPredictTakeTheStateDictFromTheCommandLine() throws Exception {
        String file = fixture("lenet5_state_dict.safetensors").toString();
        CliRunner.Run ev = CliRunner.run("eval", file, "--arch", "lenet5", "--limit", "256");
        assertEquals(0, ev.code(), ev.err());
        double acc = ev.<EvalCommand>command("eval").lastClassification.cm().accuracy();
        assertTrue(acc > 0.6, "PyTorch's LeNet-5 (training loss 0.47) classifies the digits: accuracy " + acc);

        Path png = tmp.resolve("digit.png");
        int expected;
        try (SafeTensors.Contents io = SafeTensors.load(fixture("lenet5_io.safetensors"))) {
            BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
            Tensor x = io.get("input");
            for (int r = 0; r < 28; r++) {
                for (int c = 0; c < 28; c++) {
                    img.getRaster().setSample(c, r, 0, Math.round(x.get(0, 0, r, c) * 255));
                }
            }
            ImageIO.write(img, "png", png.toFile());
            expected = Reports.argmax(io.get("logits"), 0);
        }
        CliRunner.Run p = CliRunner.run("predict", file, png.toString(), "--arch", "lenet5");
        assertEquals(0, p.code(), p.err());
        assertEquals(expected, p.<PredictCommand>command("predict").predictions.get(0).intValue(), p.out());
    }

    @Test
    void aFileThatDoesNotFitTheArchitectureNamesTheFirstMismatch() throws Exception {
        String file = fixture("lenet5_state_dict.safetensors").toString();
        CliRunner.Run shape = CliRunner.run("eval", file, "--arch", "alexnet-small");
        assertEquals(1, shape.code());
        assertTrue(shape.err().contains("tensor '0.weight' is [6, 1, 5, 5] in the file, the model expects [32, 1, 3, 3]"),
                shape.err());
        assertEquals(1, shape.err().strip().lines().count(), shape.err());

        CliRunner.Run missing = CliRunner.run("predict", file, "x.png", "--arch", "mlp");
        assertEquals(1, missing.code());
        assertTrue(missing.err().contains("it has no tensor '1.weight' (the model expects [40, 784]); its first other tensor "
                + "is '0.bias' [6]"), missing.err());

        CliRunner.Run unknown = CliRunner.run("eval", file, "--arch", "resnet");
        assertTrue(unknown.code() != 0 && unknown.err().contains("known models: calculator, mlp, lenet5"), unknown.err());
    }

    /**
     * The other direction: Isthmus models with their ModelSpec metadata, and the logits Isthmus computes, for
     * {@code gen_safetensors.py check-java DIR/NAME.safetensors DIR/NAME_io.safetensors} (with
     * {@code -Disthmus.torch.export=DIR}; otherwise written to a temporary directory and read back here).
     */
    @Test
    void exportsIsthmusModelsAndTheirLogitsForThePyTorchCheck() throws Exception {
        String dir = System.getProperty("isthmus.torch.export");
        Path out = dir != null ? Path.of(dir) : tmp;
        Files.createDirectories(out);
        Map<String, Sequential> models = Map.of("lenet5", CourseModels.lenet5(10, 3), "alexnet-small", CourseModels.alexnetSmall(10, 3),
                "mlp", CourseModels.digitsMlp(10, 3), "calculator", CourseModels.calculator(2, 16, 3, CourseModels.Activation.TANH, 3));
        try (SafeTensors.Contents io = SafeTensors.load(fixture("lenet5_io.safetensors"))) {
            for (Map.Entry<String, Sequential> e : models.entrySet()) {
                try (Sequential model = e.getValue()) {
                    model.eval();
                    boolean calc = e.getKey().equals("calculator");
                    Tensor input = calc ? io.get("input").reshape(-1).view(0, 392, 2) : io.get("input");
                    float[] logits = model.forward(input).toArray();
                    Path file = out.resolve(e.getKey() + ".safetensors");
                    SafeTensors.save(file, model.stateDict(), Map.of("format", "pt", ModelSpec.METADATA_KEY, ModelSpec.toJson(model),
                            ModelSpec.INPUT_SHAPE_KEY, calc ? "[2]" : "[1,28,28]"));
                    try (Tensor l = Tensor.of(logits, input.dim(0), logits.length / input.dim(0))) {
                        SafeTensors.save(out.resolve(e.getKey() + "_io.safetensors"), Map.of("input", input, "logits", l));
                    }
                    try (ModelFile.Loaded back = ModelFile.load(file)) {
                        assertLogits(Tensor.of(logits, logits.length), back.model().forward(input).toArray());
                    }
                }
            }
        }
    }
}
