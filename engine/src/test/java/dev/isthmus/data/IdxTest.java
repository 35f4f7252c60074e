package dev.isthmus.data;

import dev.isthmus.io.InputLimits;
import dev.isthmus.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IdxTest {

    @TempDir
    Path dir;

    /** An IDX file: magic 00 00 type ndims, big-endian dimensions, then the data bytes. */
    static byte[] idx(int type, int[] dims, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + data.length);
        b.put((byte) 0).put((byte) 0).put((byte) type).put((byte) dims.length);
        for (int d : dims) {
            b.putInt(d);
        }
        b.put(data);
        return b.array();
    }

    static byte[] gzip(byte[] raw) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(raw);
        }
        return out.toByteArray();
    }

    /** n images of rows x cols; pixel k of image i is (i * 7 + k) mod 256. */
    static byte[] pixels(int n, int rows, int cols) {
        byte[] p = new byte[n * rows * cols];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < rows * cols; k++) {
                p[i * rows * cols + k] = (byte) (i * 7 + k);
            }
        }
        return p;
    }

    static byte[] labelBytes(int... labels) {
        byte[] b = new byte[labels.length];
        for (int i = 0; i < labels.length; i++) {
            b[i] = (byte) labels[i];
        }
        return b;
    }

    private Path write(String name, byte[] content) throws IOException {
        return Files.write(dir.resolve(name), content);
    }

    private MalformedDataException imagesFail(String name, byte[] content) throws IOException {
        Path f = write(name, content);
        MalformedDataException e = assertThrows(MalformedDataException.class, () -> Idx.readImages(f));
        assertEquals(f.toString(), e.file());
        assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
        return e;
    }

    private static void assertMentions(Exception e, String... parts) {
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "'" + p + "' missing from: " + e.getMessage());
        }
    }

    @Test
    void readsRawAndGzipImagesScaledToUnitRange() throws IOException {
        byte[] raw = idx(0x08, new int[]{3, 2, 4}, pixels(3, 2, 4));
        for (Path f : new Path[]{write("raw-idx3", raw), write("zipped.gz", gzip(raw)),
                write("zipped-without-suffix", gzip(raw)), write("raw-named.gz", raw)}) {
            try (Tensor t = Idx.readImages(f)) {
                assertArrayEquals(new int[]{3, 1, 2, 4}, t.shape(), f.toString());
                assertEquals(((2 * 7 + 5) & 0xFF) / 255f, t.get(2, 0, 1, 1), f.toString());
            }
        }
        byte[] extremes = idx(0x08, new int[]{1, 1, 3}, new byte[]{0, (byte) 128, (byte) 255});
        try (Tensor t = Idx.readImages(write("extremes", extremes))) {
            assertArrayEquals(new float[]{0f, 128 / 255f, 1f}, t.toArray());
        }
    }

    @Test
    void readsLabelsAndChecksTheirRange() throws IOException {
        Path f = write("labels.gz", gzip(idx(0x08, new int[]{4}, labelBytes(3, 0, 9, 1))));
        assertArrayEquals(new int[]{3, 0, 9, 1}, Idx.readLabels(f, 10));
        Path bad = write("labels-bad", idx(0x08, new int[]{4}, labelBytes(3, 0, 10, 1)));
        MalformedDataException e = assertThrows(MalformedDataException.class, () -> Idx.readLabels(bad, 10));
        assertMentions(e, bad.toString(), "label 10 of item 2", "10 classes");
        Path images = write("images-as-labels", idx(0x08, new int[]{1, 2, 2}, pixels(1, 2, 2)));
        assertMentions(assertThrows(MalformedDataException.class, () -> Idx.readLabels(images, 10)),
                "declares 3 dimensions, expected 1");
    }

    @Test
    void headerProblemsAreNamed() throws IOException {
        assertMentions(imagesFail("empty", new byte[0]), "truncated header", "after 0 bytes");
        assertMentions(imagesFail("three", new byte[]{0, 0, 8}), "truncated header", "after 3 bytes");
        assertMentions(imagesFail("png", new byte[]{(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10}), "bad magic number 0x89504E47");
        assertMentions(imagesFail("floats", idx(0x0D, new int[]{1, 1, 1}, new byte[4])), "element type 0x0D (float)");
        assertMentions(imagesFail("twodims", idx(0x08, new int[]{2, 4}, new byte[8])), "declares 2 dimensions, expected 3");
        byte[] cut = Arrays.copyOf(idx(0x08, new int[]{1, 2, 2}, new byte[4]), 9);
        assertMentions(imagesFail("cut-header", cut), "truncated header", "need 12 bytes", "has 5");
        assertMentions(imagesFail("no-rows", idx(0x08, new int[]{1, 0, 28}, new byte[0])), "0 x 28 pixels");
        byte[] negative = idx(0x08, new int[]{-1, 28, 28}, new byte[0]);
        assertMentions(imagesFail("negative", negative), "dimension 0 is declared as 4294967295");
    }

    @Test
    void rawFilesWhoseLengthDisagreesWithTheHeaderAreRejectedBeforeAllocating() throws IOException {
        byte[] full = idx(0x08, new int[]{10, 4, 4}, pixels(10, 4, 4));
        assertMentions(imagesFail("short", Arrays.copyOf(full, full.length - 8)),
                "10 x 4 x 4 = 160 bytes", "the file has 152 (truncated)");
        byte[] longer = Arrays.copyOf(full, full.length + 3);
        assertMentions(imagesFail("long", longer), "the file has 163 (extra bytes at the end)");
        // A header promising two billion bytes in a file of a few dozen: rejected from the file length alone.
        byte[] liar = idx(0x08, new int[]{0x7FFF0000, 1, 1}, new byte[20]);
        long before = allocatedBytes();
        assertMentions(imagesFail("liar", liar), "2147418112 bytes", "the file has 20 (truncated)");
        assertTrue(allocatedBytes() - before < (1 << 20), "no buffer sized by the header");
    }

    @Test
    void gzipStreamsAreReadIncrementallyAndCheckedAgainstTheHeader() throws IOException {
        byte[] full = idx(0x08, new int[]{10, 4, 4}, pixels(10, 4, 4));
        assertMentions(imagesFail("short.gz", gzip(Arrays.copyOf(full, full.length - 8))),
                "truncated data", "160 bytes", "ends after 152");
        assertMentions(imagesFail("long.gz", gzip(Arrays.copyOf(full, full.length + 1))), "more data than the header declares");
        // The lying header again, now compressed: the size cannot be checked up front, so the buffer grows with the
        // data that actually arrives (at most 1 MiB here) instead of the 2 GB declared.
        // Under the default data limit (256 MiB) the declaration alone is rejected; with the limit raised to its
        // maximum the incremental read is what keeps the memory down.
        byte[] liar = gzip(idx(0x08, new int[]{0x7FFF0000, 1, 1}, new byte[100]));
        assertMentions(imagesFail("liar-limited.gz", liar), "2147418112 bytes of data, more than the limit of 268435456",
                "-Disthmus.limits.dataBytes=N");
        System.setProperty(InputLimits.DATA_BYTES, Long.toString(Integer.MAX_VALUE - 8));
        try {
            long before = allocatedBytes();
            assertMentions(imagesFail("liar.gz", liar), "truncated data", "2147418112 bytes", "ends after 100");
            assertTrue(allocatedBytes() - before < (8 << 20), "allocated " + (allocatedBytes() - before) + " bytes");
        } finally {
            System.clearProperty(InputLimits.DATA_BYTES);
        }
        byte[] overflow = gzip(idx(0x08, new int[]{65535, 65535, 65535}, new byte[0]));
        assertMentions(imagesFail("overflow.gz", overflow), "65535 x 65535 x 65535 bytes", "more than the reader's limit");
    }

    @Test
    void corruptGzipIsNamedAsSuch() throws IOException {
        byte[] gz = gzip(idx(0x08, new int[]{20, 8, 8}, pixels(20, 8, 8)));
        byte[] cut = Arrays.copyOf(gz, gz.length - 12);
        assertMentions(imagesFail("cut.gz", cut), "corrupt or truncated gzip data");
        byte[] crc = gz.clone();
        crc[crc.length - 6] ^= 0x55; // inside the CRC-32 trailer
        assertMentions(imagesFail("crc.gz", crc), "corrupt or truncated gzip data");
        byte[] flipped = gz.clone();
        for (int i = 20; i < 40; i++) {
            flipped[i] ^= (byte) 0xA7;
        }
        assertMentions(imagesFail("garbled.gz", flipped), "gzip");
        byte[] headerOnly = Arrays.copyOf(gz, 5);
        assertMentions(imagesFail("header-only.gz", headerOnly), "the file ends inside the gzip header");
    }

    @Test
    void gzipMembersMustEndWhereTheFileEnds() throws IOException {
        byte[] gz = gzip(idx(0x08, new int[]{2, 2, 2}, pixels(2, 2, 2)));
        // Issue 11's recipe: valid member + "garbage" passed java.util.zip.GZIPInputStream silently.
        byte[] trailing = Arrays.copyOf(gz, gz.length + 7);
        System.arraycopy("garbage".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0, trailing, gz.length, 7);
        assertMentions(imagesFail("trailing.gz", trailing), "trailing bytes after the last gzip member");
        byte[] reserved = gz.clone();
        reserved[3] |= (byte) 0x20; // FLG bit 5, reserved
        assertMentions(imagesFail("reserved.gz", reserved), "reserved header flag bits are set (flags 0x20)");
        byte[] method = gz.clone();
        method[2] = 7;
        assertMentions(imagesFail("method.gz", method), "compression method 7 is not deflate");
        // Two members split at an arbitrary byte are one valid gzip file (RFC 1952 section 2.2).
        byte[] data = idx(0x08, new int[]{2, 2, 2}, pixels(2, 2, 2));
        byte[] a = gzip(Arrays.copyOf(data, 7)), b = gzip(Arrays.copyOfRange(data, 7, data.length));
        byte[] two = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, two, a.length, b.length);
        try (Tensor t = Idx.readImages(write("two-members.gz", two))) {
            assertArrayEquals(new int[]{2, 1, 2, 2}, t.shape());
        }
    }

    @Test
    void imagesAndLabelsMustAgreeOnTheCount() throws IOException {
        Path images = write("imgs", idx(0x08, new int[]{3, 2, 2}, pixels(3, 2, 2)));
        Path labels = write("lbls", idx(0x08, new int[]{2}, labelBytes(1, 2)));
        MalformedDataException e = assertThrows(MalformedDataException.class, () -> Datasets.fromIdx(images, labels, 10));
        assertMentions(e, images.toString(), "3 images", labels.toString(), "2 labels");
    }

    @Test
    void mnistDirectoryWithRawAndCompressedFiles() throws IOException {
        Files.write(dir.resolve("train-images-idx3-ubyte"), idx(0x08, new int[]{5, 28, 28}, pixels(5, 28, 28)));
        Files.write(dir.resolve("train-labels-idx1-ubyte.gz"), gzip(idx(0x08, new int[]{5}, labelBytes(0, 1, 2, 3, 4))));
        Files.write(dir.resolve("t10k-images-idx3-ubyte.gz"), gzip(idx(0x08, new int[]{2, 28, 28}, pixels(2, 28, 28))));
        Files.write(dir.resolve("t10k-labels-idx1-ubyte"), idx(0x08, new int[]{2}, labelBytes(9, 8)));
        try (Datasets.TrainTest m = Datasets.mnistFromIdx(dir)) {
            assertEquals(5, m.train().size());
            assertArrayEquals(new int[]{1, 28, 28}, m.train().featureShape());
            assertArrayEquals(new int[]{9, 8}, m.test().labels());
            assertEquals(10, m.test().numClasses());
        }
        Files.delete(dir.resolve("t10k-labels-idx1-ubyte"));
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> Datasets.mnistFromIdx(dir));
        assertMentions(e, "t10k-labels-idx1-ubyte");
    }

    @Test
    void streamsAndClasspathResources() throws IOException {
        byte[] images = gzip(idx(0x08, new int[]{2, 3, 3}, pixels(2, 3, 3)));
        byte[] labels = idx(0x08, new int[]{2}, labelBytes(4, 2));
        try (TensorDataset ds = Datasets.fromIdx(new ByteArrayInputStream(images), "mem-images",
                new ByteArrayInputStream(labels), "mem-labels", 5)) {
            assertEquals(2, ds.size());
            assertEquals(2, ds.label(1));
        }
        MalformedDataException e = assertThrows(MalformedDataException.class,
                () -> Idx.readImages(new ByteArrayInputStream(Arrays.copyOf(idx(0x08, new int[]{2, 3, 3}, pixels(2, 3, 3)), 30)), "mem"));
        assertMentions(e, "mem:", "truncated data");
        IOException missing = assertThrows(IOException.class, () -> Datasets.fromIdxResources(
                getClass().getClassLoader(), "no/such/images.gz", "no/such/labels.gz", 10));
        assertMentions(missing, "no/such/images.gz");
    }

    private static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }
}
