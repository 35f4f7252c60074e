package dev.isthmus.natives;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The loader must find the Maven-shipped OpenBLAS; a build where it does not load fails here, it is not skipped. */
class OpenBlasTest {

    @Test
    void loadsTheBundledBuildAndReportsIt() {
        OpenBlasInfo info = OpenBlas.load().orElseThrow(() ->
                new AssertionError("OpenBLAS did not load; tried: " + OpenBlas.attempts()));
        assertEquals(BlasSource.BUNDLED, info.source(), "expected the org.bytedeco build; tried: " + OpenBlas.attempts());
        assertTrue(info.config().startsWith("OpenBLAS 0.3.31"), info.config());
        assertTrue(info.config().contains("DYNAMIC_ARCH"), info.config());
        assertFalse(info.coreName().isBlank(), "core name");
        assertEquals("0.3.31", info.version());
        assertTrue(Files.isRegularFile(info.path()));
    }

    @Test
    void idleOpenBlasWorkersSpinBrieflyUnlessTheUserSaysOtherwise() {
        OpenBlas.load().orElseThrow();
        String user = System.getenv("OPENBLAS_THREAD_TIMEOUT");
        String expected = user != null ? user : System.getenv("GOTO_THREAD_TIMEOUT") != null ? null
                : Integer.toString(OpenBlas.THREAD_TIMEOUT);
        assertEquals(expected, OpenBlas.threadTimeout(),
                "OPENBLAS_THREAD_TIMEOUT as the library saw it when it loaded");
    }

    @Test
    void threadCountIsSettable() {
        OpenBlas.load();
        int before = OpenBlas.numThreads();
        try {
            OpenBlas.setNumThreads(1);
            assertEquals(1, OpenBlas.numThreads());
        } finally {
            OpenBlas.setNumThreads(Math.max(1, before));
        }
    }

    @Test
    void concurrentExtractionsAgreeOnOneCompleteDirectory(@TempDir Path cache) throws Exception {
        int n = 6;
        ExecutorService pool = Executors.newFixedThreadPool(n);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Path>> results = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                results.add(pool.submit(() -> {
                    start.await();
                    return BundledLibraries.extract(cache);
                }));
            }
            start.countDown();
            Set<Path> dirs = new HashSet<>();
            for (Future<Path> f : results) {
                dirs.add(f.get());
            }
            assertEquals(1, dirs.size(), "all extractions must return the same directory: " + dirs);
            Path dir = dirs.iterator().next();
            assertTrue(Files.exists(dir.resolve(".complete")));
            assertTrue(Files.size(dir.resolve("libopenblas.so.0")) > 1_000_000);
            try (Stream<Path> siblings = Files.list(dir.getParent())) {
                assertEquals(1, siblings.count(), "temporary directories must be cleaned up");
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
