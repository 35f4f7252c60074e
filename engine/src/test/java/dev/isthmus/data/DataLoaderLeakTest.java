package dev.isthmus.data;

import dev.isthmus.tensor.NativeMemory;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A loader its owner forgot to close: once unreachable, its thread stops and its batch buffers are freed. */
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
            while (System.nanoTime() < deadline && (anyAlive || NativeMemory.leakedAllocations() < leakedBefore + 3)) {
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
            assertTrue(NativeMemory.leakedAllocations() >= leakedBefore + 3,
                    "the slots of 3 unclosed loaders were not freed: " + (NativeMemory.leakedAllocations() - leakedBefore));
        }
    }
}
