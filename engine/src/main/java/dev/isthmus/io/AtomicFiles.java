package dev.isthmus.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Crash-safe file replacement: after {@link #write} returns, the target holds the new content; if the
 * process dies or the writer fails at any point before that, the target still holds its previous
 * content, whole.
 *
 * <p>The content goes to a temporary file in the target's directory (so the final rename never crosses
 * file systems), is forced to the device ({@code fsync}), and is then renamed over the target with
 * {@link StandardCopyOption#ATOMIC_MOVE} ({@code rename(2)} on POSIX, which readers see as either the
 * old or the new file, never a mix). Finally the directory is forced too, so the rename itself survives
 * a power loss; on platforms that cannot open a directory (Windows) that last step is skipped.
 *
 * <p>Temporary files are named {@code .<target name>.<16 hex digits>.tmp}: hidden, and never ending in
 * the target's extension, so a listing of {@code *.safetensors} never picks up a half-written file. A
 * process killed mid-write leaves its temporary file behind; the next write into the same directory removes
 * such leftovers ({@link #deleteAbandonedTemporaries}: older than the current process and not locked by a live
 * writer), and {@link #deleteStaleTemporaries} removes every one next to a target (call it when no other process
 * may be writing it).
 */
public final class AtomicFiles {

    /** Writes the whole content of the file to a channel positioned at 0. */
    @FunctionalInterface
    public interface Body {
        void writeTo(FileChannel channel) throws IOException;
    }

    private static final String SUFFIX = ".tmp";
    /** When this JVM started: temporaries older than this cannot be one of its own writes. */
    private static final Instant PROCESS_START = ProcessHandle.current().info().startInstant()
            .orElseGet(Instant::now); // unknown: this class's loading, later than the start, so still safe
    /** Keeps temporary names under the usual 255-byte file name limit for long target names. */
    private static final int MAX_NAME_PART = 200;

    private AtomicFiles() {
    }

    /**
     * Replaces {@code target} with what {@code body} writes, atomically and durably. On any failure
     * (an exception from {@code body}, a full disk, a failed rename) the temporary file is deleted,
     * the target is left as it was, and the exception propagates.
     *
     * @throws AtomicMoveNotSupportedException if the file system cannot rename atomically (the target
     *                                         is then untouched: a non-atomic fallback would defeat the purpose)
     */
    public static void write(Path target, Body body) throws IOException {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        if (dir == null || abs.getFileName() == null) {
            throw new IOException(target + ": not a file path");
        }
        if (Files.isDirectory(abs)) {
            throw new IOException(target + ": is a directory, cannot replace it with a file");
        }
        deleteAbandonedTemporaries(dir);
        Path tmp = createTemporary(dir, abs.getFileName().toString());
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE);
                 FileLock ignored = ch.lock()) {
                // The lock tells other processes' clean-ups that this temporary is a live write, not a leftover.
                body.writeTo(ch);
                ch.force(true);
            }
            Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE);
        } catch (Throwable t) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException | RuntimeException cleanup) {
                t.addSuppressed(cleanup);
            }
            throw t;
        }
        forceDirectory(dir);
    }

    /** True if {@code file} is named like a temporary file of this class (of any target). */
    public static boolean isTemporary(Path file) {
        Path name = file.getFileName();
        if (name == null) {
            return false;
        }
        String s = name.toString();
        if (!s.startsWith(".") || !s.endsWith(SUFFIX) || s.length() < 1 + 1 + 16 + SUFFIX.length()) {
            return false;
        }
        String hex = s.substring(s.length() - SUFFIX.length() - 16, s.length() - SUFFIX.length());
        return s.charAt(s.length() - SUFFIX.length() - 17) == '.' && hex.chars().allMatch(c -> Character.digit(c, 16) >= 0);
    }

    /** Temporary files left next to {@code target} by writes that never finished. */
    public static List<Path> staleTemporaries(Path target) throws IOException {
        Path abs = target.toAbsolutePath();
        String prefix = "." + namePart(abs.getFileName().toString()) + ".";
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(abs.getParent())) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(abs.getParent())) {
            for (Path p : ds) {
                String s = p.getFileName().toString();
                if (s.startsWith(prefix) && s.length() == prefix.length() + 16 + SUFFIX.length() && isTemporary(p)) {
                    out.add(p);
                }
            }
        }
        return out;
    }

    /**
     * Deletes the temporary files left next to {@code target} by writes that never finished (a killed
     * process). Only safe when no other process is writing {@code target} right now.
     *
     * @return how many were deleted
     */
    public static int deleteStaleTemporaries(Path target) throws IOException {
        int n = 0;
        for (Path p : staleTemporaries(target)) {
            if (Files.deleteIfExists(p)) {
                n++;
            }
        }
        return n;
    }

    /**
     * Deletes the temporary files of this class in {@code dir} that were abandoned by a killed writer: last
     * modified before this process started, and not locked (every write holds a lock on its temporary while it
     * runs, so another process's live write is never touched; this process's own writes are all newer than its
     * start). Called by {@link #write} before each write, so a run directory does not collect one leftover per
     * interrupted save. Failures are ignored: cleaning up is never worth failing a save for.
     *
     * @return how many were deleted
     */
    public static int deleteAbandonedTemporaries(Path dir) {
        int n = 0;
        long started = PROCESS_START.toEpochMilli();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, p -> isTemporary(p))) {
            for (Path p : ds) {
                try {
                    if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)
                            && Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toMillis() < started && unlockedDelete(p)) {
                        n++;
                    }
                } catch (IOException | RuntimeException e) {
                    // gone meanwhile, or not ours to delete: leave it
                }
            }
        } catch (IOException | RuntimeException e) {
            // an unreadable directory: the write itself will report what is wrong
        }
        return n;
    }

    /** Deletes {@code p} while holding its lock, so a writer cannot be mid-write; false if someone holds it. */
    private static boolean unlockedDelete(Path p) throws IOException {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE);
             FileLock lock = ch.tryLock()) {
            if (lock == null) {
                return false;
            }
            Files.delete(p);
            return true;
        } catch (OverlappingFileLockException e) {
            return false; // locked by this very JVM: a live write
        }
    }

    private static String namePart(String name) {
        return name.length() > MAX_NAME_PART ? name.substring(0, MAX_NAME_PART) : name;
    }

    private static Path createTemporary(Path dir, String name) throws IOException {
        String prefix = "." + namePart(name) + ".";
        for (int attempt = 0; ; attempt++) {
            String hex = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
            Path tmp = dir.resolve(prefix + hex + SUFFIX);
            try {
                // CREATE_NEW with default permissions (the umask applies, as for the target itself).
                FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
                return tmp;
            } catch (FileAlreadyExistsException e) {
                if (attempt >= 16) {
                    throw e;
                }
            }
        }
    }

    /** Makes a completed rename durable. Directories cannot be opened on some platforms: then this is a no-op. */
    private static void forceDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // The file content is already durable; only the directory entry may lag behind on such systems.
        }
    }
}
