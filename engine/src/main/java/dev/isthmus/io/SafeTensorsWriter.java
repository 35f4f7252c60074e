package dev.isthmus.io;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.isthmus.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.WritableByteChannel;
import java.util.Map;

import static dev.isthmus.io.SafeTensors.METADATA_KEY;

/** Encodes the header and streams the float32 data of a safetensors file, for {@link SafeTensors#save}. */
final class SafeTensorsWriter {
    /** Bytes converted per write call when saving: bounds the staging buffer, whatever the tensor size. */
    private static final int WRITE_CHUNK = 1 << 20;
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private SafeTensorsWriter() {
    }

    /** The 8-byte length, the JSON and its space padding; validates the inputs before anything is written. */
    static byte[] encodeHeader(Map<String, Tensor> tensors, Map<String, String> metadata) {
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
            entry.put("dtype", SafeTensors.DType.F32.name());
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

    static long writeEncoded(WritableByteChannel out, byte[] header, Map<String, Tensor> tensors) throws IOException {
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
                    MemorySegment.copy(src, TensorDecoding.F32_NATIVE, i * Float.BYTES, staging, TensorDecoding.F32_LE, 0, m);
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
}
