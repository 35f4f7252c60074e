package dev.isthmus.io;

import com.sun.management.ThreadMXBean;
import dev.isthmus.tensor.Rng;
import dev.isthmus.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Round trips through {@link SafeTensors}: values bit for bit, names and order, metadata, scalars and
 * empty tensors, files whose header order differs from their data order, loading into an existing set
 * of tensors with its mismatch report, and a 10M-float tensor that must not pass through the Java heap.
 */
class SafeTensorsTest {

    @TempDir
    Path dir;

    static Map<String, Tensor> stateDict(Rng rng) {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("0.weight", Tensor.randn(rng, 40, 784));
        m.put("0.bias", Tensor.randn(rng, 40));
        m.put("3.weight", Tensor.randn(rng, 10, 40));
        m.put("3.bias", Tensor.randn(rng, 10));
        return m;
    }

    static void assertBitEqual(Tensor expected, Tensor actual, String name) {
        assertArrayEquals(expected.shape(), actual.shape(), name + " shape");
        float[] e = expected.toArray(), a = actual.toArray();
        for (int i = 0; i < e.length; i++) {
            if (Float.floatToRawIntBits(e[i]) != Float.floatToRawIntBits(a[i])) {
                throw new AssertionError(name + "[" + i + "]: expected " + e[i] + " got " + a[i]);
            }
        }
    }

    @Test
    void roundTripKeepsValuesNamesOrderAndMetadata() throws IOException {
        Map<String, Tensor> sd = stateDict(new Rng(1));
        sd.get("0.bias").setFlat(0, Float.NaN);
        sd.get("0.bias").setFlat(1, -0f);
        sd.get("0.bias").setFlat(2, Float.NEGATIVE_INFINITY);
        sd.get("0.bias").setFlat(3, Float.MIN_VALUE);
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("epoch", "7");
        meta.put("optimizer", "sgd");
        meta.put("note", "ünïcödé \"quoted\" \\ and\nnewline");
        Path f = dir.resolve("model.safetensors");
        SafeTensors.save(f, sd, meta);

        try (SafeTensors.Contents c = SafeTensors.load(f)) {
            assertEquals(List.copyOf(sd.keySet()), List.copyOf(c.tensors().keySet()), "insertion order kept");
            for (String name : sd.keySet()) {
                assertBitEqual(sd.get(name), c.get(name), name);
                assertTrue(c.get(name).ownsMemory());
            }
            assertEquals(meta, c.metadata());
            assertEquals(List.copyOf(meta.keySet()), List.copyOf(c.metadata().keySet()), "metadata order kept");
        }
        assertEquals(List.of(f), Files.list(dir).toList(), "no temporary file left behind");
        sd.values().forEach(Tensor::close);
    }

    @Test
    void headerOnlyReadDescribesTheLayout() throws IOException {
        Map<String, Tensor> sd = stateDict(new Rng(2));
        Path f = dir.resolve("h.safetensors");
        SafeTensors.save(f, sd, Map.of("k", "v"));
        SafeTensors.Header h = SafeTensors.readHeader(f);
        assertEquals(0, h.headerBytes() % 8);
        assertEquals(8 + h.headerBytes(), h.dataStart());
        assertEquals(Files.size(f), h.dataStart() + h.dataBytes());
        assertEquals(List.of(
                new SafeTensors.Entry("0.weight", SafeTensors.DType.F32, new int[]{40, 784}, 0, 40 * 784 * 4),
                new SafeTensors.Entry("0.bias", SafeTensors.DType.F32, new int[]{40}, 125440, 125600),
                new SafeTensors.Entry("3.weight", SafeTensors.DType.F32, new int[]{10, 40}, 125600, 127200),
                new SafeTensors.Entry("3.bias", SafeTensors.DType.F32, new int[]{10}, 127200, 127240)), h.entries());
        assertEquals(Map.of("k", "v"), h.metadata());
        sd.values().forEach(Tensor::close);
    }

    @Test
    void noMetadataMeansNoMetadataKey() throws IOException {
        Path f = dir.resolve("plain.safetensors");
        try (Tensor t = Tensor.of(new float[]{1, 2}, 2)) {
            SafeTensors.save(f, Map.of("t", t));
        }
        byte[] b = Files.readAllBytes(f);
        String header = new String(b, 8, (int) ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong(0), StandardCharsets.UTF_8);
        assertFalse(header.contains(SafeTensors.METADATA_KEY), header);
        try (SafeTensors.Contents c = SafeTensors.load(f)) {
            assertTrue(c.metadata().isEmpty());
        }
    }

    @Test
    void scalarsEmptyTensorsAndAnEmptyFileRoundTrip() throws IOException {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("scalar", Tensor.full(2.5f));
        m.put("empty", Tensor.zeros(0, 3));
        m.put("row", Tensor.of(new float[]{1, 2, 3}, 1, 3));
        Path f = dir.resolve("edge.safetensors");
        SafeTensors.save(f, m);
        try (SafeTensors.Contents c = SafeTensors.load(f)) {
            assertEquals(0, c.get("scalar").rank());
            assertEquals(2.5f, c.get("scalar").getFlat(0));
            assertArrayEquals(new int[]{0, 3}, c.get("empty").shape());
            assertBitEqual(m.get("row"), c.get("row"), "row");
        }
        Path none = dir.resolve("none.safetensors");
        SafeTensors.save(none, Map.of());
        try (SafeTensors.Contents c = SafeTensors.load(none)) {
            assertTrue(c.tensors().isEmpty());
        }
        assertEquals(16, Files.size(none), "8-byte length + \"{}\" padded to 8");
        m.values().forEach(Tensor::close);
    }

    /** Valid files may list tensors in any order and lay out data in another: both must read. */
    @Test
    void headerOrderAndDataOrderMayDiffer() throws IOException {
        String json = "{\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]},"
                + "\"z\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,8]},"
                + "\"__metadata__\":{\"m\":\"x\"},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + 16).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).putFloat(1).putFloat(2).putFloat(3).putFloat(4);
        Path f = dir.resolve("order.safetensors");
        Files.write(f, b.array());
        try (SafeTensors.Contents c = SafeTensors.load(f)) {
            assertEquals(List.of("a", "z", "b"), List.copyOf(c.tensors().keySet()), "data order");
            assertArrayEquals(new float[]{1, 2}, c.get("a").toArray());
            assertArrayEquals(new float[]{3, 4}, c.get("b").toArray());
            assertEquals(0, c.get("z").size());
            assertEquals(Map.of("m", "x"), c.metadata());
        }
    }

    @Test
    void loadIntoFillsExistingTensorsInPlace() throws IOException {
        Map<String, Tensor> saved = stateDict(new Rng(3));
        Path f = dir.resolve("ckpt.safetensors");
        SafeTensors.save(f, saved, Map.of("epoch", "2"));
        Map<String, Tensor> model = new LinkedHashMap<>();
        saved.forEach((k, v) -> model.put(k, Tensor.zeros(v.shape())));
        // A view into a larger buffer (as a layer's flat parameter buffer would be) is filled in place.
        Tensor flat = Tensor.zeros(10 * 40 + 10);
        model.put("3.weight", flat.view(0, 10, 40));
        model.put("3.bias", flat.view(400, 10));

        SafeTensors.LoadReport r = SafeTensors.loadInto(f, model);
        assertTrue(r.missing().isEmpty() && r.unexpected().isEmpty());
        assertEquals(Map.of("epoch", "2"), r.metadata());
        for (String k : saved.keySet()) {
            assertBitEqual(saved.get(k), model.get(k), k);
        }
        assertEquals(saved.get("3.bias").getFlat(9), flat.getFlat(409));
        saved.values().forEach(Tensor::close);
        Stream.of("0.weight", "0.bias").forEach(k -> model.get(k).close());
        flat.close();
    }

    @Test
    void loadIntoReportsEveryMismatchAndTouchesNothing() throws IOException {
        Map<String, Tensor> saved = stateDict(new Rng(4));
        Path f = dir.resolve("ckpt.safetensors");
        SafeTensors.save(f, saved);
        Map<String, Tensor> model = new LinkedHashMap<>();
        model.put("0.weight", Tensor.full(9f, 40, 100));
        model.put("0.bias", Tensor.full(9f, 40));
        model.put("3.weight", Tensor.full(9f, 10, 40));
        model.put("5.bias", Tensor.full(9f, 10));

        CheckpointMismatchException e = assertThrows(CheckpointMismatchException.class, () -> SafeTensors.loadInto(f, model));
        assertEquals(List.of("5.bias"), e.missing());
        assertEquals(List.of("3.bias"), e.unexpected());
        assertEquals(List.of("0.weight: file has [40, 784], model expects [40, 100]"), e.shapeMismatches());
        assertTrue(e.getMessage().startsWith(f + " does not match the model: "), e.getMessage());
        assertTrue(e.getMessage().contains("0.weight: file has [40, 784], model expects [40, 100]"), e.getMessage());
        assertTrue(e.getMessage().contains("[5.bias]") && e.getMessage().contains("[3.bias]"), e.getMessage());
        for (Tensor t : model.values()) {
            assertTrue(Arrays.equals(Tensor.full(9f, t.shape()).toArray(), t.toArray()), "untouched after a mismatch");
        }

        // Non-strict: names may differ (reported), shapes may not.
        model.put("0.weight", Tensor.zeros(40, 784));
        SafeTensors.LoadReport r = SafeTensors.loadInto(f, model, false);
        assertEquals(List.of("5.bias"), r.missing());
        assertEquals(List.of("3.bias"), r.unexpected());
        assertBitEqual(saved.get("0.bias"), model.get("0.bias"), "0.bias");
        assertEquals(9f, model.get("5.bias").getFlat(0), "missing tensors are left alone");
        model.put("0.bias", Tensor.zeros(41));
        CheckpointMismatchException shapes = assertThrows(CheckpointMismatchException.class, () -> SafeTensors.loadInto(f, model, false));
        assertEquals(List.of("0.bias: file has [40], model expects [41]"), shapes.shapeMismatches());
        assertTrue(shapes.missing().isEmpty());
        saved.values().forEach(Tensor::close);
        model.values().forEach(Tensor::close);
    }

    @Test
    void writerRejectsWhatTheFormatCannotHold() throws IOException {
        Path f = dir.resolve("bad.safetensors");
        try (Tensor t = Tensor.zeros(2)) {
            assertThrows(IllegalArgumentException.class, () -> SafeTensors.save(f, Map.of(SafeTensors.METADATA_KEY, t)));
        }
        Tensor freed = Tensor.zeros(2);
        freed.close();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SafeTensors.save(f, Map.of("w", freed)));
        assertTrue(e.getMessage().contains("'w'"), e.getMessage());
        assertFalse(Files.exists(f));
        assertEquals(0, Files.list(dir).count(), "invalid input leaves no file and no temporary behind");
    }

    /**
     * 10M floats (40 MB) saved and loaded while this thread's heap allocation is measured: the data must
     * stream through off-heap staging and the memory map, so the heap sees only the header and a few objects.
     */
    @Test
    void tenMillionFloatsGoThroughOffHeapMemoryOnly() throws IOException {
        int n = 10_000_000;
        ThreadMXBean mx = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        assertTrue(mx.isThreadAllocatedMemorySupported() && mx.isThreadAllocatedMemoryEnabled());
        Path f = dir.resolve("big.safetensors");
        try (Tensor big = Tensor.zeros(n / 1000, 1000)) {
            for (long i = 0; i < n; i++) {
                big.setFlat(i, i * 0.5f);
            }
            Map<String, Tensor> m = Map.of("big", big);
            SafeTensors.save(f, m); // warm-up: classes loaded, code paths touched

            long t0 = System.nanoTime();
            long before = mx.getCurrentThreadAllocatedBytes();
            SafeTensors.save(f, m);
            long saveAlloc = mx.getCurrentThreadAllocatedBytes() - before;
            long t1 = System.nanoTime();

            before = mx.getCurrentThreadAllocatedBytes();
            SafeTensors.Contents c = SafeTensors.load(f);
            long loadAlloc = mx.getCurrentThreadAllocatedBytes() - before;
            long t2 = System.nanoTime();
            try (c) {
                Tensor back = c.get("big");
                for (long i = 0; i < n; i += 997) {
                    if (back.getFlat(i) != i * 0.5f) {
                        throw new AssertionError("element " + i + ": " + back.getFlat(i));
                    }
                }
                assertEquals(big.getFlat(n - 1), back.getFlat(n - 1));
            }
            System.out.printf("10M floats: save %.0f ms (heap %d KB), load %.0f ms (heap %d KB), file %d MB%n",
                    (t1 - t0) / 1e6, saveAlloc / 1024, (t2 - t1) / 1e6, loadAlloc / 1024, Files.size(f) >> 20);
            assertTrue(saveAlloc < 2 << 20, "save allocated " + saveAlloc + " heap bytes for a 40 MB tensor");
            assertTrue(loadAlloc < 2 << 20, "load allocated " + loadAlloc + " heap bytes for a 40 MB tensor");
        }
    }
}
