package dev.isthmus.io;

import dev.isthmus.tensor.Rng;
import dev.isthmus.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A safetensors image in memory (how weights travel to Spark executors): {@link SafeTensors#toBytes} gives the
 * bytes {@code save} writes, {@link SafeTensors#loadInto(MemorySegment, String, Map, boolean)} reads them back
 * bit for bit, and a damaged image fails with the same checks as a file, naming the image.
 */
class SafeTensorsInMemoryTest {

    @TempDir
    Path dir;

    @Test
    void bytesEqualTheFileAndLoadBackBitForBit() throws IOException {
        Map<String, Tensor> sd = SafeTensorsTest.stateDict(new Rng(3));
        byte[] blob = SafeTensors.toBytes(sd, Map.of("k", "v"));
        Path f = dir.resolve("w.safetensors");
        SafeTensors.save(f, sd, Map.of("k", "v"));
        assertArrayEquals(Files.readAllBytes(f), blob);

        Map<String, Tensor> target = new LinkedHashMap<>();
        sd.forEach((k, t) -> target.put(k, Tensor.zeros(t.shape())));
        SafeTensors.LoadReport r = SafeTensors.loadInto(MemorySegment.ofArray(blob), "broadcast", target, true);
        assertEquals(Map.of("k", "v"), r.metadata());
        sd.forEach((k, t) -> SafeTensorsTest.assertBitEqual(t, target.get(k), k));
        sd.values().forEach(Tensor::close);
        target.values().forEach(Tensor::close);
    }

    @Test
    void truncatedImageIsRejectedByName() {
        Map<String, Tensor> sd = SafeTensorsTest.stateDict(new Rng(4));
        byte[] blob = SafeTensors.toBytes(sd, Map.of());
        byte[] cut = Arrays.copyOf(blob, blob.length - 4);
        Map<String, Tensor> target = new LinkedHashMap<>();
        sd.forEach((k, t) -> target.put(k, Tensor.zeros(t.shape())));
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class,
                () -> SafeTensors.loadInto(MemorySegment.ofArray(cut), "weights-of-step-7", target, true));
        assertTrue(e.getMessage().contains("weights-of-step-7"), e.getMessage());
        sd.values().forEach(Tensor::close);
        target.values().forEach(Tensor::close);
    }
}
