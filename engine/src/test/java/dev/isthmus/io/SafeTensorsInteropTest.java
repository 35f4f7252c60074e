package dev.isthmus.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.isthmus.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Interop with PyTorch 1.13 in both directions. The fixtures under {@code fixtures/safetensors/} come
 * from {@code engine/src/test/python/fixtures/gen_safetensors.py}, which writes the format by hand from a
 * seeded {@code nn.Sequential(Linear(4,3), ReLU(), Linear(3,2))}; {@code expected.json} holds the
 * float32 bit patterns of every tensor (PyTorch's own conversion for F16/BF16/F64), so values are
 * checked bit for bit against a source independent of the reader under test.
 *
 * <p>The reverse direction parses a Java-written file with a plain JSON parser and byte arithmetic, per
 * the spec. Run with {@code -Disthmus.safetensors.export=FILE} to keep that file for
 * {@code fixtures/gen_safetensors.py check-java FILE}, which checks it in PyTorch.
 */
class SafeTensorsInteropTest {

    @TempDir
    Path dir;

    static Path fixture(String name) {
        try {
            return Path.of(SafeTensorsInteropTest.class.getResource("/fixtures/safetensors/" + name).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("missing test fixture " + name + "; run fixtures/gen_safetensors.py", e);
        }
    }

    static JsonNode expected() throws IOException {
        try (InputStream in = Files.newInputStream(fixture("expected.json"))) {
            return new ObjectMapper().readTree(in);
        }
    }

    /** Every tensor of {@code file} against expected.json: names in data order, shapes, f32 bits. */
    static void checkAgainstExpected(String file, SafeTensors.Contents c) throws IOException {
        JsonNode exp = expected().get(file);
        List<String> names = new ArrayList<>();
        exp.fieldNames().forEachRemaining(names::add);
        assertEquals(names.size(), c.tensors().size(), file + ": tensor count");
        assertTrue(c.tensors().keySet().containsAll(names), file + ": " + c.tensors().keySet() + " vs " + names);
        for (String name : names) {
            JsonNode e = exp.get(name);
            Tensor t = c.get(name);
            int[] shape = new int[e.get("shape").size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = e.get("shape").get(i).intValue();
            }
            assertArrayEquals(shape, t.shape(), file + " " + name + " shape");
            JsonNode bits = e.get("f32_bits");
            assertEquals(bits.size(), t.size(), file + " " + name + " size");
            for (int i = 0; i < bits.size(); i++) {
                int want = bits.get(i).intValue();
                int got = Float.floatToRawIntBits(t.getFlat(i));
                if (want != got) {
                    throw new AssertionError(file + " " + name + "[" + i + "] (" + e.get("dtype").textValue() + "): expected "
                            + Float.intBitsToFloat(want) + " (0x" + Integer.toHexString(want) + ") got "
                            + Float.intBitsToFloat(got) + " (0x" + Integer.toHexString(got) + ")");
                }
            }
        }
    }

    @Test
    void pytorchStateDictReadsBitExactly() throws IOException {
        try (SafeTensors.Contents c = SafeTensors.load(fixture("mlp.safetensors"))) {
            // The reference layout: data sorted by name, which is not the state_dict order.
            assertEquals(List.of("0.bias", "0.weight", "2.bias", "2.weight"), List.copyOf(c.tensors().keySet()));
            assertArrayEquals(new int[]{3, 4}, c.get("0.weight").shape(), "Linear weight is [out, in]");
            assertArrayEquals(new int[]{2, 3}, c.get("2.weight").shape());
            assertEquals("pt", c.metadata().get("format"));
            assertEquals("safetensors_fixture.py", c.metadata().get("source"));
            checkAgainstExpected("mlp.safetensors", c);
        }
        try (SafeTensors.Contents io = SafeTensors.load(fixture("mlp_io.safetensors"))) {
            checkAgainstExpected("mlp_io.safetensors", io);
        }
    }

    /** y = W2 relu(W1 x + b1) + b2 by plain loops (PyTorch's Linear: x W^T + b) matches PyTorch's output. */
    @Test
    void handWrittenForwardMatchesPytorchOutput() throws IOException {
        Map<String, Tensor> model = new LinkedHashMap<>();
        model.put("0.weight", Tensor.zeros(3, 4));
        model.put("0.bias", Tensor.zeros(3));
        model.put("2.weight", Tensor.zeros(2, 3));
        model.put("2.bias", Tensor.zeros(2));
        SafeTensors.loadInto(fixture("mlp.safetensors"), model);
        try (SafeTensors.Contents io = SafeTensors.load(fixture("mlp_io.safetensors"))) {
            Tensor x = io.get("input"), y = io.get("output");
            assertArrayEquals(new int[]{6, 4}, x.shape());
            assertArrayEquals(new int[]{6, 2}, y.shape());
            Tensor w1 = model.get("0.weight"), b1 = model.get("0.bias"), w2 = model.get("2.weight"), b2 = model.get("2.bias");
            int zeroed = 0;
            double maxErr = 0;
            for (int n = 0; n < 6; n++) {
                double[] h = new double[3];
                for (int j = 0; j < 3; j++) {
                    double s = b1.get(j);
                    for (int i = 0; i < 4; i++) {
                        s += (double) w1.get(j, i) * x.get(n, i);
                    }
                    h[j] = Math.max(0, s);
                    zeroed += s <= 0 ? 1 : 0;
                }
                for (int k = 0; k < 2; k++) {
                    double s = b2.get(k);
                    for (int j = 0; j < 3; j++) {
                        s += (double) w2.get(k, j) * h[j];
                    }
                    maxErr = Math.max(maxErr, Math.abs(s - y.get(n, k)));
                }
            }
            assertTrue(maxErr <= 1e-6, "max |ours - pytorch| = " + maxErr);
            assertTrue(zeroed > 0 && zeroed < 18, "the ReLU must matter in this fixture: " + zeroed + " of 18 zeroed");
        }
        model.values().forEach(Tensor::close);
    }

    /** F16, BF16 and F64 convert to exactly the float32 that PyTorch's .float() gives, specials included. */
    @Test
    void reducedAndDoublePrecisionConvertLikePytorch() throws IOException {
        try (SafeTensors.Contents c = SafeTensors.load(fixture("dtypes.safetensors"))) {
            assertEquals(List.of(SafeTensors.DType.F64, SafeTensors.DType.F32, SafeTensors.DType.F32, SafeTensors.DType.F32,
                            SafeTensors.DType.BF16, SafeTensors.DType.F16),
                    SafeTensors.readHeader(fixture("dtypes.safetensors")).entries().stream().map(SafeTensors.Entry::dtype).toList(),
                    "data laid out by alignment (F64 first), header in another order");
            checkAgainstExpected("dtypes.safetensors", c);
            float[] f16 = c.get("f16").toArray();
            assertEquals(0f, f16[0]);
            assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(f16[1]));
            assertEquals(65504f, f16[6], "largest half");
            assertEquals(Float.POSITIVE_INFINITY, f16[8], "70000 overflows half");
            assertTrue(Float.isNaN(f16[22]));
            assertEquals(Float.POSITIVE_INFINITY, c.get("f64").getFlat(18), "1e300 overflows float");
            assertEquals(0, c.get("scalar").rank());
            assertEquals(1.5f, c.get("scalar").getFlat(0));
            assertArrayEquals(new int[]{0, 3}, c.get("empty").shape());
        }
    }

    /** Hand-built F16/BF16 bytes, independent of the fixture: subnormals, extremes, signs. */
    @Test
    void halfAndBfloat16BitPatterns() throws IOException {
        short[] half = {0x3C00, (short) 0xC000, 0x7BFF, 0x0001, 0x03FF, 0x0400, 0x7C00, (short) 0xFC00, (short) 0x8000, 0x3555};
        float[] halfWant = {1f, -2f, 65504f, 5.9604645e-8f, 6.097555e-5f, 6.1035156e-5f,
                Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -0f, 0.33325195f};
        short[] bf = {0x3F80, (short) 0xC040, 0x7F7F, 0x0001, 0x7F80, (short) 0x8000, 0x3EAB};
        float[] bfWant = {1f, -3f, Float.intBitsToFloat(0x7F7F0000), Float.intBitsToFloat(0x00010000),
                Float.POSITIVE_INFINITY, -0f, Float.intBitsToFloat(0x3EAB0000)};
        String json = "{\"h\":{\"dtype\":\"F16\",\"shape\":[10],\"data_offsets\":[0,20]},"
                + "\"b\":{\"dtype\":\"BF16\",\"shape\":[7],\"data_offsets\":[20,34]},"
                + "\"d\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[34,50]}}";
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer buf = ByteBuffer.allocate(8 + h.length + 50).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(h.length).put(h);
        for (short s : half) {
            buf.putShort(s);
        }
        for (short s : bf) {
            buf.putShort(s);
        }
        buf.putDouble(Math.PI).putDouble(-1e-40);
        Path f = dir.resolve("half.safetensors");
        Files.write(f, buf.array());
        try (SafeTensors.Contents c = SafeTensors.load(f)) {
            float[] gotH = c.get("h").toArray(), gotB = c.get("b").toArray();
            for (int i = 0; i < half.length; i++) {
                assertEquals(Float.floatToRawIntBits(halfWant[i]), Float.floatToRawIntBits(gotH[i]), "F16 0x" + Integer.toHexString(half[i] & 0xFFFF));
            }
            for (int i = 0; i < bf.length; i++) {
                assertEquals(Float.floatToRawIntBits(bfWant[i]), Float.floatToRawIntBits(gotB[i]), "BF16 0x" + Integer.toHexString(bf[i] & 0xFFFF));
            }
            assertArrayEquals(new float[]{(float) Math.PI, (float) -1e-40}, c.get("d").toArray());
        }
    }

    /**
     * The reverse direction: the PyTorch state_dict written back by Isthmus, in state_dict order, then
     * parsed here with a plain JSON parser and byte arithmetic exactly as the spec describes. Each
     * tensor's bytes must equal PyTorch's bytes for it.
     */
    @Test
    void javaWrittenFileParsesPerSpec() throws IOException {
        Path torchFile = fixture("mlp.safetensors");
        Map<String, Tensor> sd = new LinkedHashMap<>();
        try (SafeTensors.Contents c = SafeTensors.load(torchFile)) {
            for (String name : List.of("0.weight", "0.bias", "2.weight", "2.bias")) {
                sd.put(name, c.get(name).copy());
            }
        }
        Path f = dir.resolve("isthmus_mlp.safetensors");
        SafeTensors.save(f, sd, Map.of("writer", "isthmus", "format", "pt"));

        byte[] b = Files.readAllBytes(f);
        ByteBuffer le = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        long n = le.getLong(0);
        assertEquals(0, n % 8, "header padded to a multiple of 8");
        String header = new String(b, 8, (int) n, StandardCharsets.UTF_8);
        String json = header.stripTrailing();
        assertTrue(header.substring(json.length()).chars().allMatch(ch -> ch == ' '), "padding is spaces");
        assertTrue(json.startsWith("{") && json.endsWith("}"), json);
        JsonNode root = new ObjectMapper().readTree(json);
        List<String> keys = new ArrayList<>();
        root.fieldNames().forEachRemaining(keys::add);
        assertEquals(List.of("__metadata__", "0.weight", "0.bias", "2.weight", "2.bias"), keys);
        assertEquals("isthmus", root.get("__metadata__").get("writer").textValue());

        SafeTensors.Header torchHeader = SafeTensors.readHeader(torchFile);
        byte[] torchBytes = Files.readAllBytes(torchFile);
        long dataStart = 8 + n, expectedOffset = 0;
        for (String name : sd.keySet()) {
            JsonNode e = root.get(name);
            assertEquals("F32", e.get("dtype").textValue());
            assertEquals(Arrays.toString(sd.get(name).shape()), e.get("shape").toString().replace(",", ", "));
            long begin = e.get("data_offsets").get(0).longValue(), end = e.get("data_offsets").get(1).longValue();
            assertEquals(expectedOffset, begin, name + " contiguous");
            assertEquals(sd.get(name).size() * 4, end - begin);
            for (long i = 0; i < sd.get(name).size(); i++) {
                assertEquals(Float.floatToRawIntBits(sd.get(name).getFlat(i)), le.getInt((int) (dataStart + begin + 4 * i)), name + "[" + i + "]");
            }
            SafeTensors.Entry te = torchHeader.entries().stream().filter(x -> x.name().equals(name)).findFirst().orElseThrow();
            assertArrayEquals(Arrays.copyOfRange(torchBytes, (int) (torchHeader.dataStart() + te.begin()), (int) (torchHeader.dataStart() + te.end())),
                    Arrays.copyOfRange(b, (int) (dataStart + begin), (int) (dataStart + end)), name + ": same bytes as PyTorch wrote");
            expectedOffset = end;
        }
        assertEquals(b.length, dataStart + expectedOffset, "no bytes after the last tensor");

        String export = System.getProperty("isthmus.safetensors.export");
        if (export != null && !export.isBlank()) {
            Files.copy(f, Path.of(export), StandardCopyOption.REPLACE_EXISTING);
            System.out.println("wrote " + export + " for fixtures/gen_safetensors.py check-java");
        }
        sd.values().forEach(Tensor::close);
    }
}
