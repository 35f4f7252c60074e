package dev.isthmus.cli;

import dev.isthmus.io.InputLimits;
import dev.isthmus.models.CourseModels;
import dev.isthmus.nn.ModelSpec;
import dev.isthmus.nn.Sequential;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 11's command lines, each by its recipe: usage errors are exit status 2 before any work; bad files and
 * every Throwable (an OutOfMemoryError included, provoked in a child JVM with a small heap) are one line on stderr
 * and exit status 1.
 */
class HostileCliTest {
    @TempDir
    static Path tmp;
    static Path model;

    @BeforeAll
    static void lenetFile() throws IOException {
        model = tmp.resolve("lenet5.safetensors");
        try (Sequential net = CourseModels.lenet5(10, 1)) {
            ModelFile.save(model, net, ModelFile.metadata(ModelKind.LENET5, net, new int[]{1, 28, 28}, ImageData.DIGITS,
                    ImageData.BUNDLED, null, null));
        }
    }

    static void assertOneLine(CliRunner.Run run, int code, String... parts) {
        assertEquals(code, run.code(), "exit status; stderr: " + run.err());
        String err = run.err().strip();
        for (String p : parts) {
            assertTrue(err.contains(p), "'" + p + "' missing from: " + err);
        }
        if (code == 1) {
            assertEquals(1, err.lines().count(), "one line: " + err);
        }
    }

    @Test
    void outOfRangeOptionsAreUsageErrorsBeforeAnyWork() {
        assertOneLine(CliRunner.run("eval", model.toString(), "--batch", "0"), 2, "--batch must be in 1..1048576, got 0");
        assertOneLine(CliRunner.run("eval", model.toString(), "--batch", "-1"), 2, "--batch must be in 1..1048576, got -1");
        assertOneLine(CliRunner.run("train", "calculator", "--samples", "2147483647"), 2,
                "--samples must be in 10..10000000, got 2147483647");
        assertOneLine(CliRunner.run("train", "mlp", "--batch", "2147483647"), 2, "--batch must be in 1..1048576");
        assertOneLine(CliRunner.run("train", "calculator", "--depth", "100000"), 2, "--depth must be in 1..1000");
        assertOneLine(CliRunner.run("predict", model.toString(), "x.png", "--top", "0"), 2, "--top must be in 1..");
    }

    @Test
    void filesThatAreNotWhatTheySeemGetTrueMessages() throws IOException {
        assertOneLine(CliRunner.run("eval", tmp.toString()), 1, "is a directory, not a model file");
        assertOneLine(CliRunner.run("eval", tmp.resolve("absent.safetensors").toString()), 1, "model file not found");
        Path file = Files.writeString(tmp.resolve("plain-file"), "x");
        assertOneLine(CliRunner.run("train", "calculator", "--epochs", "1", "--out", file.resolve("run").toString()), 1,
                "cannot create the run directory " + file.resolve("run"));
        assertOneLine(CliRunner.run("train", "calculator", "--epochs", "1", "--out", file.toString()), 1,
                "exists and is not a directory");
        if (Files.isDirectory(Path.of("/proc/self"))) {
            // The recipe: before, "file not found: /proc/x".
            assertOneLine(CliRunner.run("train", "calculator", "--epochs", "1", "--out", "/proc/x"), 1,
                    "cannot create the run directory /proc/x");
        }
    }

    @Test
    void aTruncatedPngIsRejectedNotClassifiedAsBlank() throws IOException {
        byte[] png = TestPngs.image(28, 28, 0);
        Path whole = Files.write(tmp.resolve("digit.png"), png);
        CliRunner.Run ok = CliRunner.run("predict", model.toString(), whole.toString());
        assertEquals(0, ok.code(), ok.err());
        // The recipe: the first 60 bytes (signature, IHDR, part of IDAT).
        Path cut = Files.write(tmp.resolve("cut.png"), Arrays.copyOf(png, 60));
        assertOneLine(CliRunner.run("predict", model.toString(), cut.toString()), 1, "cut.png", "not a complete PNG");
        byte[] extra = Arrays.copyOf(png, png.length + 4);
        assertOneLine(CliRunner.run("predict", model.toString(), Files.write(tmp.resolve("extra.png"), extra).toString()), 1,
                "4 bytes after IEND");
        byte[] crc = png.clone();
        crc[40] ^= 1;
        assertOneLine(CliRunner.run("predict", model.toString(), Files.write(tmp.resolve("crc.png"), crc).toString()), 1,
                "bad CRC");
    }

    @Test
    void anArchitectureIgnoringTheWeightsIsRefusedByPredict() throws IOException {
        Path ignoring = tmp.resolve("ignoring.safetensors");
        try (Sequential net = CourseModels.lenet5(10, 1)) {
            Map<String, String> meta = ModelFile.metadata(ModelKind.LENET5, net, new int[]{1, 28, 28}, null, null, null, null);
            meta.put(ModelSpec.METADATA_KEY, "{\"type\":\"Sequential\",\"layers\":[{\"type\":\"Flatten\",\"start_dim\":1,"
                    + "\"end_dim\":-1},{\"type\":\"ReLU\"}]}");
            ModelFile.save(ignoring, net, meta);
        }
        Path png = Files.write(tmp.resolve("d.png"), TestPngs.image(28, 28, 0));
        assertOneLine(CliRunner.run("predict", ignoring.toString(), png.toString()), 1,
                "unexpected tensors (in the file, not in the model) [0.weight");
    }

    @Test
    void anOutOfMemoryErrorIsOneLineAndExitStatusOne() throws Exception {
        // 6000 x 6000 RGBA decodes to a 144 MB image: within the pixel limit, beyond a 48 MB heap.
        Path big = Files.write(tmp.resolve("big.png"), TestPngs.image(6000, 6000, 6));
        Child c = child("-Xmx48m", "predict", model.toString(), big.toString());
        assertEquals(1, c.code, c.err);
        assertEquals(1, c.err.strip().lines().count(), "one line: " + c.err);
        assertTrue(c.err.contains("predict: out of memory (Java heap space)"), c.err);
        Child verbose = child("-Xmx48m", "predict", model.toString(), big.toString(), "--verbose");
        assertEquals(1, verbose.code, verbose.err);
        assertTrue(verbose.err.contains("java.lang.OutOfMemoryError"), "the trace with --verbose: " + verbose.err);
        // The pixel limit itself, lowered below the picture's size, refuses it before decoding.
        Child limited = child("-D" + InputLimits.IMAGE_PIXELS + "=1000000", "predict", model.toString(), big.toString());
        assertEquals(1, limited.code, limited.err);
        assertTrue(limited.err.contains("36000000 pixels, more than the limit of 1000000 pixels"), limited.err);
    }

    record Child(int code, String err) {
    }

    /** The CLI in a fresh JVM (its own heap), with this test's class path. */
    static Child child(String jvmOption, String... args) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, jvmOption, "--add-modules=jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED", "-Disthmus.selfcheck=false", "-cp",
                System.getProperty("java.class.path"), IsthmusCli.class.getName()));
        cmd.addAll(List.of(args));
        Path err = Files.createTempFile(tmp, "child", ".err");
        Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(err.toFile()).start();
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("child JVM did not finish: " + cmd);
        }
        String text = Files.readString(err, StandardCharsets.UTF_8);
        // Keep only the CLI's own lines: the JVM prints its incubator-module warning first.
        StringBuilder kept = new StringBuilder();
        for (String line : text.split(File.separator.equals("/") ? "\n" : "\r?\n")) {
            if (!line.startsWith("WARNING: Using incubator modules") && !line.startsWith("[isthmus] WARNING")) {
                kept.append(line).append('\n');
            }
        }
        return new Child(p.exitValue(), kept.toString());
    }
}
