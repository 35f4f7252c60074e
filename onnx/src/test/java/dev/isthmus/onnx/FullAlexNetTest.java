package dev.isthmus.onnx;

import dev.isthmus.infer.LoadedModel;
import dev.isthmus.nn.Layer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The full AlexNet (62,378,344 parameters, a 250 MB ONNX file, too big to commit) exported by PyTorch at test
 * time and imported: PyTorch's outputs within 1e-4. The one test that needs PyTorch; it is skipped, saying
 * so, where {@code /usr/bin/python3} cannot import torch (as on CI).
 */
class FullAlexNetTest {
    private static final Path PYTHON = Path.of("/usr/bin/python3");
    private static final Path SCRIPT = Path.of("src/test/python/gen_onnx.py");

    @TempDir
    Path dir;

    @Test
    void pyTorchAlexNetImportsWithPyTorchsOutputs() throws Exception {
        assumeTrue(torchAvailable(), "PyTorch is not installed for /usr/bin/python3; the full AlexNet check needs it");
        Process p = new ProcessBuilder(PYTHON.toString(), SCRIPT.toString(), "alexnet", dir.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("export.log").toFile()).start();
        assertTrue(p.waitFor(10, TimeUnit.MINUTES), "torch.onnx.export of AlexNet did not finish in 10 minutes");
        assertEquals(0, p.exitValue(), () -> "gen_onnx.py alexnet failed: " + log());
        Fixture f = Fixture.load("alexnet", dir.resolve("alexnet.onnx"), dir.resolve("alexnet.json"));
        LoadedModel loaded = OnnxImporter.read(f.onnx());
        try (Layer model = loaded.model()) {
            assertEquals(62_378_344, model.parameterCount());
            double err = Fixture.relativeError(f.run(model), f.output());
            System.out.printf(java.util.Locale.ROOT, "%s: max |Isthmus - PyTorch| / max |PyTorch| = %.3g%n", f.name(), err);
            assertTrue(err <= 1e-4, "relative error " + err + " > 1e-4");
        }
    }

    private String log() {
        try {
            return Files.readString(dir.resolve("export.log"));
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static boolean torchAvailable() throws InterruptedException {
        if (!Files.isExecutable(PYTHON)) {
            return false;
        }
        try {
            Process p = new ProcessBuilder(PYTHON.toString(), "-c", "import torch").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(2, TimeUnit.MINUTES) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        }
    }
}
