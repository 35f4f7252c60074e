package dev.isthmus.train;

import dev.isthmus.io.AtomicFiles;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes a report file (history, plot) crash-safely with {@link AtomicFiles}, creating its directory first. */
final class AtomicWrite {
    private AtomicWrite() {
    }

    static void bytes(Path target, byte[] content) throws IOException {
        Path parent = target.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        AtomicFiles.write(target, ch -> {
            ByteBuffer buf = ByteBuffer.wrap(content);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
        });
    }
}
