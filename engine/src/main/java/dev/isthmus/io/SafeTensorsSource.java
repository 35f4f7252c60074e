package dev.isthmus.io;

import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * Where {@link SafeTensors} reads a safetensors image from: a file (positional reads, the data section
 * memory-mapped) or bytes already in memory (a blob received over the network, e.g. weights broadcast to
 * Spark executors), so both go through the same header validation.
 */
interface SafeTensorsSource {

    /** Total bytes of the image. */
    long size() throws IOException;

    /** Fills {@code buf} from byte {@code position} on. */
    void read(ByteBuffer buf, long position) throws IOException;

    /** The {@code bytes} bytes from {@code start}, valid while {@code arena} is open. */
    MemorySegment slice(long start, long bytes, Arena arena) throws IOException;

    static SafeTensorsSource of(Path file, FileChannel ch) {
        return new SafeTensorsSource() {
            @Override
            public long size() throws IOException {
                return ch.size();
            }

            @Override
            public void read(ByteBuffer buf, long position) throws IOException {
                long pos = position;
                while (buf.hasRemaining()) {
                    int r = ch.read(buf, pos);
                    if (r < 0) {
                        throw new EOFException(file + ": file shrank while its header was being read");
                    }
                    pos += r;
                }
            }

            @Override
            public MemorySegment slice(long start, long bytes, Arena arena) throws IOException {
                return ch.map(FileChannel.MapMode.READ_ONLY, start, bytes, arena);
            }
        };
    }

    static SafeTensorsSource of(MemorySegment image) {
        return new SafeTensorsSource() {
            @Override
            public long size() {
                return image.byteSize();
            }

            @Override
            public void read(ByteBuffer buf, long position) {
                int n = buf.remaining();
                MemorySegment.copy(image, ValueLayout.JAVA_BYTE, position, MemorySegment.ofBuffer(buf), ValueLayout.JAVA_BYTE, 0, n);
                buf.position(buf.position() + n);
            }

            @Override
            public MemorySegment slice(long start, long bytes, Arena arena) {
                return image.asSlice(start, bytes);
            }
        };
    }
}
