package dev.isthmus.train;

import dev.isthmus.io.AtomicFiles;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes a report file (history, plot) crash-safely with {@link AtomicFiles}, creating its directory first. */
final class AtomicWrite {
    private static final int CHUNK = 64 * 1024;
    private AtomicWrite() {
    }

    static void bytes(Path target, byte[] content) throws IOException {
        Path parent = target.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        // In slices: a channel copies a heap buffer through a temporary direct buffer of its size, which the JDK
        // caches per thread, so one write of a growing history would grow the process's off-heap memory with it.
        AtomicFiles.write(target, ch -> {
            for (int off = 0; off < content.length; off += CHUNK) {
                ByteBuffer buf = ByteBuffer.wrap(content, off, Math.min(CHUNK, content.length - off));
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
            }
        });
    }
}
