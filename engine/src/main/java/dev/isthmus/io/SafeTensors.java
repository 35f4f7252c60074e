package dev.isthmus.io;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.isthmus.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
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

    /** Dtypes of the format that Isthmus does not read: named in the error rather than called unknown. */
    private static final Set<String> UNSUPPORTED = Set.of("BOOL", "U8", "I8", "I16", "U16", "I32", "U32", "I64",
            "U64", "F8_E4M3", "F8_E5M2", "F8_E8M0", "F6_E2M3", "F6_E3M2", "F4", "C64");

    private static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64_LE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32_NATIVE = ValueLayout.JAVA_FLOAT_UNALIGNED;

    /** Bytes converted per write call when saving: bounds the staging buffer, whatever the tensor size. */
    private static final int WRITE_CHUNK = 1 << 20;

    /** Dimensions a shape may have: more than any real checkpoint uses, and bounds what a header can make us hold. */
    public static final int MAX_RANK = 64;

    /** Writes the header. */
    private static final JsonMapper JSON = JsonMapper.builder().build();
    // STRICT_DUPLICATE_DETECTION is JsonParser.Feature.STRICT_DUPLICATE_DETECTION: a repeated tensor name
    // (or field, or metadata key) is an error, not "last one wins".
    private static final JsonFactory JSON_IN = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

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
        byte[] header = encodeHeader(tensors, metadata);
        AtomicFiles.write(file, ch -> writeEncoded(ch, header, tensors));
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
        return writeEncoded(out, encodeHeader(tensors, metadata), tensors);
    }

    /** The 8-byte length, the JSON and its space padding; validates the inputs before anything is written. */
    private static byte[] encodeHeader(Map<String, Tensor> tensors, Map<String, String> metadata) {
        ObjectNode root = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = root.putObject(METADATA_KEY);
            metadata.forEach((k, v) -> {
                if (k == null || v == null) {
                    throw new IllegalArgumentException("metadata keys and values must not be null: " + k + "=" + v);
                }
                meta.put(k, v);
            });
        }
        long offset = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            String name = e.getKey();
            Tensor t = e.getValue();
            if (name == null || t == null) {
                throw new IllegalArgumentException("tensor names and tensors must not be null: " + name + "=" + t);
            }
            if (name.equals(METADATA_KEY)) {
                throw new IllegalArgumentException("'" + METADATA_KEY + "' is reserved for metadata, not a tensor name");
            }
            if (!t.isAlive()) {
                throw new IllegalArgumentException("tensor '" + name + "' " + t.shapeString() + " has been freed");
            }
            long bytes = Math.multiplyExact(t.size(), (long) Float.BYTES);
            ObjectNode entry = root.putObject(name);
            entry.put("dtype", DType.F32.name());
            ArrayNode shape = entry.putArray("shape");
            for (int d : t.shape()) {
                shape.add(d);
            }
            entry.putArray("data_offsets").add(offset).add(offset + bytes);
            offset = Math.addExact(offset, bytes);
        }
        byte[] json;
        try {
            json = JSON.writeValueAsBytes(root);
        } catch (JacksonException e) {
            throw new IllegalArgumentException("cannot encode the safetensors header: " + e.getOriginalMessage(), e);
        }
        int padded = (json.length + 7) & ~7;
        ByteBuffer buf = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(padded).put(json);
        while (buf.hasRemaining()) {
            buf.put((byte) ' ');
        }
        return buf.array();
    }

    private static long writeEncoded(WritableByteChannel out, byte[] header, Map<String, Tensor> tensors) throws IOException {
        writeFully(out, ByteBuffer.wrap(header));
        long total = header.length;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment staging = arena.allocate(WRITE_CHUNK, Tensor.ALIGNMENT);
            int perChunk = WRITE_CHUNK / Float.BYTES;
            for (Tensor t : tensors.values()) {
                MemorySegment src = t.segment();
                long n = t.size();
                for (long i = 0; i < n; i += perChunk) {
                    int m = (int) Math.min(perChunk, n - i);
                    // Copying between layouts of different byte order swaps bytes: the file is little-endian
                    // whatever the platform.
                    MemorySegment.copy(src, F32_NATIVE, i * Float.BYTES, staging, F32_LE, 0, m);
                    writeFully(out, staging.asSlice(0, (long) m * Float.BYTES).asByteBuffer());
                }
                total += n * Float.BYTES;
            }
        }
        return total;
    }

    private static void writeFully(WritableByteChannel out, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            out.write(buf);
        }
    }

    // ================================================================ reading

    /** Reads and validates only the header (cheap: the data are not touched). */
    public static Header readHeader(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return parseHeader(file, SafeTensorsSource.of(file, ch));
        }
    }

    /** Reads every tensor of {@code file} into new float32 tensors, converting F16/BF16/F64. */
    public static Contents load(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
             Arena mapping = Arena.ofConfined()) {
            SafeTensorsSource src = SafeTensorsSource.of(file, ch);
            Header h = parseHeader(file, src);
            MemorySegment data = map(src, h, mapping);
            Map<String, Tensor> out = new LinkedHashMap<>();
            try {
                for (Entry e : h.entries()) {
                    Tensor t = Tensor.zeros(e.shape);
                    out.put(e.name(), t);
                    decode(file, e, data, t.segment());
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
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try {
            write(java.nio.channels.Channels.newChannel(out), tensors, metadata);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("writing to memory cannot fail", e);
        }
        return out.toByteArray();
    }

    private static LoadReport loadInto(Path file, SafeTensorsSource src, Map<String, Tensor> target, boolean strict)
            throws IOException {
        try (Arena mapping = Arena.ofConfined()) {
            Header h = parseHeader(file, src);
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
                    decode(file, e, data, m.getValue().segment());
                }
            }
            return new LoadReport(missing, unexpected, h.metadata());
        }
    }

    private static MemorySegment map(SafeTensorsSource src, Header h, Arena arena) throws IOException {
        long bytes = h.dataBytes();
        return bytes == 0 ? MemorySegment.ofArray(new byte[0]) : src.slice(h.dataStart(), bytes, arena);
    }

    /** Converts one tensor's bytes from the mapped data section into float32 at {@code dst}. */
    static void decode(Path file, Entry e, MemorySegment data, MemorySegment dst) throws IOException {
        long n = e.numel();
        MemorySegment src = data.asSlice(e.begin(), e.end() - e.begin());
        try {
            switch (e.dtype()) {
                case F32 -> MemorySegment.copy(src, F32_LE, 0, dst, F32_NATIVE, 0, n);
                case F16 -> {
                    for (long i = 0; i < n; i++) {
                        dst.setAtIndex(F32_NATIVE, i, Float.float16ToFloat(src.getAtIndex(I16_LE, i)));
                    }
                }
                case BF16 -> {
                    for (long i = 0; i < n; i++) {
                        dst.setAtIndex(F32_NATIVE, i, Float.intBitsToFloat((src.getAtIndex(I16_LE, i) & 0xFFFF) << 16));
                    }
                }
                case F64 -> {
                    for (long i = 0; i < n; i++) {
                        dst.setAtIndex(F32_NATIVE, i, (float) src.getAtIndex(F64_LE, i));
                    }
                }
            }
        } catch (InternalError fault) {
            // The JVM turns a fault on a mapped page (the file was truncated by someone else while we read
            // it) into an InternalError instead of crashing; report it as the I/O problem it is.
            throw new IOException(file + ": the file changed while tensor '" + abbreviate(e.name()) + "' was being read", fault);
        }
    }

    // ================================================================ header parsing

    private static Header parseHeader(Path file, SafeTensorsSource ch) throws IOException {
        long fileSize = ch.size();
        if (fileSize < 8) {
            throw bad(file, "file is " + fileSize + " bytes long, too short for the 8-byte header length");
        }
        ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        ch.read(lenBuf, 0);
        long n = lenBuf.getLong(0);
        // An unsigned length >= 2^63 reads as negative: too large either way.
        if (n < 0 || n > MAX_HEADER_BYTES) {
            throw bad(file, "header length " + Long.toUnsignedString(n) + " exceeds the limit of " + MAX_HEADER_BYTES
                    + " bytes (corrupt file, or not a safetensors file)");
        }
        if (n > fileSize - 8) {
            throw bad(file, "header length " + n + " runs past the end of the file (" + fileSize + " bytes)");
        }
        if (n < 2) {
            throw bad(file, "header length " + n + " is too short for a JSON object");
        }
        ByteBuffer headerBuf = ByteBuffer.allocate((int) n);
        ch.read(headerBuf, 8);
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(headerBuf.flip()).toString();
        } catch (CharacterCodingException e) {
            throw bad(file, "header is not valid UTF-8", e);
        }
        headerBuf = null; // only the decoded text is needed from here on
        Map<String, String> metadata = new LinkedHashMap<>();
        List<Entry> entries = new ArrayList<>();
        // A streaming parse, checked token by token: a hostile header fails at its first bad token, and no
        // tree (many times the header's size on the heap) is ever built.
        try (JsonParser p = JSON_IN.createParser(text)) {
            JsonToken t = p.nextToken();
            if (t != JsonToken.START_OBJECT) {
                throw bad(file, "header is not a JSON object but " + kind(p, t));
            }
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                p.nextToken();
                if (name.equals(METADATA_KEY)) {
                    parseMetadata(file, p, metadata);
                } else {
                    entries.add(parseEntry(file, p, name));
                }
            }
            if (t != JsonToken.END_OBJECT) {
                throw bad(file, "header is not valid JSON: unexpected " + kind(p, t));
            }
            if (p.nextToken() != null) {
                throw bad(file, "header has content after its JSON object (at character "
                        + p.currentTokenLocation().getCharOffset() + ")");
            }
        } catch (JacksonException e) {
            // Syntax errors, duplicate names (STRICT_DUPLICATE_DETECTION), names past Jackson's length limit.
            String at = e.getLocation() == null ? "" : " (at character " + e.getLocation().getCharOffset() + ")";
            throw bad(file, "header is not valid JSON: " + e.getOriginalMessage() + at, e);
        }
        long dataBytes = fileSize - 8 - n;
        checkLayout(file, entries, dataBytes);
        return new Header(file, n, 8 + n, entries, metadata);
    }

    private static void parseMetadata(Path file, JsonParser p, Map<String, String> out) throws IOException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_NULL) {
            return;
        }
        if (t != JsonToken.START_OBJECT) {
            throw bad(file, METADATA_KEY + " must be an object of strings, not " + kind(p, t));
        }
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            t = p.nextToken();
            if (t != JsonToken.VALUE_STRING) {
                throw bad(file, METADATA_KEY + " value for key '" + abbreviate(key) + "' is " + kind(p, t) + ", not a string");
            }
            out.put(key, p.getText());
        }
    }

    private static Entry parseEntry(Path file, JsonParser p, String name) throws IOException {
        String what = "tensor '" + abbreviate(name) + "'";
        JsonToken t = p.currentToken();
        if (t != JsonToken.START_OBJECT) {
            throw bad(file, what + ": expected an object with dtype, shape and data_offsets, got " + kind(p, t));
        }
        DType dtype = null;
        int[] shape = null;
        long[] offsets = null;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            t = p.nextToken();
            switch (field) {
                case "dtype" -> {
                    if (t != JsonToken.VALUE_STRING) {
                        throw bad(file, what + ": dtype is " + kind(p, t) + ", not a string");
                    }
                    dtype = dtype(file, what, p.getText());
                }
                case "shape" -> shape = parseShape(file, p, what);
                case "data_offsets" -> offsets = parseOffsets(file, p, what);
                default -> throw bad(file, what + ": unknown field '" + abbreviate(field)
                        + "' (expected dtype, shape and data_offsets)");
            }
        }
        if (dtype == null || shape == null || offsets == null) {
            throw bad(file, what + ": missing " + (dtype == null ? "dtype" : shape == null ? "shape" : "data_offsets"));
        }
        long bytes;
        try {
            bytes = Math.multiplyExact(Tensor.numel(shape), (long) dtype.bytes());
        } catch (ArithmeticException e) {
            throw bad(file, what + ": shape " + Arrays.toString(shape) + " of " + dtype
                    + " overflows: its byte count exceeds 2^63");
        }
        long begin = offsets[0], end = offsets[1];
        if (end < begin) {
            throw bad(file, what + ": data_offsets [" + begin + ", " + end + "] end before they begin");
        }
        if (end - begin != bytes) {
            throw bad(file, what + ": shape " + Arrays.toString(shape) + " of " + dtype + " needs " + bytes
                    + " bytes but data_offsets [" + begin + ", " + end + "] span " + (end - begin));
        }
        return new Entry(name, dtype, shape, begin, end);
    }

    private static int[] parseShape(Path file, JsonParser p, String what) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw bad(file, what + ": shape is " + kind(p, p.currentToken()) + ", not an array");
        }
        int[] dims = new int[MAX_RANK];
        int rank = 0;
        while (p.nextToken() != JsonToken.END_ARRAY) {
            if (rank == MAX_RANK) {
                throw bad(file, what + ": shape has more than " + MAX_RANK + " dimensions");
            }
            long d = nonNegative(file, p, what + ": shape dimension " + rank);
            if (d > Integer.MAX_VALUE) {
                throw bad(file, what + ": shape dimension " + rank + " = " + d
                        + " exceeds the largest supported dimension " + Integer.MAX_VALUE);
            }
            dims[rank++] = (int) d;
        }
        return Arrays.copyOf(dims, rank);
    }

    private static long[] parseOffsets(Path file, JsonParser p, String what) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw bad(file, what + ": data_offsets must be an array [begin, end], not " + kind(p, p.currentToken()));
        }
        long[] out = new long[2];
        for (int i = 0; i < 2; i++) {
            if (p.nextToken() == JsonToken.END_ARRAY) {
                throw bad(file, what + ": data_offsets must be an array [begin, end], but it holds " + i + " value(s)");
            }
            out[i] = nonNegative(file, p, what + ": data_offsets " + (i == 0 ? "begin" : "end"));
        }
        if (p.nextToken() != JsonToken.END_ARRAY) {
            throw bad(file, what + ": data_offsets must be an array [begin, end], but it holds more than 2 values");
        }
        return out;
    }

    private static DType dtype(Path file, String what, String s) throws CheckpointFormatException {
        for (DType d : DType.values()) {
            if (d.name().equals(s)) {
                return d;
            }
        }
        if (UNSUPPORTED.contains(s)) {
            throw bad(file, what + ": dtype " + s + " is not supported (Isthmus reads F32, F16, BF16 and F64 as float32)");
        }
        throw bad(file, what + ": unknown dtype '" + abbreviate(s) + "' (Isthmus reads F32, F16, BF16 and F64)");
    }

    /** The current token as an integer in [0, 2^63). */
    private static long nonNegative(Path file, JsonParser p, String what) throws IOException {
        JsonToken t = p.currentToken();
        if (t != JsonToken.VALUE_NUMBER_INT) {
            throw bad(file, what + " is " + kind(p, t) + ", not an integer");
        }
        if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER || p.getLongValue() < 0) {
            throw bad(file, what + " is " + abbreviate(p.getText()) + ", outside [0, 2^63)");
        }
        return p.getLongValue();
    }

    /** What a token is, for messages: "an array", "a number (1.5)", "a string (pt)", ... */
    private static String kind(JsonParser p, JsonToken t) throws IOException {
        if (t == null) {
            return "the end of the header";
        }
        return switch (t) {
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "a string (" + abbreviate(p.getText()) + ")";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number (" + abbreviate(p.getText()) + ")";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> t.asString() == null ? t.name() : "'" + t.asString() + "'";
        };
    }

    /** The spans must tile [0, dataBytes) exactly: sorted by offset, each begins where the previous ended. */
    private static void checkLayout(Path file, List<Entry> entries, long dataBytes) throws CheckpointFormatException {
        for (Entry e : entries) {
            if (e.end() > dataBytes) {
                throw bad(file, "tensor '" + abbreviate(e.name()) + "': data_offsets [" + e.begin() + ", " + e.end()
                        + "] run past the end of the data section (" + dataBytes + " bytes; truncated file?)");
            }
        }
        entries.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long expected = 0;
        Entry previous = null;
        for (Entry e : entries) {
            if (e.begin() < expected) {
                throw bad(file, "tensor '" + abbreviate(e.name()) + "': data_offsets [" + e.begin() + ", " + e.end()
                        + "] overlap tensor '" + abbreviate(previous.name()) + "' [" + previous.begin() + ", " + previous.end() + "]");
            }
            if (e.begin() > expected) {
                throw bad(file, "tensor '" + abbreviate(e.name()) + "': data_offsets [" + e.begin() + ", " + e.end() + "] leave "
                        + (e.begin() - expected) + " unused bytes before them (at offset " + expected + ")");
            }
            expected = e.end();
            previous = e;
        }
        if (expected != dataBytes) {
            throw bad(file, (dataBytes - expected) + " bytes after the last tensor: the data section holds "
                    + dataBytes + " bytes but the tensors cover " + expected);
        }
    }

    /** Keeps a hostile header from producing a megabyte-long exception message. */
    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }

    private static CheckpointFormatException bad(Path file, String problem) {
        return new CheckpointFormatException(file, problem);
    }

    private static CheckpointFormatException bad(Path file, String problem, Throwable cause) {
        return new CheckpointFormatException(file, problem, cause);
    }
}
