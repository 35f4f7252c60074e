package dev.isthmus.train;

import dev.isthmus.io.AtomicFiles;

import java.io.IOException;
import java.lang.foreign.Arena;
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
        // Through a direct buffer of our own, freed on return: a channel copies a heap buffer through a temporary
        // direct buffer of its size that the JDK caches per thread, so writing a growing history would grow the
        // process's off-heap memory with it (the soak benchmark saw it in NMT's "Other").
        AtomicFiles.write(target, ch -> {
            try (Arena arena = Arena.ofConfined()) {
                ByteBuffer buf = arena.allocate(Math.max(1, Math.min(CHUNK, content.length))).asByteBuffer();
                for (int off = 0; off < content.length; off += buf.capacity()) {
                    buf.clear();
                    buf.put(content, off, Math.min(buf.capacity(), content.length - off)).flip();
                    while (buf.hasRemaining()) {
                        ch.write(buf);
                    }
                }
            }
        });
    }
}
