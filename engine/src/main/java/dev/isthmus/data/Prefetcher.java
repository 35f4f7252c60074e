package dev.isthmus.data;

import dev.isthmus.tensor.Rng;

import java.util.concurrent.locks.LockSupport;

/**
 * The loader thread of a {@link DataLoader} and its hand-off with the one consumer thread. The thread
 * fills batch {@code b} into slot {@code b % slots} while the consumer uses earlier batches, never more
 * than the slot count ahead of what the consumer handed back. Counters are volatile and waiting is
 * park/unpark, so a batch costs no allocation.
 *
 * <p>Each epoch is a generation: {@link #start} publishes the epoch's settings to the thread by bumping
 * {@code generation}; the thread sets {@code acknowledged} to it when it has produced every batch, failed,
 * or was told to stop ({@link #stop}), which waits for that acknowledgement.
 */
final class Prefetcher implements AutoCloseable {
    private static final int SPINS = 200;

    private final BatchSlots slots;
    private final int numBatches;
    // Written by the consumer before the volatile write of generation, read by the thread after reading it.
    private int epoch;
    private Rng rng;

    private volatile int published;
    private volatile int released;
    private volatile int generation;
    private volatile int acknowledged;
    private volatile boolean abort;
    private volatile boolean shutdown;
    private volatile DataLoaderException failure;
    private volatile Thread consumer;
    private Thread producer;

    Prefetcher(BatchSlots slots, int numBatches) {
        this.slots = slots;
        this.numBatches = numBatches;
    }

    /** Starts producing epoch {@code epoch} (its order already filled), with the transforms' {@code rng}. */
    void start(int epoch, Rng rng) {
        consumer = Thread.currentThread();
        this.epoch = epoch;
        this.rng = rng;
        published = 0;
        released = 0;
        failure = null;
        abort = false;
        if (producer == null) {
            producer = Thread.ofPlatform().daemon().name("isthmus-data-loader").unstarted(this::produce);
            producer.start();
        }
        generation = generation + 1; // publishes everything above to the loader thread
        LockSupport.unpark(producer);
    }

    /** Hands back every batch before {@code taken}: their slots may be refilled. */
    void release(int taken) {
        released = taken;
        LockSupport.unpark(producer);
    }

    /**
     * Waits until batch {@code b} is filled and returns it.
     *
     * @throws DataLoaderException the loader thread's failure for this batch (rethrown on this thread)
     */
    Batch await(int b) {
        Thread me = Thread.currentThread();
        if (consumer != me) {
            consumer = me;
        }
        int spins = 0;
        while (published <= b) {
            if (acknowledged == generation && published <= b) {
                // The loader thread has stopped this epoch without producing the batch: it failed.
                DataLoaderException f = failure;
                throw f != null ? f.rethrown() : new IllegalStateException("data loader thread stopped in epoch " + epoch);
            }
            if (++spins < SPINS) {
                Thread.onSpinWait();
            } else {
                LockSupport.park(this);
            }
        }
        return slots.batch(b);
    }

    /** Stops the loader thread's work on the current epoch and waits until it is idle. */
    void stop() {
        if (producer == null || acknowledged == generation) {
            return;
        }
        abort = true;
        LockSupport.unpark(producer);
        while (acknowledged != generation && producer.isAlive()) {
            LockSupport.parkNanos(this, 1_000_000);
        }
    }

    /** The loader thread, or null before the first epoch. */
    Thread thread() {
        return producer;
    }

    private void produce() {
        int seen = 0;
        while (true) {
            while (generation == seen && !shutdown) {
                LockSupport.park(this);
            }
            if (shutdown) {
                acknowledged = generation;
                LockSupport.unpark(consumer);
                return;
            }
            seen = generation;
            int e = epoch;
            Rng r = rng;
            try {
                batches:
                for (int b = 0; b < numBatches; b++) {
                    while (b - released >= slots.count()) {
                        if (abort || shutdown) {
                            break batches;
                        }
                        LockSupport.park(this);
                    }
                    if (abort || shutdown) {
                        break;
                    }
                    slots.fill(b, e, r);
                    published = b + 1;
                    LockSupport.unpark(consumer);
                }
            } catch (DataLoaderException ex) {
                failure = ex;
            } catch (Throwable t) {
                failure = new DataLoaderException(e, published, -1, -1, "in the loader thread", t);
            }
            acknowledged = seen;
            LockSupport.unpark(consumer);
        }
    }

    /** Stops the loader thread (waiting up to 10 s for it to end). */
    @Override
    public void close() {
        shutdown = true;
        abort = true;
        if (producer != null) {
            LockSupport.unpark(producer);
            try {
                producer.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
