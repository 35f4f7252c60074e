package dev.isthmus.io;

import dev.isthmus.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Truncated, corrupt and hostile files, crafted byte by byte: each must be rejected with a
 * {@link CheckpointFormatException} that names the file and the problem, before anything is sized by the
 * offending field. A mutation fuzzer then checks that no damage produces any other kind of failure.
 */
class SafeTensorsHostileTest {

    @TempDir
    Path dir;

    /** 8-byte little-endian length, then the header bytes as given (unpadded), then {@code data} zero bytes. */
    static byte[] craft(long headerLength, byte[] header, int data) {
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + data).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(headerLength).put(header);
        return b.array();
    }

    static byte[] craft(String json, int data) {
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        return craft(h.length, h, data);
    }

    static String f32(String name, String shape, long begin, long end) {
        return "\"" + name + "\":{\"dtype\":\"F32\",\"shape\":" + shape + ",\"data_offsets\":[" + begin + "," + end + "]}";
    }

    static Stream<Arguments> hostile() {
        List<Arguments> c = new ArrayList<>();
        c.add(Arguments.of("empty file", new byte[0], "too short for the 8-byte header length"));
        c.add(Arguments.of("3-byte file", new byte[]{1, 2, 3}, "too short for the 8-byte header length"));
        c.add(Arguments.of("header length 2^64-1", craft(-1L, "{}".getBytes(), 0), "header length 18446744073709551615 exceeds the limit"));
        c.add(Arguments.of("header length 100 MB + 1", craft(100_000_001L, "{}".getBytes(), 0), "header length 100000001 exceeds the limit"));
        c.add(Arguments.of("header length past the file", craft(1000, "{}".getBytes(), 0), "header length 1000 runs past the end of the file (10 bytes)"));
        c.add(Arguments.of("header length 100 MB, tiny file", craft(100_000_000L, "{}".getBytes(), 0), "runs past the end of the file"));
        c.add(Arguments.of("header length 0", craft(0, new byte[0], 0), "header length 0 is too short"));
        c.add(Arguments.of("invalid JSON", craft("{not json}", 0), "header is not valid JSON"));
        c.add(Arguments.of("truncated JSON", craft("{\"a\":{\"dtype\":\"F3", 0), "header is not valid JSON"));
        c.add(Arguments.of("invalid UTF-8", craft(8, new byte[]{'{', '"', (byte) 0xC3, 0x28, '"', ':', '1', '}'}, 0), "header is not valid UTF-8"));
        c.add(Arguments.of("array header", craft("[1, 2]", 0), "header is not a JSON object but an array"));
        c.add(Arguments.of("number header", craft("42      ", 0), "header is not a JSON object but a number (42)"));
        c.add(Arguments.of("trailing JSON", craft("{} {\"x\":1}", 0), "header has content after its JSON object (at character 3)"));
        c.add(Arguments.of("entry not an object", craft("{\"a\":5}", 0), "tensor 'a': expected an object with dtype, shape and data_offsets, got a number (5)"));
        c.add(Arguments.of("unknown dtype", craft("{\"a\":{\"dtype\":\"F99\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4), "tensor 'a': unknown dtype 'F99'"));
        c.add(Arguments.of("unsupported dtype", craft("{\"w\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}", 8), "tensor 'w': dtype I64 is not supported"));
        c.add(Arguments.of("dtype not a string", craft("{\"a\":{\"dtype\":4,\"shape\":[1],\"data_offsets\":[0,4]}}", 4), "tensor 'a': dtype is a number (4), not a string"));
        c.add(Arguments.of("missing data_offsets", craft("{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4), "tensor 'a': missing data_offsets"));
        c.add(Arguments.of("unknown field", craft("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"strides\":[1]}}", 4), "tensor 'a': unknown field 'strides'"));
        c.add(Arguments.of("shape and bytes disagree", craft("{" + f32("0.weight", "[2,3]", 0, 20) + "}", 20),
                "tensor '0.weight': shape [2, 3] of F32 needs 24 bytes but data_offsets [0, 20] span 20"));
        c.add(Arguments.of("shape not an array", craft("{\"a\":{\"dtype\":\"F32\",\"shape\":4,\"data_offsets\":[0,16]}}", 16), "tensor 'a': shape is a number (4), not an array"));
        c.add(Arguments.of("negative dimension", craft("{" + f32("a", "[-1]", 0, 4) + "}", 4), "tensor 'a': shape dimension 0 is -1, outside [0, 2^63)"));
        c.add(Arguments.of("fractional dimension", craft("{" + f32("a", "[1.5]", 0, 4) + "}", 4), "tensor 'a': shape dimension 0 is a number (1.5), not an integer"));
        c.add(Arguments.of("dimension beyond int", craft("{" + f32("a", "[3000000000]", 0, 12000000000L) + "}", 4), "tensor 'a': shape dimension 0 = 3000000000 exceeds the largest supported dimension 2147483647"));
        c.add(Arguments.of("shape product overflows", craft("{" + f32("a", "[2147483647,2147483647,2147483647]", 0, 4) + "}", 4),
                "tensor 'a': shape [2147483647, 2147483647, 2147483647] of F32 overflows"));
        c.add(Arguments.of("byte count overflows", craft("{" + f32("a", "[2147483647,2147483647,2000000000]", 0, 4) + "}", 4), "overflows"));
        c.add(Arguments.of("40 GB tensor in a tiny file", craft("{" + f32("big", "[100000,100000]", 0, 40_000_000_000L) + "}", 4),
                "tensor 'big': data_offsets [0, 40000000000] run past the end of the data section (4 bytes; truncated file?)"));
        c.add(Arguments.of("negative offset", craft("{" + f32("a", "[1]", -4, 0) + "}", 4), "tensor 'a': data_offsets begin is -4, outside [0, 2^63)"));
        c.add(Arguments.of("offset beyond 2^63", craft("{" + f32("a", "[1]", 0, 4).replace("[0,4]", "[0,99999999999999999999999]") + "}", 4), "data_offsets end is 99999999999999999999999, outside"));
        c.add(Arguments.of("end before begin", craft("{" + f32("a", "[0]", 8, 4) + "}", 8), "tensor 'a': data_offsets [8, 4] end before they begin"));
        c.add(Arguments.of("fractional offset", craft("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0.0,4]}}", 4), "tensor 'a': data_offsets begin is a number (0.0), not an integer"));
        c.add(Arguments.of("three offsets", craft("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}", 4), "tensor 'a': data_offsets must be an array [begin, end], but it holds more than 2 values"));
        c.add(Arguments.of("overlapping tensors", craft("{" + f32("a", "[2]", 0, 8) + "," + f32("b", "[2]", 4, 12) + "}", 12),
                "tensor 'b': data_offsets [4, 12] overlap tensor 'a' [0, 8]"));
        c.add(Arguments.of("two tensors, same bytes", craft("{" + f32("a", "[2]", 0, 8) + "," + f32("b", "[2]", 0, 8) + "}", 8), "overlap tensor"));
        c.add(Arguments.of("hole between tensors", craft("{" + f32("a", "[2]", 0, 8) + "," + f32("b", "[2]", 12, 20) + "}", 20),
                "tensor 'b': data_offsets [12, 20] leave 4 unused bytes before them (at offset 8)"));
        c.add(Arguments.of("hole before the first tensor", craft("{" + f32("a", "[2]", 4, 12) + "}", 12), "leave 4 unused bytes before them (at offset 0)"));
        c.add(Arguments.of("offsets beyond the file (truncated)", craft("{" + f32("a", "[4]", 0, 16) + "}", 10),
                "tensor 'a': data_offsets [0, 16] run past the end of the data section (10 bytes; truncated file?)"));
        c.add(Arguments.of("bytes after the last tensor", craft("{" + f32("a", "[2]", 0, 8) + "}", 12), "4 bytes after the last tensor"));
        c.add(Arguments.of("duplicate tensor name", craft("{" + f32("a", "[1]", 0, 4) + "," + f32("a", "[1]", 4, 8) + "}", 8), "header is not valid JSON: Duplicate field 'a'"));
        c.add(Arguments.of("duplicate metadata key", craft("{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}}", 0), "header is not valid JSON: Duplicate field 'k'"));
        c.add(Arguments.of("non-string metadata value", craft("{\"__metadata__\":{\"epoch\":3}}", 0), "__metadata__ value for key 'epoch' is a number (3), not a string"));
        c.add(Arguments.of("nested metadata value", craft("{\"__metadata__\":{\"cfg\":{\"lr\":\"0.1\"}}}", 0), "__metadata__ value for key 'cfg' is an object, not a string"));
        c.add(Arguments.of("metadata not an object", craft("{\"__metadata__\":\"pt\"}", 0), "__metadata__ must be an object of strings, not a string (pt)"));
        c.add(Arguments.of("deeply nested header", craft("{\"a\":" + "[".repeat(5000) + "]".repeat(5000) + "}", 0), "tensor 'a': expected an object with dtype, shape and data_offsets, got an array"));
        c.add(Arguments.of("deeply nested metadata", craft("{\"__metadata__\":{\"k\":" + "[".repeat(5000) + "]".repeat(5000) + "}}", 0), "value for key 'k' is an array, not a string"));
        c.add(Arguments.of("100 000 dimensions", craft("{" + f32("a", "[" + "1,".repeat(99_999) + "1]", 0, 4) + "}", 4), "tensor 'a': shape has more than 64 dimensions"));
        c.add(Arguments.of("one offset", craft("{" + f32("a", "[1]", 0, 4).replace("[0,4]", "[0]") + "}", 4), "data_offsets must be an array [begin, end], but it holds 1 value(s)"));
        c.add(Arguments.of("offsets not an array", craft("{" + f32("a", "[1]", 0, 4).replace("[0,4]", "\"0-4\"") + "}", 4), "data_offsets must be an array [begin, end], not a string (0-4)"));
        c.add(Arguments.of("duplicate field in an entry", craft("{\"a\":{\"dtype\":\"F32\",\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4), "Duplicate field 'dtype'"));
        c.add(Arguments.of("header cut inside an entry", craft("{\"a\":{\"dtype\":\"F32\"", 0), "header is not valid JSON"));
        c.add(Arguments.of("JSON null header", craft("null", 0), "header is not a JSON object but null"));
        c.add(Arguments.of("tensor name of 100 000 chars (allowed, like the format)", craft("{\"" + "x".repeat(100_000) + "\":1}", 0), "got a number (1)"));
        c.add(Arguments.of("long tensor name in an error", craft("{\"" + "x".repeat(20_000) + "\":1}", 0), "tensor 'xxxxxxxxxx"));
        return c.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostile")
    void isRejectedWithAMessageNamingFileAndProblem(String what, byte[] bytes, String expected) throws IOException {
        Path f = dir.resolve("hostile.safetensors");
        Files.write(f, bytes);
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> SafeTensors.load(f), what);
        assertTrue(e.getMessage().startsWith(f.toString() + ": "), e.getMessage());
        assertTrue(e.problem().contains(expected), "expected \"" + expected + "\" in: " + e.problem());
        assertTrue(e.getMessage().length() < 1000, "message stays short: " + e.getMessage().length() + " chars");
        assertEquals(f, e.file());
        // The header-only reader and the load-into-model path apply the same checks.
        assertThrows(CheckpointFormatException.class, () -> SafeTensors.readHeader(f), what);
        assertThrows(CheckpointFormatException.class, () -> SafeTensors.loadInto(f, Map.of(), false), what);
    }

    /**
     * A file truncated by another process after it was mapped: the JVM turns the fault on the missing
     * pages into an InternalError, which the reader reports as an IOException naming file and tensor.
     */
    @Test
    void fileTruncatedWhileMappedIsAnIOExceptionNotACrash() throws IOException {
        Path f = dir.resolve("shrinking.safetensors");
        try (Tensor t = Tensor.full(1f, 1 << 20)) {
            SafeTensors.save(f, Map.of("w", t));
        }
        SafeTensors.Header h = SafeTensors.readHeader(f);
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(f, java.nio.file.StandardOpenOption.READ,
                java.nio.file.StandardOpenOption.WRITE);
             java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined();
             Tensor dst = Tensor.zeros(1 << 20)) {
            java.lang.foreign.MemorySegment data = ch.map(java.nio.channels.FileChannel.MapMode.READ_ONLY, h.dataStart(), h.dataBytes(), arena);
            ch.truncate(h.dataStart() + 4096);
            IOException e = assertThrows(IOException.class, () -> TensorDecoding.decode(f, h.entries().getFirst(), data, dst.segment()));
            assertTrue(e.getMessage().contains(f + ": the file changed while tensor 'w' was being read"), e.getMessage());
            assertTrue(e.getCause() instanceof InternalError, String.valueOf(e.getCause()));
        }
    }

    @Test
    void everyTruncationOfAValidFileIsRejected() throws IOException {
        byte[] valid = validFile();
        for (int len = 0; len < valid.length; len++) {
            Path f = dir.resolve("truncated.safetensors");
            Files.write(f, java.util.Arrays.copyOf(valid, len));
            int l = len;
            assertThrows(CheckpointFormatException.class, () -> SafeTensors.load(f), () -> "truncated to " + l + " bytes");
        }
        Path f = dir.resolve("whole.safetensors");
        Files.write(f, valid);
        try (SafeTensors.Contents c = SafeTensors.load(f)) {
            assertEquals(List.of("w", "b"), List.copyOf(c.tensors().keySet()));
        }
    }

    /**
     * Random byte damage (header and data): every outcome is either a successful load (damage in the
     * data, a space, a digit that still makes sense) or a CheckpointFormatException; never another
     * exception, never a crash.
     */
    @Test
    void randomDamageIsEitherReadOrRejectedCleanly() throws IOException {
        byte[] valid = validFile();
        Random rnd = new Random(42);
        int loaded = 0, rejected = 0;
        Path f = dir.resolve("fuzz.safetensors");
        for (int iter = 0; iter < 600; iter++) {
            byte[] b = valid.clone();
            int edits = 1 + rnd.nextInt(3);
            for (int k = 0; k < edits; k++) {
                int pos = rnd.nextInt(4) > 0 ? rnd.nextInt(headerEnd(valid)) : rnd.nextInt(b.length);
                b[pos] = switch (rnd.nextInt(4)) {
                    case 0 -> (byte) rnd.nextInt(256);
                    case 1 -> (byte) "0123456789".charAt(rnd.nextInt(10));
                    case 2 -> (byte) "{}[],:\"- ".charAt(rnd.nextInt(9));
                    default -> (byte) (b[pos] ^ (1 << rnd.nextInt(8)));
                };
            }
            Files.write(f, b);
            try (SafeTensors.Contents c = SafeTensors.load(f)) {
                loaded++;
                c.tensors().values().forEach(Tensor::size);
            } catch (CheckpointFormatException e) {
                rejected++;
            } catch (Throwable t) {
                fail("damage " + iter + " produced " + t + " instead of a CheckpointFormatException", t);
            }
        }
        assertTrue(rejected > 200 && loaded > 5, "loaded " + loaded + ", rejected " + rejected);
    }

    private static int headerEnd(byte[] file) {
        return 8 + (int) ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
    }

    private byte[] validFile() throws IOException {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("w", Tensor.of(new float[]{1, 2, 3, 4, 5, 6}, 2, 3));
        m.put("b", Tensor.of(new float[]{-1, 0.5f}, 2));
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        SafeTensors.write(java.nio.channels.Channels.newChannel(bos), m, Map.of("epoch", "3"));
        m.values().forEach(Tensor::close);
        return bos.toByteArray();
    }
}
