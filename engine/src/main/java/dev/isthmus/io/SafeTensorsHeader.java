package dev.isthmus.io;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import dev.isthmus.io.SafeTensors.DType;
import dev.isthmus.io.SafeTensors.Entry;
import dev.isthmus.io.SafeTensors.Header;
import dev.isthmus.tensor.Tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.isthmus.io.SafeTensors.MAX_RANK;
import static dev.isthmus.io.SafeTensors.METADATA_KEY;

/**
 * Parses and validates a safetensors header for {@link SafeTensors} (see its class comment for every rule):
 * the length field against {@link InputLimits#headerBytes()} and the file size, then the JSON as a stream,
 * token by token, then the tensors' byte spans against the data section.
 */
final class SafeTensorsHeader {

    /** Dtypes of the format that Isthmus does not read: named in the error rather than called unknown. */
    private static final Set<String> UNSUPPORTED = Set.of("BOOL", "U8", "I8", "I16", "U16", "I32", "U32", "I64",
            "U64", "F8_E4M3", "F8_E5M2", "F8_E8M0", "F6_E2M3", "F6_E3M2", "F4", "C64");

    private SafeTensorsHeader() {
    }

    /**
     * The streaming parser for a header of {@code n} bytes. STRICT_DUPLICATE_DETECTION makes a repeated tensor
     * name (or field, or metadata key) an error, not "last one wins". Jackson's default limits (names of 50,000
     * characters, strings of 20 MB) are below what the format allows, so a valid file with a long tensor name or
     * a large metadata value is accepted up to the header's own size; the nesting a valid header needs is 3.
     */
    private static JsonFactory factory(long n) {
        int max = (int) Math.max(1, n);
        return JsonFactory.builder()
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNameLength(max)
                        .maxStringLength(max)
                        .maxDocumentLength(n)
                        .maxNestingDepth(8)
                        .build())
                .build();
    }

    static Header parse(Path file, SafeTensorsSource ch) throws IOException {
        long fileSize = ch.size();
        if (fileSize < 8) {
            throw bad(file, "file is " + fileSize + " bytes long, too short for the 8-byte header length");
        }
        ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        ch.read(lenBuf, 0);
        long n = lenBuf.getLong(0);
        // An unsigned length >= 2^63 reads as negative: too large either way.
        long limit = InputLimits.current().headerBytes();
        if (n < 0 || n > limit) {
            throw bad(file, "header length " + Long.toUnsignedString(n) + " exceeds the limit of " + limit
                    + " bytes (corrupt file, or not a safetensors file; raise it with -D" + InputLimits.HEADER_BYTES + "=N)");
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
        try (JsonParser p = factory(n).createParser(text)) {
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
    static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }

    private static CheckpointFormatException bad(Path file, String problem) {
        return new CheckpointFormatException(file, problem);
    }

    private static CheckpointFormatException bad(Path file, String problem, Throwable cause) {
        return new CheckpointFormatException(file, problem, cause);
    }
}
