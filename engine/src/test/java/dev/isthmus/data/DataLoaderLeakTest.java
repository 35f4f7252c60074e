package dev.isthmus.data;

import dev.isthmus.tensor.NativeMemory;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A loader its owner forgot to close: once unreachable, its thread stops and its batch buffers are freed (a parked
 * loader thread used to keep them reachable forever). The test must drop the Thread objects too: a terminated
 * Thread still holds its task, the prefetcher, and so the slots.
 */
class DataLoaderLeakTest {

    /** Starts a loader's thread mid-epoch and drops the loader without closing it; returns the thread. */
    private static Thread dropUnclosed(TensorDataset ds) {
        DataLoader loader = DataLoader.builder(ds).batchSize(2).prefetch(2).build();
        loader.startEpoch(0);
        loader.next();
        Thread t = loader.loaderThread();
        assertTrue(t.isAlive());
        return t;
    }

    @Test
    void anUnclosedLoaderStopsItsThreadAndFreesItsBuffersWhenUnreachable() throws Exception {
        try (TensorDataset ds = TestData.classification(100, 3, 2)) {
            long leakedBefore = NativeMemory.leakedAllocations();
            Thread[] threads = new Thread[3];
            for (int i = 0; i < threads.length; i++) {
                threads[i] = dropUnclosed(ds);
            }
            long deadline = System.nanoTime() + 20_000_000_000L;
            boolean anyAlive = true;
            while (anyAlive && System.nanoTime() < deadline) {
                System.gc();
                anyAlive = false;
                for (Thread t : threads) {
                    t.join(50);
                    anyAlive |= t.isAlive();
                }
            }
            for (Thread t : threads) {
                assertFalse(t.isAlive(), "the loader thread of an unreachable loader is still running");
            }
            // A terminated Thread may still hold its task (the prefetcher and its slots): drop them too.
            Arrays.fill(threads, null);
            for (int i = 0; i < 200 && NativeMemory.leakedAllocations() < leakedBefore + 3; i++) {
                System.gc();
                Thread.sleep(50);
            }
            assertTrue(NativeMemory.leakedAllocations() >= leakedBefore + 3,
                    "the slots of 3 unclosed loaders were not freed: " + (NativeMemory.leakedAllocations() - leakedBefore));
        }
    }
}
