package dev.isthmus.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.isthmus.data.Dataset;
import dev.isthmus.tensor.Tensor;
import dev.isthmus.train.History;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * End-to-end runs of the course projects through the CLI, in-process and brief (few samples, one or a few
 * epochs): the artefacts exist and decode, the saved files reload and predict what the in-memory model did,
 * metrics are in range, and bad input gives the documented exit status with a one-line reason.
 */
class CliProjectsTest {

    @TempDir
    Path tmp;

    @Test
    void summaryPrintsTheCourseParameterCounts() {
        CliRunner.Run calc = CliRunner.run("summary", "calculator");
        assertEquals(0, calc.code(), calc.err());
        assertTrue(calc.out().contains("Total params: 609"), calc.out());
        CliRunner.Run alex = CliRunner.run("summary", "alexnet");
        assertEquals(0, alex.code(), alex.err());
        assertTrue(alex.out().contains("Total params: 62,378,344"), alex.out());
        assertTrue(alex.out().contains("[-1, 96, 55, 55]"), alex.out());
        assertTrue(CliRunner.run("summary", "lenet5").out().contains("Total params: 61,706"));
        assertTrue(CliRunner.run("summary", "mlp").out().contains("Linear(784 -> 40)"));
    }

    @Test
    void calculatorTrainsReloadsAndPredicts() throws Exception {
        Path out = tmp.resolve("calc");
        CliRunner.Run run = CliRunner.run("train", "calculator", "--epochs", "15", "--samples", "1000", "--out", out.toString());
        assertEquals(0, run.code(), run.err());
        TrainCommand.Result r = run.<TrainCommand>command("train").lastResult;
        assertTrue(r.regression().metrics().r2() > 0.99, "test R2 " + r.regression().metrics().r2());
        assertTrue(Double.isFinite(r.unseen().metrics().mse()));
        assertArtefacts(out, "predictions-vs-truth.png", 15);
        String metrics = Files.readString(out.resolve("metrics.txt"));
        assertTrue(metrics.contains("R2") && metrics.contains("generalisation to 100..200"), metrics);

        CliRunner.Run ev = CliRunner.run("eval", out.resolve("model.safetensors").toString());
        assertEquals(0, ev.code(), ev.err());
        Reports.Regression again = ev.<EvalCommand>command("eval").lastRegression;
        // eval batches by 64, training by 32: the GEMM may round differently in the last bits
        float[] before = r.regression().predicted();
        assertEquals(before.length, again.predicted().length);
        for (int i = 0; i < before.length; i++) {
            assertEquals(before[i], again.predicted()[i], 1e-4 * Math.abs(before[i]) + 1e-4, "test sample " + i);
        }
        assertEquals(r.regression().metrics().r2(), again.metrics().r2(), 1e-6);

        CliRunner.Run p = CliRunner.run("predict", out.resolve("checkpoint.safetensors").toString(), "30,40");
        assertEquals(0, p.code(), p.err());
        double y = p.<PredictCommand>command("predict").predictions.get(0);
        assertEquals(70, y, 3, p.out());
        assertTrue(p.out().contains("30 + 40 = "), p.out());
    }

    @Test
    void digitsMlpArtefactsReloadAndPredictTheSame() throws Exception {
        Path out = tmp.resolve("mlp");
        CliRunner.Run run = CliRunner.run("train", "mlp", "--epochs", "3", "--limit", "1024", "--batch", "32",
                "--out", out.toString());
        assertEquals(0, run.code(), run.err());
        TrainCommand.Result r = run.<TrainCommand>command("train").lastResult;
        assertEquals(1024, r.classification().cm().total());
        assertTrue(r.classification().cm().accuracy() > 0.3, "accuracy " + r.classification().cm().accuracy());
        assertArtefacts(out, "accuracy.png", 3);
        String metrics = Files.readString(out.resolve("metrics.txt"));
        for (String s : List.of("precision", "recall", "f1-score", "confusion matrix", "class distribution", "training time",
                "per sample", "images/s")) {
            assertTrue(metrics.contains(s), s + " missing from\n" + metrics);
        }

        for (String file : List.of("model.safetensors", "checkpoint.safetensors")) {
            CliRunner.Run ev = CliRunner.run("eval", out.resolve(file).toString(), "--limit", "1024", "--batch", "32");
            assertEquals(0, ev.code(), ev.err());
            assertArrayEquals(r.classification().predicted(), ev.<EvalCommand>command("eval").lastClassification.predicted(), file);
        }

        Path idx = tmp.resolve("eight-idx3-ubyte");
        writeIdx(idx, 8);
        CliRunner.Run p = CliRunner.run("predict", out.resolve("model.safetensors").toString(), idx.toString());
        assertEquals(0, p.code(), p.err());
        List<Double> got = p.<PredictCommand>command("predict").predictions;
        for (int i = 0; i < 8; i++) {
            assertEquals(r.classification().predicted()[i], got.get(i).intValue(), "image " + i);
        }
        assertTrue(p.out().contains("%"), p.out());

        Path png = tmp.resolve("digit.png");
        writePng(png, 0);
        CliRunner.Run pp = CliRunner.run("predict", out.resolve("model.safetensors").toString(), png.toString());
        assertEquals(0, pp.code(), pp.err());
        assertEquals(r.classification().predicted()[0], pp.<PredictCommand>command("predict").predictions.get(0).intValue());
    }

    @Test
    void lenetAndSmallAlexnetRunBrieflyAndResume() throws Exception {
        Path lenet = tmp.resolve("lenet");
        CliRunner.Run run = CliRunner.run("train", "lenet5", "--epochs", "1", "--limit", "128", "--out", lenet.toString());
        assertEquals(0, run.code(), run.err());
        assertArtefacts(lenet, "accuracy.png", 1);
        CliRunner.Run resumed = CliRunner.run("train", "lenet5", "--epochs", "2", "--limit", "128",
                "--resume", lenet.resolve("checkpoint.safetensors").toString());
        assertEquals(0, resumed.code(), resumed.err());
        assertTrue(resumed.out().contains("after epoch 1"), resumed.out());
        assertEquals(2, History.loadCsv(lenet.resolve("history.csv")).size());

        Path alex = tmp.resolve("alex");
        CliRunner.Run a = CliRunner.run("train", "alexnet-small", "--epochs", "1", "--limit", "64", "--batch", "32", "--out", alex.toString());
        assertEquals(0, a.code(), a.err());
        assertTrue(a.out().contains("augmentation (crop pad 2, translate 1)"), a.out());
        assertArtefacts(alex, "accuracy.png", 1);
        CliRunner.Run ev = CliRunner.run("eval", alex.resolve("model.safetensors").toString(), "--limit", "64");
        assertEquals(0, ev.code(), ev.err());
        assertArrayEquals(a.<TrainCommand>command("train").lastResult.classification().predicted(),
                ev.<EvalCommand>command("eval").lastClassification.predicted());
    }

    @Test
    void badInputGivesExitStatusAndOneLineReason() throws IOException {
        CliRunner.Run missing = CliRunner.run("train", "mlp", "--data", tmp.resolve("nope").toString());
        assertOneLineFailure(missing, 1, "data directory not found");

        Path corrupt = tmp.resolve("corrupt");
        Files.createDirectories(corrupt);
        for (String f : List.of("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")) {
            Files.write(corrupt.resolve(f), new byte[]{0, 0, 8, 3, 0, 0, 0, 5, 1, 2});
        }
        CliRunner.Run bad = CliRunner.run("train", "mlp", "--data", corrupt.toString());
        assertOneLineFailure(bad, 1, "idx1-ubyte");

        Path partial = tmp.resolve("partial");
        Files.createDirectories(partial);
        assertOneLineFailure(CliRunner.run("train", "lenet5", "--data", partial.toString()), 1, "missing data file");
        assertOneLineFailure(CliRunner.run("eval", partial.resolve("x.safetensors").toString()), 1, "not found");
        assertOneLineFailure(CliRunner.run("train", "alexnet"), 1, "alexnet-small");
        Files.writeString(partial.resolve("junk.safetensors"), "not a safetensors file");
        assertOneLineFailure(CliRunner.run("predict", partial.resolve("junk.safetensors").toString(), "1,2"), 1, "junk.safetensors");

        CliRunner.Run unknown = CliRunner.run("train", "resnet");
        assertEquals(2, unknown.code());
        assertTrue(unknown.err().contains("unknown model 'resnet'"), unknown.err());
        CliRunner.Run lr = CliRunner.run("train", "mlp", "--lr", "-0.1");
        assertEquals(2, lr.code());
        assertTrue(lr.err().contains("--lr must be a positive number"), lr.err());
        assertEquals(2, CliRunner.run("train", "mlp", "--lr", "fast").code());
        assertEquals(2, CliRunner.run("train", "mlp", "--optimizer", "rmsprop").code());
        assertEquals(2, CliRunner.run("frobnicate").code());
        CliRunner.Run bench = CliRunner.run("bench", "--threads", "-1");
        assertEquals(2, bench.code());
        assertTrue(bench.err().contains("--threads must be >= 0"), bench.err());
    }

    private static void assertOneLineFailure(CliRunner.Run run, int code, String fragment) {
        assertEquals(code, run.code(), run.out() + run.err());
        List<String> lines = run.err().lines().filter(l -> !l.startsWith("WARNING") && !l.startsWith("[isthmus]")).toList();
        assertEquals(1, lines.size(), "expected one line on stderr, got:\n" + run.err());
        assertTrue(lines.get(0).contains(fragment), lines.get(0));
        assertFalse(run.err().contains("\tat "), run.err());
    }

    private static void assertArtefacts(Path dir, String secondPlot, int epochs) throws IOException {
        for (String f : List.of("model.safetensors", "checkpoint.safetensors", "history.csv", "history.json", "metrics.txt")) {
            assertTrue(Files.size(dir.resolve(f)) > 0, f);
        }
        for (String png : List.of("loss.png", secondPlot)) {
            BufferedImage img = ImageIO.read(dir.resolve(png).toFile());
            assertNotNull(img, png);
            assertTrue(img.getWidth() > 100 && img.getHeight() > 100, png);
        }
        History h = History.loadCsv(dir.resolve("history.csv"));
        assertEquals(epochs, h.size());
        assertTrue(Double.isFinite(h.last().trainLoss()));
        JsonNode json = new ObjectMapper().readTree(Files.readString(dir.resolve("history.json")));
        assertNotNull(json);
        assertEquals(epochs, History.loadJson(dir.resolve("history.json")).size());
    }

    /** The first {@code n} test images of the limited bundled split, as a raw IDX file. */
    private static void writeIdx(Path file, int n) throws Exception {
        try (ImageData d = ImageData.load(null, 1024)) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeInt(0x00000803);
            out.writeInt(n);
            out.writeInt(28);
            out.writeInt(28);
            for (int i = 0; i < n; i++) {
                for (float v : pixels(d.test(), i)) {
                    out.writeByte(Math.round(v * 255));
                }
            }
            Files.write(file, bytes.toByteArray());
        }
    }

    private static void writePng(Path file, int index) throws Exception {
        try (ImageData d = ImageData.load(null, 1024)) {
            float[] v = pixels(d.test(), index);
            BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
            for (int i = 0; i < 784; i++) {
                img.getRaster().setSample(i % 28, i / 28, 0, Math.round(v[i] * 255));
            }
            ImageIO.write(img, "png", file.toFile());
        }
    }

    private static float[] pixels(Dataset ds, int i) {
        try (Tensor t = Tensor.zeros(1, 28, 28)) {
            ds.copyFeatures(i, t.segment(), 0);
            return t.toArray();
        }
    }
}
