package dev.isthmus.io;

import dev.isthmus.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 11, finding 6: what the safetensors format allows must load; leftovers of killed saves must go. */
class HostileHeaderAndTemporariesTest {
    @TempDir
    Path dir;

    @Test
    void longTensorNamesAndLargeMetadataValuesAreValid() throws IOException {
        // Jackson's defaults (names of 50,000 chars, strings of 20 MB) rejected these valid files.
        String name = "w".repeat(60_000);
        String value = "v".repeat(30_000_000);
        Path f = dir.resolve("long.safetensors");
        try (Tensor t = Tensor.of(new float[]{1, 2}, 2)) {
            SafeTensors.save(f, Map.of(name, t), Map.of("big", value));
        }
        SafeTensors.Header h = SafeTensors.readHeader(f);
        assertEquals(name, h.entries().getFirst().name());
        assertEquals(value.length(), h.metadata().get("big").length());
        try (SafeTensors.Contents c = SafeTensors.load(f)) {
            assertEquals(2f, c.get(name).getFlat(1));
        }
    }

    @Test
    void theHeaderLimitIsTheFormatsAndCanBeLowered() throws IOException {
        Path f = dir.resolve("small.safetensors");
        try (Tensor t = Tensor.of(new float[]{1}, 1)) {
            SafeTensors.save(f, Map.of("a", t), Map.of("k", "x".repeat(1000)));
        }
        assertEquals(100_000_000L, InputLimits.defaults().headerBytes());
        System.setProperty(InputLimits.HEADER_BYTES, "100");
        try {
            CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> SafeTensors.readHeader(f));
            assertTrue(e.getMessage().contains("exceeds the limit of 100 bytes") && e.getMessage().contains(InputLimits.HEADER_BYTES),
                    e.getMessage());
        } finally {
            System.clearProperty(InputLimits.HEADER_BYTES);
        }
    }

    @Test
    void theNextWriteIntoADirectoryDeletesAbandonedTemporariesOnly() throws IOException {
        Path target = dir.resolve("checkpoint.safetensors");
        // Issue 11's leftover: a kill -9 mid-save leaves .checkpoint.safetensors.<16 hex>.tmp behind.
        Path abandoned = Files.writeString(dir.resolve(".checkpoint.safetensors.0123456789abcdef.tmp"), "half");
        Path otherTarget = Files.writeString(dir.resolve(".history.csv.fedcba9876543210.tmp"), "half");
        Path fresh = Files.writeString(dir.resolve(".model.safetensors.00000000000000aa.tmp"), "being written");
        Path live = Files.writeString(dir.resolve(".plot.png.00000000000000bb.tmp"), "being written");
        Path notOurs = Files.writeString(dir.resolve(".notes.tmp"), "someone else's");
        FileTime old = FileTime.from(Instant.now().minusSeconds(24 * 3600));
        for (Path p : new Path[]{abandoned, otherTarget, live, notOurs}) {
            Files.setLastModifiedTime(p, old);
        }
        try (FileChannel ch = FileChannel.open(live, StandardOpenOption.WRITE); FileLock lock = ch.lock()) {
            AtomicFiles.write(target, c -> c.write(ByteBuffer.wrap(new byte[]{1})));
        }
        assertFalse(Files.exists(abandoned), "older than this JVM and unlocked: a killed writer's");
        assertFalse(Files.exists(otherTarget), "any target's leftover in the directory");
        assertTrue(Files.exists(fresh), "newer than this JVM: possibly one of its own writes");
        assertTrue(Files.exists(live), "locked: a live write");
        assertTrue(Files.exists(notOurs), "not named like AtomicFiles' temporaries");
        assertEquals(1, Files.size(target));
    }
}
