package dev.isthmus.nn;

import dev.isthmus.io.CheckpointFormatException;
import dev.isthmus.io.CheckpointMismatchException;
import dev.isthmus.io.InputLimits;
import dev.isthmus.io.SafeTensors;
import dev.isthmus.models.CourseModels;
import dev.isthmus.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 11's model files, each by its exact recipe: a hostile architecture must fail with one clear message
 * before the network is built, and a valid file the format allows must load. Allocation is measured with the
 * thread's allocated-bytes counter (the JVM's own accounting), never with a timer.
 */
class HostileModelFilesTest {
    @TempDir
    Path dir;

    /** A LeNet-5 file as 'isthmus train' writes it (10 tensors), with its architecture replaced by {@code arch}. */
    private Path lenetFileWith(String name, String arch, String inputShape) throws IOException {
        try (Sequential net = CourseModels.lenet5(10, 1)) {
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put(ModelSpec.METADATA_KEY, arch);
            meta.put(ModelSpec.INPUT_SHAPE_KEY, inputShape);
            Path f = dir.resolve(name);
            SafeTensors.save(f, net.stateDict(), meta);
            return f;
        }
    }

    private static String layers(String layer, int n) {
        StringBuilder sb = new StringBuilder("{\"type\":\"Sequential\",\"layers\":[");
        for (int i = 0; i < n; i++) {
            sb.append(i == 0 ? "" : ",").append(layer);
        }
        return sb.append("]}").toString();
    }

    private static long allocated() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    private static void assertMentions(Throwable e, String... parts) {
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "'" + p + "' missing from: " + e.getMessage());
        }
        assertTrue(e.getMessage().indexOf('\n') < 0, "one line: " + e.getMessage());
    }

    @Test
    void aMillionReluLayersFailBeforeAnyLayerIsBuilt() throws IOException {
        // Finding 1: 22 MB of architecture, a Sequential of 1,000,000 ReLUs (before: OOM-killed at 23 GB RSS).
        Path f = lenetFileWith("million.safetensors", layers("{\"type\":\"ReLU\"}", 1_000_000), "[1,28,28]");
        assertTrue(Files.size(f) > 15_000_000, "the recipe's size: " + Files.size(f));
        long before = allocated();
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> ModelLoader.load(f));
        assertMentions(e, "model architecture is too large", "10000 layers", "-D" + InputLimits.LAYERS);
        // Header bytes and their decoded text (~3 x 16 MB) and a bounded part of the JSON tree; never the network.
        assertTrue(allocated() - before < 400L << 20, "allocated " + (allocated() - before));
        // Under the token budget but over the layer limit: counted, and named where it is reached.
        Path g = lenetFileWith("twenty-thousand.safetensors", layers("{\"type\":\"ReLU\"}", 20_000), "[1,28,28]");
        assertMentions(assertThrows(CheckpointFormatException.class, () -> ModelLoader.load(g)),
                "the architecture has 10001 layers, more than the limit of 10000 layers", "reached at model.9999");
    }

    @Test
    void hugeLayersAreComparedWithTheFileBeforeTheyAreAllocated() throws IOException {
        // Finding 2: Linear(46341, 46341) in a 155 KB file (before: 97 s, ~15 GB, then "integer overflow").
        String linear = layers("{\"type\":\"Linear\",\"in\":46341,\"out\":46341,\"bias\":true}", 1);
        Path f = lenetFileWith("linear.safetensors", linear, "[46341]");
        assertMentions(assertThrows(CheckpointFormatException.class, () -> ModelLoader.load(f)),
                "Linear(46341 -> 46341)) has 2147488281 parameters, more than the limit of 2000000000", "-D" + InputLimits.PARAMETERS);
        // With the parameter limit raised out of the way, the shapes are still compared before anything is built.
        System.setProperty(InputLimits.PARAMETERS, Long.toString(Long.MAX_VALUE));
        try {
            long before = allocated();
            CheckpointMismatchException m = assertThrows(CheckpointMismatchException.class, () -> ModelLoader.load(f));
            assertMentions(m, "0.weight: file has [6, 1, 5, 5], the architecture expects [46341, 46341]",
                    "unexpected tensors (in the file, not in the model) [3.weight, 3.bias");
            assertTrue(allocated() - before < 16L << 20, "allocated " + (allocated() - before));
        } finally {
            System.clearProperty(InputLimits.PARAMETERS);
        }
        // Conv2d(100000, 100000, 3) (before: OutOfMemoryError, 360 GB) and Linear(2^31-1, 2^31-1) (before: a
        // negative allocation size from an unchecked numel * 4).
        Path conv = lenetFileWith("conv.safetensors", layers("{\"type\":\"Conv2d\",\"in\":100000,\"out\":100000,"
                + "\"kernel\":[3,3],\"stride\":[1,1],\"padding\":[0,0]}", 1), "[100000,3,3]");
        assertMentions(assertThrows(CheckpointFormatException.class, () -> ModelLoader.load(conv)),
                "model.0 Conv2d(100000 -> 100000, kernel=3x3)) has 90000000000 parameters");
        Path max = lenetFileWith("max.safetensors", layers("{\"type\":\"Linear\",\"in\":2147483647,\"out\":2147483647}", 1),
                "[2147483647]");
        assertMentions(assertThrows(CheckpointFormatException.class, () -> ModelLoader.load(max)),
                "shape [2147483647, 2147483647] is too large: its float32 size overflows 2^63 bytes");
    }

    @Test
    void anArchitectureThatIgnoresTheWeightsIsRejectedUnlessPartialLoadingIsAsked() throws IOException {
        // Finding 3: [Flatten, ReLU] over a LeNet-5 file made 'predict' print 784 "classes" (the file had
        // 12 tensors; this LeNet-5 has 10).
        Path f = lenetFileWith("ignores.safetensors", "{\"type\":\"Sequential\",\"layers\":[{\"type\":\"Flatten\","
                + "\"start_dim\":1,\"end_dim\":-1},{\"type\":\"ReLU\"}]}", "[1,28,28]");
        CheckpointMismatchException e = assertThrows(CheckpointMismatchException.class, () -> ModelLoader.load(f));
        assertEquals(10, e.unexpected().size());
        assertMentions(e, "unexpected tensors (in the file, not in the model) [0.weight, 0.bias");
        try (ModelLoader.Loaded l = ModelLoader.load(f, true)) {
            assertEquals(10, l.report().unexpected().size());
            assertEquals(0, l.model().parameterCount());
        }
    }

    @Test
    void aGenuineModelAndCheckpointLoadStrictly() throws IOException {
        try (Sequential net = CourseModels.lenet5(10, 7)) {
            Path f = dir.resolve("lenet.safetensors");
            SafeTensors.save(f, net.stateDict(), Map.of(ModelSpec.METADATA_KEY, ModelSpec.toJson(net),
                    ModelSpec.INPUT_SHAPE_KEY, "[1,28,28]"));
            try (ModelLoader.Loaded l = ModelLoader.load(f)) {
                assertArrayEquals(new int[]{1, 28, 28}, l.inputShape());
                assertArrayEquals(net.stateDict().get("0.weight").toArray(), l.model().stateDict().get("0.weight").toArray());
            }
            // A checkpoint's optimizer buffers are its own, not unexpected weights; elsewhere they would be.
            Map<String, Tensor> withOptimizer = new LinkedHashMap<>(net.stateDict());
            try (Tensor m = Tensor.zeros(4)) {
                withOptimizer.put("optimizer.m", m);
                Path ck = dir.resolve("checkpoint.safetensors");
                Map<String, String> meta = new LinkedHashMap<>(Map.of(ModelSpec.METADATA_KEY, ModelSpec.toJson(net),
                        ModelSpec.INPUT_SHAPE_KEY, "[1,28,28]"));
                SafeTensors.save(ck, withOptimizer, meta);
                assertMentions(assertThrows(CheckpointMismatchException.class, () -> ModelLoader.load(ck)), "[optimizer.m]");
                meta.put("isthmus.checkpoint", "1");
                SafeTensors.save(ck, withOptimizer, meta);
                ModelLoader.load(ck).close();
            }
        }
    }

    @Test
    void activationsAreSizedAtTheFilesInputShape() throws IOException {
        // Finding 5's Upsample 2^30 (before: "integer overflow" from deep inside forward).
        String up = layers("{\"type\":\"Upsample\",\"scale_factor\":1073741824}", 1);
        Path f = lenetFileWith("upsample.safetensors", up, "[1,28,28]");
        assertMentions(assertThrows(CheckpointFormatException.class, () -> ModelLoader.load(f)),
                "model.0 (Upsample", "overflows the largest dimension 2147483647");
        // Fits an int, but 1 x 28 x 28 x 1024^2 floats is 3.3 GB for one sample.
        Path g = lenetFileWith("upsample1024.safetensors", layers("{\"type\":\"Upsample\",\"scale_factor\":1024}", 1), "[1,28,28]");
        assertMentions(assertThrows(CheckpointFormatException.class, () -> ModelLoader.load(g)),
                "bytes, more than the limit of 1073741824 bytes", "-D" + InputLimits.ACTIVATION_BYTES);
        Path bad = lenetFileWith("shape.safetensors", ModelSpec.toJson(CourseModels.lenet5(10, 1)), "[1,28,\"x\"]");
        assertMentions(assertThrows(CheckpointFormatException.class, () -> ModelLoader.load(bad)),
                "isthmus.input_shape must be a JSON array of 1 to 8 positive integers");
    }

    @Test
    void tensorAllocationNamesAnOverflowingShape() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Tensor.zeros(Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE));
        assertMentions(e, "[2147483647, 2147483647, 2147483647]", "overflows 2^63 bytes");
        assertThrows(IllegalArgumentException.class, () -> Tensor.byteSize(-1, 4));
        assertEquals(4L * 46341 * 46341, Tensor.byteSize(46341, 46341));
    }
}
