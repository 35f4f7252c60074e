package dev.isthmus.train;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Replaces a file so that readers, and a crash at any moment, see either the old or the new content,
 * never a torn one: write a temporary file in the same directory, force it to disk, rename it over the
 * target, then force the directory entry.
 */
final class AtomicFiles {
    private static final AtomicLong COUNTER = new AtomicLong();

    private AtomicFiles() {
    }

    static void write(Path target, byte[] bytes) throws IOException {
        Path absolute = target.toAbsolutePath();
        Path dir = absolute.getParent();
        Files.createDirectories(dir);
        Path tmp;
        FileChannel created;
        while (true) {
            // Not Files.createTempFile: that makes the file owner-only (0600), and the rename would keep it.
            tmp = dir.resolve("." + absolute.getFileName() + "." + ProcessHandle.current().pid() + "."
                    + COUNTER.incrementAndGet() + ".tmp");
            try {
                created = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW);
                break;
            } catch (FileAlreadyExistsException stale) {
                // left by a crashed process with the same pid: pick the next name
            }
        }
        try {
            try (FileChannel ch = created) {
                ByteBuffer buf = ByteBuffer.wrap(bytes);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            try {
                Files.move(tmp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, absolute, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        forceDirectory(dir);
    }

    /** Makes the rename durable; some platforms (Windows) cannot open a directory, which is harmless there. */
    private static void forceDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // best effort: the file itself is already complete on disk
        }
    }
}
