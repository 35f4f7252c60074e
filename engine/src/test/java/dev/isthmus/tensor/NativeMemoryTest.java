package dev.isthmus.tensor;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Ownership of off-heap memory: closed tensors give their bytes back at once, a tensor its owner forgot is
 * reported once and freed by the collector (the issue measured +516 MB for 2,000 unclosed 256 KB tensors,
 * never returned), and a view keeps its parent's memory alive but never frees it.
 */
class NativeMemoryTest {
    private static final int[] QUARTER_MB = {256, 256};   // 65,536 floats = 256 KB
    private final List<String> reports = new CopyOnWriteArrayList<>();
    private Consumer<String> savedReporter;
    private boolean savedDebug;

    @BeforeEach
    void captureReports() throws InterruptedException {
        settle();
        savedReporter = NativeMemory.reporter;
        savedDebug = NativeMemory.debug;
        NativeMemory.reporter = reports::add;
        NativeMemory.resetReports(true);
    }

    @AfterEach
    void restoreReporter() {
        NativeMemory.reporter = savedReporter;
        NativeMemory.debug = savedDebug;
        NativeMemory.resetReports(false);   // the JVM's one warning has been given
    }

    @Test
    void closeReturnsTheBytesAtOnceAndIsIdempotent() {
        // Garbage of earlier test classes may be cleaned meanwhile and move the global counter: one clean try is enough.
        boolean exact = false;
        for (int attempt = 0; attempt < 5 && !exact; attempt++) {
            long before = NativeMemory.liveBytes();
            Tensor t = Tensor.zeros(QUARTER_MB);
            long during = NativeMemory.liveBytes();
            t.close();
            t.close();
            assertFalse(t.isAlive());
            exact = during == before + 256 * 1024 && NativeMemory.liveBytes() == before;
        }
        assertTrue(exact, "allocating and closing 256 KB did not move the live count by exactly 262,144 bytes");
    }

    @Test
    void forgottenTensorsAreFreedByTheCollectorAndReportedOnce() throws InterruptedException {
        long leakedBefore = NativeMemory.leakedAllocations();
        long liveBefore = NativeMemory.liveBytes();
        leak(200);                                   // 200 x 256 KB = 50 MB never closed
        // (no check of the live count here: garbage of earlier test classes in this JVM may be cleaned meanwhile)
        awaitCollected(leakedBefore + 200);
        assertTrue(NativeMemory.liveBytes() <= liveBefore, "live bytes " + NativeMemory.liveBytes() + " > " + liveBefore);
        assertEquals(1, reports.size(), "one warning for all forgotten tensors: " + reports);
        String r = reports.get(0);
        // Names the first one cleaned (a straggler of an earlier test class may come first on a loaded machine).
        assertTrue(r.contains("was never closed") && r.contains(NativeMemory.DEBUG_PROPERTY)
                && (!r.contains("Tensor[256, 256]") || r.contains("262,144 bytes")), r);
    }

    @Test
    void debugModeNamesEachAllocationSiteOnce() throws InterruptedException {
        NativeMemory.debug = true;
        long leakedBefore = NativeMemory.leakedAllocations();
        for (int i = 0; i < 2; i++) {
            leak(3);
        }
        awaitCollected(leakedBefore + 6);
        assertEquals(1, reports.size(), "one report per allocation site: " + reports);
        assertTrue(reports.get(0).contains("at dev.isthmus.tensor.NativeMemoryTest.leak"), reports.get(0));
    }

    @Test
    void aViewKeepsItsParentsMemoryButNeverFreesIt() throws InterruptedException {
        Tensor view = Tensor.full(3f, QUARTER_MB).reshape(-1).view(10, 4);   // the owner is dropped at once
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(20);
        }
        assertTrue(view.isAlive(), "the owner was collected under a live view");
        assertEquals(3f, view.getFlat(3));
        view.close();                                 // a view's close frees nothing
        assertTrue(view.isAlive());
        assertEquals(3f, view.getFlat(0));
    }

    @Test
    void aBufferItsLayerForgotIsFreedToo() throws InterruptedException {
        long leakedBefore = NativeMemory.leakedAllocations();
        for (int i = 0; i < 20; i++) {
            new TensorBuffer().get(QUARTER_MB).fill(1f);
        }
        awaitCollected(leakedBefore + 20);
        assertEquals(1, reports.size(), reports.toString());
        assertTrue(reports.get(0).contains("was never closed"), reports.get(0));
    }

    /** Lets the garbage of earlier tests be cleaned, so each test sees only its own reports. */
    private static void settle() throws InterruptedException {
        long last = -1;
        int stable = 0;
        for (int i = 0; i < 60 && stable < 3; i++) {   // three quiet rounds in a row: nothing left to clean
            long now = NativeMemory.leakedAllocations();
            stable = now == last ? stable + 1 : 0;
            last = now;
            System.gc();
            Thread.sleep(100);
        }
    }

    private static void leak(int n) {
        for (int i = 0; i < n; i++) {
            Tensor.zeros(QUARTER_MB).fill(1f);
        }
    }

    private static void awaitCollected(long leakedAtLeast) throws InterruptedException {
        for (int i = 0; i < 200 && NativeMemory.leakedAllocations() < leakedAtLeast; i++) {
            System.gc();
            Thread.sleep(25);
        }
        assertTrue(NativeMemory.leakedAllocations() >= leakedAtLeast,
                "only " + NativeMemory.leakedAllocations() + " of " + leakedAtLeast + " forgotten allocations were freed");
    }
}
