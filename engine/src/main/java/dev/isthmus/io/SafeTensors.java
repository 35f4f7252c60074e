package dev.isthmus.io;

import dev.isthmus.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads and writes the <a href="https://github.com/huggingface/safetensors">safetensors</a> format, the
 * pickle-free tensor file of the Hugging Face and PyTorch ecosystem, so Isthmus checkpoints load in
 * PyTorch and PyTorch weights load in Isthmus.
 *
 * <p>Layout: 8 bytes little-endian unsigned header length {@code N}; {@code N} bytes of UTF-8 JSON
 * {@code {"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ..., "__metadata__":
 * {string: string}}}; then the tensor bytes, little-endian, with offsets counted from the first byte
 * after the header.
 *
 * <p><b>Writing</b> ({@link #save}): float32 ({@code F32}) only. Tensors are laid out in the iteration
 * order of the given map (a PyTorch-style {@code state_dict}: {@code 0.weight}, {@code 0.bias}, ...),
 * which keeps a file's layout in layer order; the header lists {@code __metadata__} first (omitted when
 * empty), then the tensors in that same order, and is padded with spaces to a multiple of 8 bytes so the
 * data starts 8-byte aligned. (The reference implementation sorts by dtype alignment, then name; any
 * order is valid and readers must accept all.) {@code save} replaces the file atomically through
 * {@link AtomicFiles}.
 *
 * <p><b>Reading</b> ({@link #load}, {@link #loadInto}, {@link #readHeader}): tensors may appear in
 * any order. {@code F32} is read as is; {@code F16}, {@code BF16} and {@code F64} are converted to
 * float32 (exactly for the 16-bit types, rounded to nearest for {@code F64}), which covers PyTorch
 * checkpoints saved in reduced or double precision; any other dtype is rejected by name. The data are
 * memory-mapped and copied straight into off-heap tensors: the Java heap only ever holds the header.
 *
 * <p><b>Validation</b>: every field is checked before it sizes anything. The header length is checked
 * against {@link #MAX_HEADER_BYTES} and the file size before the header is read, and the header is
 * parsed as a stream (no JSON tree), failing at the first bad token. The JSON must be one object with
 * no duplicate names and nothing after it; each entry must have exactly {@code dtype}, {@code shape}
 * and {@code data_offsets}, with at most {@link #MAX_RANK} dimensions that each fit an {@code int}, an
 * element count that does not overflow, and a byte span that equals {@code numel * dtype size}; the
 * spans must tile the
 * data section exactly, with no overlap, no gap and nothing before the first, between or after the
 * last; metadata values must be strings. Any violation throws {@link CheckpointFormatException} naming
 * the file and the problem.
 */
public final class SafeTensors {

    /** The reference implementation's limit on the JSON header (100 MB), checked before reading it. */
    public static final long MAX_HEADER_BYTES = 100_000_000L;
    /** The header key holding the free-form string metadata. */
    public static final String METADATA_KEY = "__metadata__";

    /** The dtypes this reader converts to float32 and their sizes in bytes. */
    public enum DType {
        F32(4), F16(2), BF16(2), F64(8);

        private final int bytes;

        DType(int bytes) {
            this.bytes = bytes;
        }

        public int bytes() {
            return bytes;
        }
    }



    /** Dimensions a shape may have: more than any real checkpoint uses, and bounds what a header can make us hold. */
    public static final int MAX_RANK = 64;


    private SafeTensors() {
    }

    // ================================================================ header model

    /**
     * One tensor's header entry. {@code begin} and {@code end} are byte offsets into the data section
     * (relative to the first byte after the header).
     */
    public record Entry(String name, DType dtype, int[] shape, long begin, long end) {
        public Entry {
            shape = shape.clone();
        }

        /** A copy of the shape. */
        @Override
        public int[] shape() {
            return shape.clone();
        }

        public long numel() {
            return Tensor.numel(shape);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Entry e && name.equals(e.name) && dtype == e.dtype && Arrays.equals(shape, e.shape)
                    && begin == e.begin && end == e.end;
        }

        @Override
        public int hashCode() {
            return name.hashCode() * 31 + Arrays.hashCode(shape);
        }

        @Override
        public String toString() {
            return name + " " + dtype + " " + Arrays.toString(shape) + " [" + begin + ", " + end + ")";
        }
    }

    /**
     * A validated header.
     *
     * @param headerBytes the JSON header length {@code N} (padding included)
     * @param dataStart   file offset of the data section, {@code 8 + N}
     * @param entries     the tensors in data order (ascending offsets), which is the file's layout
     * @param metadata    the {@code __metadata__} strings in header order (empty if absent)
     */
    public record Header(Path file, long headerBytes, long dataStart, List<Entry> entries, Map<String, String> metadata) {
        public Header {
            entries = List.copyOf(entries);
            metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        }

        /** Bytes of tensor data, {@code file size - dataStart}. */
        public long dataBytes() {
            return entries.isEmpty() ? 0 : entries.getLast().end();
        }
    }

    /**
     * What {@link #load} returns: the tensors (each owning its off-heap memory, in data order) and the
     * metadata. Closing it frees every tensor; close the ones you keep yourself instead if you take them
     * out and drop this object.
     */
    public record Contents(Map<String, Tensor> tensors, Map<String, String> metadata) implements AutoCloseable {
        public Contents {
            tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
            metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        }

        /** The named tensor; throws naming the available ones if absent. */
        public Tensor get(String name) {
            Tensor t = tensors.get(name);
            if (t == null) {
                throw new IllegalArgumentException("no tensor '" + name + "'; the file holds " + tensors.keySet());
            }
            return t;
        }

        @Override
        public void close() {
            tensors.values().forEach(Tensor::close);
        }
    }

    /**
     * The outcome of a non-strict {@link #loadInto(Path, Map, boolean)}: names the model has and the file
     * lacks (left untouched), names the file has and the model lacks (ignored), and the file's metadata.
     */
    public record LoadReport(List<String> missing, List<String> unexpected, Map<String, String> metadata) {
        public LoadReport {
            missing = List.copyOf(missing);
            unexpected = List.copyOf(unexpected);
            metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        }
    }

    // ================================================================ writing

    /**
     * Writes {@code tensors} (float32, in the map's iteration order) and {@code metadata} to {@code file},
     * replacing it atomically: a crash mid-save leaves the previous file whole. Hugging Face tools look for
     * {@code "format": "pt"} in the metadata of PyTorch weights; add it when the file is meant for them.
     */
    public static void save(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        byte[] header = SafeTensorsWriter.encodeHeader(tensors, metadata);
        AtomicFiles.write(file, ch -> SafeTensorsWriter.writeEncoded(ch, header, tensors));
    }

    /** {@link #save} without metadata. */
    public static void save(Path file, Map<String, Tensor> tensors) throws IOException {
        save(file, tensors, Map.of());
    }

    /**
     * Writes the safetensors bytes to a channel (no atomicity: see {@link #save} for files).
     *
     * @return the number of bytes written
     */
    public static long write(WritableByteChannel out, Map<String, Tensor> tensors, Map<String, String> metadata)
            throws IOException {
        return SafeTensorsWriter.writeEncoded(out, SafeTensorsWriter.encodeHeader(tensors, metadata), tensors);
    }

    // ================================================================ reading

    /** Reads and validates only the header (cheap: the data are not touched). */
    public static Header readHeader(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return SafeTensorsHeader.parse(file, SafeTensorsSource.of(file, ch));
        }
    }

    /** Reads every tensor of {@code file} into new float32 tensors, converting F16/BF16/F64. */
    public static Contents load(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
             Arena mapping = Arena.ofConfined()) {
            SafeTensorsSource src = SafeTensorsSource.of(file, ch);
            Header h = SafeTensorsHeader.parse(file, src);
            MemorySegment data = map(src, h, mapping);
            Map<String, Tensor> out = new LinkedHashMap<>();
            try {
                for (Entry e : h.entries()) {
                    Tensor t = Tensor.zeros(e.shape);
                    out.put(e.name(), t);
                    TensorDecoding.decode(file, e, data, t.segment());
                }
            } catch (IOException | RuntimeException | Error err) {
                out.values().forEach(Tensor::close);
                throw err;
            }
            return new Contents(out, h.metadata());
        }
    }

    /**
     * Copies the file's tensors into {@code target}'s (a model's parameters by name), strictly: every
     * name on both sides must match and every shape must agree, else {@link CheckpointMismatchException}
     * lists all differences and no tensor is modified.
     */
    public static LoadReport loadInto(Path file, Map<String, Tensor> target) throws IOException {
        return loadInto(file, target, true);
    }

    /**
     * Copies the file's tensors into {@code target}'s. Shapes must always agree. With {@code strict}
     * false, missing and unexpected names are reported rather than thrown (like PyTorch's
     * {@code load_state_dict(strict=False)}). Everything is checked before any tensor is written, so a
     * mismatch leaves {@code target} untouched.
     */
    public static LoadReport loadInto(Path file, Map<String, Tensor> target, boolean strict) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return loadInto(file, SafeTensorsSource.of(file, ch), target, strict);
        }
    }

    /**
     * {@link #loadInto(Path, Map, boolean)} from a safetensors image in memory (what {@link #toBytes} made,
     * e.g. weights broadcast over the network); {@code name} labels it in error messages. The same checks apply.
     */
    public static LoadReport loadInto(MemorySegment image, String name, Map<String, Tensor> target, boolean strict)
            throws IOException {
        return loadInto(Path.of(name), SafeTensorsSource.of(image), target, strict);
    }

    /** The bytes {@link #save} would write, in memory (for sending weights rather than storing them). */
    public static byte[] toBytes(Map<String, Tensor> tensors, Map<String, String> metadata) {
        byte[] header = SafeTensorsWriter.encodeHeader(tensors, metadata);
        long size = header.length;
        for (Tensor t : tensors.values()) {
            size = Math.addExact(size, Math.multiplyExact(t.size(), (long) Float.BYTES));
        }
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("a safetensors image of " + size + " bytes does not fit a Java array; save a file");
        }
        // Written straight into an array of the final size: no growing buffer, no copy at the end.
        java.nio.ByteBuffer image = java.nio.ByteBuffer.allocate((int) size);
        java.nio.channels.WritableByteChannel into = new java.nio.channels.WritableByteChannel() {
            @Override
            public int write(java.nio.ByteBuffer src) {
                int n = src.remaining();
                image.put(src);
                return n;
            }

            @Override
            public boolean isOpen() {
                return true;
            }

            @Override
            public void close() {
            }
        };
        try {
            SafeTensorsWriter.writeEncoded(into, header, tensors);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("writing to memory cannot fail", e);
        }
        return image.array();
    }

    private static LoadReport loadInto(Path file, SafeTensorsSource src, Map<String, Tensor> target, boolean strict)
            throws IOException {
        try (Arena mapping = Arena.ofConfined()) {
            Header h = SafeTensorsHeader.parse(file, src);
            Map<String, Entry> byName = new LinkedHashMap<>();
            for (Entry e : h.entries()) {
                byName.put(e.name(), e);
            }
            List<String> missing = new ArrayList<>();
            List<String> shapes = new ArrayList<>();
            for (Map.Entry<String, Tensor> m : target.entrySet()) {
                Entry e = byName.get(m.getKey());
                if (e == null) {
                    missing.add(m.getKey());
                } else if (!m.getValue().hasShape(e.shape)) {
                    shapes.add(m.getKey() + ": file has " + Arrays.toString(e.shape) + ", model expects "
                            + m.getValue().shapeString());
                }
            }
            Set<String> unexpectedSet = new LinkedHashSet<>(byName.keySet());
            unexpectedSet.removeAll(target.keySet());
            List<String> unexpected = new ArrayList<>(unexpectedSet);
            if (!shapes.isEmpty() || (strict && (!missing.isEmpty() || !unexpected.isEmpty()))) {
                throw new CheckpointMismatchException(file, strict ? missing : List.of(),
                        strict ? unexpected : List.of(), shapes);
            }
            MemorySegment data = map(src, h, mapping);
            for (Map.Entry<String, Tensor> m : target.entrySet()) {
                Entry e = byName.get(m.getKey());
                if (e != null) {
                    TensorDecoding.decode(file, e, data, m.getValue().segment());
                }
            }
            return new LoadReport(missing, unexpected, h.metadata());
        }
    }

    private static MemorySegment map(SafeTensorsSource src, Header h, Arena arena) throws IOException {
        long bytes = h.dataBytes();
        return bytes == 0 ? MemorySegment.ofArray(new byte[0]) : src.slice(h.dataStart(), bytes, arena);
    }

}
