package dev.isthmus.data;

import dev.isthmus.io.InputLimits;
import dev.isthmus.tensor.Tensor;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Reads the IDX format of MNIST and Fashion-MNIST ({@code train-images-idx3-ubyte} and friends), raw or gzip
 * compressed; compression is detected from the first bytes, not the file name.
 *
 * <p>Written for hostile input: every header field is checked before it sizes anything. A raw file's declared
 * size must equal its actual length before any buffer is allocated; a gzip stream's size cannot be known up front,
 * so its data is read into a buffer that grows with what actually arrives (never beyond the declaration), and the
 * read fails when the data ends early or goes on past the declaration. The declared size must be within
 * {@link InputLimits#dataBytes()}, and gzip goes through {@link StrictGzipInputStream} (nothing after the last
 * member, no reserved flags, inflation bounded by the same limit). Every problem is a
 * {@link MalformedDataException} naming the file.
 */
public final class Idx {

    /** The IDX type code of unsigned bytes, the only element type MNIST uses. */
    public static final int UNSIGNED_BYTE = 0x08;
    /** The largest data block read (Java arrays stop just below 2^31): 2,147,483,639 bytes. */
    public static final long MAX_DATA_BYTES = Integer.MAX_VALUE - 8;

    private static final int GROW_START = 1 << 20;

    private Idx() {
    }

    /** Images {@code [N, 1, rows, columns]} from an idx3 file, pixels scaled from 0..255 to 0..1. */
    public static Tensor readImages(Path file) throws IOException {
        try (Source s = open(file)) {
            return images(s);
        }
    }

    /** Images from a stream (a classpath resource, say); {@code name} names it in errors. */
    public static Tensor readImages(InputStream in, String name) throws IOException {
        try (Source s = open(in, name)) {
            return images(s);
        }
    }

    /** Class labels from an idx1 file, each checked to be in {@code [0, numClasses)}. */
    public static int[] readLabels(Path file, int numClasses) throws IOException {
        try (Source s = open(file)) {
            return labels(s, numClasses);
        }
    }

    /** Class labels from a stream; {@code name} names it in errors. */
    public static int[] readLabels(InputStream in, String name, int numClasses) throws IOException {
        try (Source s = open(in, name)) {
            return labels(s, numClasses);
        }
    }

    // ---------------------------------------------------------------- decoding

    private static Tensor images(Source s) throws IOException {
        Block b = read(s, 3, "images (count, rows, columns)");
        int n = b.dims[0], rows = b.dims[1], cols = b.dims[2];
        if (rows == 0 || cols == 0) {
            throw new MalformedDataException(s.name, "images of " + rows + " x " + cols + " pixels");
        }
        Tensor t = Tensor.zeros(n, 1, rows, cols);
        MemorySegment seg = t.segment();
        byte[] data = b.data;
        for (int i = 0; i < data.length; i++) {
            seg.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, (data[i] & 0xFF) / 255f);
        }
        return t;
    }

    private static int[] labels(Source s, int numClasses) throws IOException {
        if (numClasses < 1 || numClasses > 256) {
            throw new IllegalArgumentException("numClasses must be in [1, 256] for byte labels, got " + numClasses);
        }
        Block b = read(s, 1, "labels (count)");
        int[] labels = new int[b.data.length];
        for (int i = 0; i < labels.length; i++) {
            int l = b.data[i] & 0xFF;
            if (l >= numClasses) {
                throw new MalformedDataException(s.name, "label " + l + " of item " + i + " is out of range for "
                        + numClasses + " classes");
            }
            labels[i] = l;
        }
        return labels;
    }

    private record Block(int[] dims, byte[] data) {
    }

    private static Block read(Source s, int expectedDims, String what) throws IOException {
        byte[] magic = new byte[4];
        int got = readUpTo(s, magic);
        if (got < 4) {
            throw new MalformedDataException(s.name, "truncated header: the file ends after " + got
                    + " bytes, before the 4-byte IDX magic number");
        }
        if (magic[0] != 0 || magic[1] != 0) {
            throw new MalformedDataException(s.name, String.format("bad magic number 0x%02X%02X%02X%02X: not an IDX file "
                    + "(IDX starts with two zero bytes, a type code and a dimension count)",
                    magic[0] & 0xFF, magic[1] & 0xFF, magic[2] & 0xFF, magic[3] & 0xFF));
        }
        int type = magic[2] & 0xFF;
        if (type != UNSIGNED_BYTE) {
            throw new MalformedDataException(s.name, String.format("element type 0x%02X (%s) is not supported; "
                    + "only unsigned bytes (0x08) are", type, typeName(type)));
        }
        int ndims = magic[3] & 0xFF;
        if (ndims != expectedDims) {
            throw new MalformedDataException(s.name, "the header declares " + ndims + " dimensions, expected "
                    + expectedDims + " for " + what);
        }
        byte[] raw = new byte[4 * ndims];
        got = readUpTo(s, raw);
        if (got < raw.length) {
            throw new MalformedDataException(s.name, "truncated header: " + ndims + " dimensions need "
                    + raw.length + " bytes after the magic number, the file has " + got);
        }
        int[] dims = new int[ndims];
        for (int d = 0; d < ndims; d++) {
            long v = ((raw[4 * d] & 0xFFL) << 24) | ((raw[4 * d + 1] & 0xFFL) << 16)
                    | ((raw[4 * d + 2] & 0xFFL) << 8) | (raw[4 * d + 3] & 0xFFL);
            if (v > MAX_DATA_BYTES) {
                throw new MalformedDataException(s.name, "dimension " + d + " is declared as " + v
                        + ", beyond the supported " + MAX_DATA_BYTES);
            }
            dims[d] = (int) v;
        }
        long total = 1;
        for (int d : dims) {
            if (d != 0 && total > MAX_DATA_BYTES / d) {
                throw new MalformedDataException(s.name, "the header declares " + describe(dims)
                        + " bytes of data, more than the reader's limit of " + MAX_DATA_BYTES);
            }
            total *= d;
        }
        long header = 4L + raw.length;
        if (s.length >= 0 && s.length - header != total) {
            long actual = s.length - header;
            throw new MalformedDataException(s.name, "the header declares " + describe(dims) + " = " + total
                    + " bytes of data after the " + header + "-byte header, but the file has " + actual
                    + (actual < total ? " (truncated)" : " (extra bytes at the end)") + "; file length " + s.length);
        }
        long limit = InputLimits.current().dataBytes();
        if (total > limit) {
            throw new MalformedDataException(s.name, InputLimits.exceeded("the header declares " + describe(dims) + " =",
                    total, "bytes of data", limit, InputLimits.DATA_BYTES));
        }
        byte[] data = readExactly(s, (int) total, dims);
        if (s.in.read() >= 0) {
            throw new MalformedDataException(s.name, "more data than the header declares: bytes go on after the "
                    + describe(dims) + " = " + total + " declared");
        }
        return new Block(dims, data);
    }

    /** Reads exactly {@code declared} bytes, growing the buffer only as data actually arrives. */
    private static byte[] readExactly(Source s, int declared, int[] dims) throws IOException {
        byte[] buf = new byte[s.length >= 0 ? declared : Math.min(declared, GROW_START)];
        int filled = 0;
        while (filled < declared) {
            if (filled == buf.length) {
                buf = Arrays.copyOf(buf, (int) Math.min(declared, 2L * buf.length));
            }
            int r = s.in.read(buf, filled, buf.length - filled);
            if (r < 0) {
                throw new MalformedDataException(s.name, "truncated data: the header declares " + describe(dims) + " = "
                        + declared + " bytes, the data ends after " + filled);
            }
            filled += r;
        }
        return buf;
    }

    private static int readUpTo(Source s, byte[] b) throws IOException {
        int n = 0;
        while (n < b.length) {
            int r = s.in.read(b, n, b.length - n);
            if (r < 0) {
                break;
            }
            n += r;
        }
        return n;
    }

    private static String describe(int[] dims) {
        StringBuilder sb = new StringBuilder();
        for (int d = 0; d < dims.length; d++) {
            sb.append(d == 0 ? "" : " x ").append(dims[d]);
        }
        return sb.toString();
    }

    private static String typeName(int type) {
        return switch (type) {
            case 0x09 -> "signed byte";
            case 0x0B -> "short";
            case 0x0C -> "int";
            case 0x0D -> "float";
            case 0x0E -> "double";
            default -> "unknown";
        };
    }

    // ---------------------------------------------------------------- sources

    /** An input stream, with the file's length when it is known (a raw file), or -1 (gzip, streams). */
    private static final class Source implements AutoCloseable {
        final InputStream in;
        final String name;
        final long length;

        Source(InputStream in, String name, long length) {
            this.in = in;
            this.name = name;
            this.length = length;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }

    private static Source open(Path file) throws IOException {
        String name = file.toString();
        InputStream raw = Files.newInputStream(file);
        try {
            BufferedInputStream in = new BufferedInputStream(raw, 1 << 16);
            if (isGzip(in)) {
                return new Source(gunzip(in, name), name, -1);
            }
            return new Source(in, name, Files.size(file));
        } catch (IOException | RuntimeException e) {
            raw.close();
            throw e;
        }
    }

    private static Source open(InputStream stream, String name) throws IOException {
        BufferedInputStream in = new BufferedInputStream(stream, 1 << 16);
        if (isGzip(in)) {
            return new Source(gunzip(in, name), name, -1);
        }
        return new Source(in, name, -1);
    }

    /** True if the stream starts with the gzip magic bytes 1f 8b (the stream is left where it was). */
    static boolean isGzip(BufferedInputStream in) throws IOException {
        in.mark(2);
        int a = in.read();
        int b = in.read();
        in.reset();
        return a == 0x1f && b == 0x8b;
    }

    /** A strict gzip reader (trailing bytes and reserved flags rejected) bounded by the data limit. */
    private static InputStream gunzip(InputStream in, String name) throws IOException {
        return new StrictGzipInputStream(in, name, InputLimits.current().dataBytes());
    }
}
