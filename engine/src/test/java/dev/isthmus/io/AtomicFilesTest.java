package dev.isthmus.io;

import dev.isthmus.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Crash safety of {@link AtomicFiles} with real checkpoints: a writer failing halfway, and a child JVM
 * killed with SIGKILL ({@link Process#destroyForcibly()}) while it saves a 16 MB checkpoint in a loop.
 * In both the previous checkpoint stays whole and loadable, and leftovers are recognisable temporaries,
 * never mistaken for the checkpoint. A control run shows the same kill corrupts a file written in place,
 * so the crash test can tell the difference.
 */
class AtomicFilesTest {

    /** Floats per checkpoint in the crash test: 16 MB, long enough to be caught mid-write. */
    static final int CRASH_FLOATS = 4 << 20;

    @TempDir
    Path dir;

    static Map<String, Tensor> checkpoint(float value, int n) {
        return Map.of("w", Tensor.full(value, n));
    }

    /** The checkpoint must load and be one whole save: all elements equal, matching its metadata. */
    static float assertWholeCheckpoint(Path f, int n) throws IOException {
        try (SafeTensors.Contents c = SafeTensors.load(f)) {
            Tensor w = c.get("w");
            assertEquals(n, w.size());
            float v = w.getFlat(0);
            assertEquals(String.valueOf(v), c.metadata().get("value"), "metadata and data from the same save");
            for (long i = 0; i < n; i++) {
                if (w.getFlat(i) != v) {
                    throw new AssertionError("element " + i + " is " + w.getFlat(i) + ", element 0 is " + v + ": a mix of two saves");
                }
            }
            return v;
        }
    }

    static void save(Path f, float value, int n) throws IOException {
        Map<String, Tensor> m = checkpoint(value, n);
        try {
            SafeTensors.save(f, m, Map.of("value", String.valueOf(value)));
        } finally {
            m.values().forEach(Tensor::close);
        }
    }

    static List<Path> listing(Path dir, String glob) throws IOException {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, glob)) {
            ds.forEach(out::add);
        }
        return out;
    }

    /** A channel that passes {@code limit} bytes through and then fails, like a disk filling up mid-save. */
    static final class FailingChannel implements WritableByteChannel {
        private final WritableByteChannel inner;
        private long left;

        FailingChannel(WritableByteChannel inner, long limit) {
            this.inner = inner;
            this.left = limit;
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            if (left <= 0) {
                throw new IOException("simulated failure: no space left on device");
            }
            ByteBuffer part = src.slice(src.position(), (int) Math.min(src.remaining(), left));
            int n = inner.write(part);
            src.position(src.position() + n);
            left -= n;
            return n;
        }

        @Override
        public boolean isOpen() {
            return inner.isOpen();
        }

        @Override
        public void close() throws IOException {
            inner.close();
        }
    }

    @Test
    void writeCreatesThenReplacesAndLeavesNothingElse() throws IOException {
        Path f = dir.resolve("a.bin");
        AtomicFiles.write(f, ch -> ch.write(ByteBuffer.wrap(new byte[]{1, 2, 3})));
        AtomicFiles.write(f, ch -> ch.write(ByteBuffer.wrap(new byte[]{4, 5})));
        assertEquals(2, Files.size(f));
        assertEquals(4, Files.readAllBytes(f)[0]);
        assertEquals(List.of(f), listing(dir, "*"));
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(dir, ch -> { }));
        assertTrue(e.getMessage().contains("is a directory"), e.getMessage());
    }

    @Test
    void writerFailingHalfwayLeavesThePreviousCheckpoint() throws IOException {
        int n = 100_000;
        Path f = dir.resolve("model.safetensors");
        save(f, 1f, n);
        Map<String, Tensor> next = checkpoint(2f, n);
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(f,
                ch -> SafeTensors.write(new FailingChannel(ch, 200_000), next, Map.of("value", "2.0"))));
        assertTrue(e.getMessage().contains("simulated failure"), e.getMessage());
        assertEquals(1f, assertWholeCheckpoint(f, n));

        // An unchecked exception from the writer (a bug, not I/O) is handled the same way.
        assertThrows(IllegalStateException.class, () -> AtomicFiles.write(f, ch -> {
            SafeTensors.write(ch, next, Map.of("value", "2.0"));
            throw new IllegalStateException("bug after writing everything");
        }));
        assertEquals(1f, assertWholeCheckpoint(f, n));
        assertEquals(List.of(f), listing(dir, "*"), "the temporary file is deleted on failure");

        save(f, 2f, n);
        assertEquals(2f, assertWholeCheckpoint(f, n));
        next.values().forEach(Tensor::close);
    }

    @Test
    void temporaryNamesAreRecognisableAndNeverLookLikeTheTarget() throws IOException {
        Path f = dir.resolve("ckpt.safetensors");
        Path[] seen = new Path[1];
        AtomicFiles.write(f, ch -> {
            List<Path> tmp = AtomicFiles.staleTemporaries(f);
            assertEquals(1, tmp.size());
            seen[0] = tmp.getFirst();
        });
        String name = seen[0].getFileName().toString();
        assertTrue(name.matches("\\.ckpt\\.safetensors\\.[0-9a-f]{16}\\.tmp"), name);
        assertTrue(AtomicFiles.isTemporary(seen[0]));
        assertFalse(AtomicFiles.isTemporary(f));
        assertFalse(AtomicFiles.isTemporary(dir.resolve(".hidden.tmp")));
        assertFalse(Files.exists(seen[0]));

        Files.write(dir.resolve(".ckpt.safetensors.0123456789abcdef.tmp"), new byte[]{1});
        Files.write(dir.resolve(".other.safetensors.0123456789abcdef.tmp"), new byte[]{1});
        assertEquals(1, AtomicFiles.deleteStaleTemporaries(f), "only this target's leftovers");
        assertTrue(Files.exists(dir.resolve(".other.safetensors.0123456789abcdef.tmp")));

        Path longName = dir.resolve("x".repeat(240) + ".safetensors");
        AtomicFiles.write(longName, ch -> ch.write(ByteBuffer.wrap(new byte[]{7})));
        assertEquals(1, Files.size(longName), "long target names still get a valid temporary name");
    }

    // ---------------------------------------------------------------- killed mid-write

    /**
     * Child JVM: saves {@code CRASH_FLOATS}-float checkpoints to args[0] in a loop, values 1, 2, 3, ...
     * With args[1] = "in-place" it writes straight into the target instead (the unsafe way), for the control.
     * Exits by itself after 60 s in case the parent is gone.
     */
    public static void main(String[] args) throws IOException {
        Path target = Path.of(args[0]);
        boolean inPlace = args.length > 1 && args[1].equals("in-place");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        try (Tensor w = Tensor.zeros(CRASH_FLOATS)) {
            for (int i = 1; System.nanoTime() < deadline; i++) {
                w.fill(i);
                Map<String, Tensor> m = Map.of("w", w);
                Map<String, String> meta = Map.of("value", String.valueOf((float) i));
                if (inPlace) {
                    try (FileChannel ch = FileChannel.open(target, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                        SafeTensors.write(ch, m, meta);
                    }
                } else {
                    SafeTensors.save(target, m, meta);
                }
            }
        }
    }

    /** Starts the child, kills it once the file being written holds between 1 byte and half a checkpoint. */
    private Path killMidWrite(Path target, boolean inPlace) throws IOException, InterruptedException {
        long full = Files.size(target);
        String java = ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java");
        List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "-Xmx64m",
                "-cp", System.getProperty("java.class.path"), AtomicFilesTest.class.getName(), target.toString()));
        if (inPlace) {
            cmd.add("in-place");
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("child.log").toFile()).start();
        Path caught = null;
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (caught == null && System.nanoTime() < deadline && p.isAlive()) {
                List<Path> candidates = inPlace ? List.of(target) : AtomicFiles.staleTemporaries(target);
                for (Path c : candidates) {
                    try {
                        long size = Files.size(c);
                        if (size > 0 && size < full / 2) {
                            caught = c;
                            break;
                        }
                    } catch (NoSuchFileException renamedMeanwhile) {
                        // the child finished that save; wait for the next one
                    }
                }
                if (caught == null) {
                    Thread.sleep(0, 200_000);
                }
            }
        } finally {
            p.destroyForcibly();
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "child did not die");
        }
        if (caught == null) {
            throw new AssertionError("never caught the child mid-write; its output:\n" + Files.readString(dir.resolve("child.log")));
        }
        Files.delete(dir.resolve("child.log"));
        return caught;
    }

    @Test
    void childKilledWhileSavingLeavesTheLastWholeCheckpoint() throws Exception {
        Path target = dir.resolve("model.safetensors");
        save(target, 0f, CRASH_FLOATS);
        Path partial = killMidWrite(target, false);

        float v = assertWholeCheckpoint(target, CRASH_FLOATS);
        assertTrue(v >= 0, "the previous checkpoint (or a later whole one): " + v);
        assertEquals(List.of(target), listing(dir, "*.safetensors"), "a listing of checkpoints sees only the checkpoint");
        assertEquals(List.of(partial), AtomicFiles.staleTemporaries(target), "the killed save left its temporary");
        assertTrue(AtomicFiles.isTemporary(partial));
        if (Files.size(partial) < Files.size(target)) {
            // The leftover is truncated: were it mistaken for a checkpoint, loading would say so.
            assertThrows(CheckpointFormatException.class, () -> SafeTensors.load(partial));
        }
        assertEquals(1, AtomicFiles.deleteStaleTemporaries(target));
        assertEquals(List.of(target), listing(dir, "*"));
    }

    /** Control: the same kill against a file written in place leaves a file that does not load. */
    @Test
    void theSameKillCorruptsAFileWrittenInPlace() throws Exception {
        Path target = dir.resolve("model.safetensors");
        save(target, 0f, CRASH_FLOATS);
        killMidWrite(target, true);
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> SafeTensors.load(target));
        assertTrue(e.problem().contains("run past the end of the data section"), e.problem());
    }
}
