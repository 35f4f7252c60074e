package dev.isthmus.data;

import dev.isthmus.io.InputLimits;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 11, finding 4: decompression and text input are bounded. Large recipes are generated here, streamed
 * to disk, never committed; where the real size (2 GB) would only cost disk and time, the limit is lowered
 * instead and the recipe scaled to it, which exercises the same check.
 */
class HostileDataFilesTest {
    @TempDir
    Path dir;

    private static long allocated() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    private static void assertMentions(Exception e, String... parts) {
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "'" + p + "' missing from: " + e.getMessage());
        }
    }

    @Test
    void anIdxGzipBombIsRejectedFromItsHeader() throws IOException {
        // The recipe: 2,040,816 images of 28x28 declared (1.6 GB), 50 MB of zeros compressed to ~50 KB.
        Path bomb = dir.resolve("bomb-idx3-ubyte.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(bomb), 1 << 16)) {
            out.write(IdxTest.idx(0x08, new int[]{2_040_816, 28, 28}, new byte[0]));
            byte[] zeros = new byte[1 << 20];
            for (int i = 0; i < 50; i++) {
                out.write(zeros);
            }
        }
        assertTrue(Files.size(bomb) < 1 << 20, "a small file: " + Files.size(bomb));
        long before = allocated();
        MalformedDataException e = assertThrows(MalformedDataException.class, () -> Idx.readImages(bomb));
        assertMentions(e, "2040816 x 28 x 28 = 1599999744 bytes of data, more than the limit of 268435456", InputLimits.DATA_BYTES);
        assertTrue(allocated() - before < 4 << 20, "allocated " + (allocated() - before));
    }

    @Test
    void gzipInflationStopsAtTheDataLimit() throws IOException {
        // A CSV .gz that inflates past the limit (here lowered to 1 MiB: the check is the same at 256 MiB).
        Path bomb = dir.resolve("bomb.csv.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(bomb), 1 << 16)) {
            out.write("a,b\n".getBytes(StandardCharsets.US_ASCII));
            byte[] rows = "0,0\n".repeat(1 << 16).getBytes(StandardCharsets.US_ASCII);
            for (int i = 0; i < 8; i++) {
                out.write(rows);
            }
        }
        withLimit(InputLimits.DATA_BYTES, "1048576", () -> assertMentions(
                assertThrows(MalformedDataException.class, () -> CsvReader.of(bomb).regression("b")),
                "the data inflate to", "more than the limit of 1048576 bytes"));
    }

    @Test
    void csvFilesAreBoundedInBytesRowsAndLineLength() throws IOException {
        Path big = dir.resolve("big.csv");
        Files.writeString(big, "a,b\n" + "1,2\n".repeat(300_000));
        withLimit(InputLimits.DATA_BYTES, "1000000", () -> assertMentions(
                assertThrows(MalformedDataException.class, () -> CsvReader.of(big).regression("b")),
                "the file holds 1200004 bytes, more than the limit of 1000000 bytes"));
        withLimit(InputLimits.CSV_ROWS, "1000", () -> assertMentions(
                assertThrows(MalformedDataException.class, () -> CsvReader.of(big).regression("b")),
                "line 1002", "more than 1000 data rows"));
        // One 2 MB line (before: BufferedReader.readLine held all of it, and a 2 GB one ran the heap out).
        Path wide = dir.resolve("wide.csv");
        Files.writeString(wide, "a,b\n" + "1".repeat(2_000_000) + ",2\n");
        assertMentions(assertThrows(MalformedDataException.class, () -> CsvReader.of(wide).regression("b")),
                "line 2", "line longer than 1000000 characters", InputLimits.CSV_LINE_CHARS);
    }

    private interface Body {
        void run() throws IOException;
    }

    private static void withLimit(String property, String value, Body body) throws IOException {
        System.setProperty(property, value);
        try {
            body.run();
        } finally {
            System.clearProperty(property);
        }
    }
}
