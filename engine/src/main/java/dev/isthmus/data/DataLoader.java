package dev.isthmus.data;

import dev.isthmus.tensor.NativeMemory;
import dev.isthmus.tensor.Rng;

import java.lang.ref.Cleaner;
import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.locks.LockSupport;

/**
 * Serves a dataset in mini-batches, like {@code torch.utils.data.DataLoader}, with the next batch assembled on a
 * background thread while the current one is used.
 *
 * <pre>{@code
 * try (DataLoader loader = DataLoader.builder(train).batchSize(64).shuffle(true).seed(42).build()) {
 *     for (int epoch = 0; epoch < epochs; epoch++) {
 *         for (Batch b : loader.epoch(epoch)) {
 *             step(b.x(), b.y());          // y: [B] class indices as floats, or [B, T] targets
 *         }
 *         System.out.printf("waited %.1f%% of the epoch for data%n", 100 * loader.waitFraction());
 *     }
 * }
 * }</pre>
 *
 * <ul>
 *   <li><b>Reproducible.</b> The order of epoch {@code e} depends only on the seed and {@code e} (see
 *       {@link Sampler}), and so do the random draws of the transforms; resuming at epoch {@code e} gives the
 *       very batches an uninterrupted run would have seen, whatever the prefetch depth.</li>
 *   <li><b>No allocation per batch.</b> {@code prefetch + 1} batch buffers are allocated off-heap once and
 *       reused in turn ({@link BatchSlots}); an epoch's smaller last batch is a view of the same buffers.
 *       Hand-off between the two threads ({@link Prefetcher}) uses volatile counters and
 *       {@link LockSupport#park}, which allocate nothing.</li>
 *   <li><b>Batch lifetime.</b> A batch returned by {@link #next()} stays valid until the next call to
 *       {@code next()}, {@link #startEpoch} or {@link #close()}, which hands it back for refilling.</li>
 *   <li><b>Waiting time.</b> The time the consumer spends blocked in {@code next()} is measured
 *       ({@link #waitNanos()}, {@link #waitFraction()}), so a trainer can check that data loading is not the
 *       bottleneck.</li>
 *   <li><b>Failures</b> while reading a sample or running a transform reach the consumer as a
 *       {@link DataLoaderException} naming the epoch, batch and sample; batches before the failing one are
 *       still served.</li>
 * </ul>
 * One consumer thread at a time. The loader thread is a daemon and uses one core while it assembles a batch;
 * it is stopped by {@link #close()}.
 */
public final class DataLoader implements AutoCloseable {

    private enum State { IDLE, ACTIVE, ENDED, FAILED }

    private final Dataset dataset;
    private final Sampler sampler;
    private final int batchSize;
    private final boolean dropLast;
    private final boolean augments;
    private final long seed;
    private final int prefetch;
    private final int numBatches;
    private final int[] order;
    private final BatchSlots slots;
    /** The loader thread's side; null when batches are filled on the consumer's thread (prefetch 0). */
    private final Prefetcher prefetcher;
    // Stops the loader thread if the loader is dropped unclosed; the thread holds only the prefetcher and the
    // slots, so the loader can become unreachable, and the slots' arena then frees (and reports) the buffers.
    private final Cleaner.Cleanable stopThread;
    private final EpochIterator iterator = new EpochIterator();

    // Consumer-side state.
    private State state = State.IDLE;
    private int epoch = -1;
    private int taken;
    private boolean holding;
    private Rng augmentRng;
    private long epochStart;
    private long epochEnd;
    private long epochWait;
    private long totalWait;
    private long lastWait;
    private boolean closed;

    private DataLoader(Builder b) {
        this.dataset = b.dataset;
        this.batchSize = b.batchSize;
        this.dropLast = b.dropLast;
        this.augments = b.transforms.length > 0;
        this.seed = b.seed;
        this.prefetch = b.prefetch;
        this.sampler = b.sampler != null ? b.sampler
                : b.shuffle ? new RandomSampler(dataset.size(), seed) : new SequentialSampler(dataset.size());
        int length = sampler.length();
        this.numBatches = dropLast ? length / batchSize : (length + batchSize - 1) / batchSize;
        int tailSize = dropLast ? 0 : length % batchSize;
        this.order = new int[length];
        this.slots = new BatchSlots(dataset, batchSize, numBatches, tailSize, b.transforms, order,
                prefetch == 0 ? 1 : prefetch + 1);
        this.prefetcher = prefetch == 0 ? null : new Prefetcher(slots, numBatches);
        this.stopThread = prefetcher == null ? null : NativeMemory.whenUnreachable(this, prefetcher::close);
    }

    /** A builder for a loader over {@code dataset}. */
    public static Builder builder(Dataset dataset) {
        return new Builder(dataset);
    }

    // ---------------------------------------------------------------- epochs

    /**
     * Starts epoch {@code epoch} (from 0): computes its order, and starts assembling its first batches. Any batch
     * of an unfinished previous epoch is abandoned. Calling it with the epoch to resume from recomputes exactly
     * that epoch's order.
     */
    public void startEpoch(int epoch) {
        checkOpen();
        if (epoch < 0) {
            throw new IllegalArgumentException("epoch must be >= 0, got " + epoch);
        }
        if (prefetcher != null) {
            prefetcher.stop();
        }
        holding = false;
        iterator.reset();
        sampler.fill(epoch, order);
        int n = dataset.size();
        for (int i = 0; i < order.length; i++) {
            if (order[i] < 0 || order[i] >= n) {
                throw new IllegalStateException("sampler " + sampler.getClass().getSimpleName() + " gave index " + order[i]
                        + " at position " + i + " of epoch " + epoch + " for a dataset of " + n + " samples");
            }
        }
        this.epoch = epoch;
        this.augmentRng = augments ? Seeds.rng(seed, epoch, Seeds.AUGMENT) : null;
        this.taken = 0;
        this.state = State.ACTIVE;
        this.epochWait = 0;
        this.lastWait = 0;
        this.epochEnd = 0;
        this.epochStart = System.nanoTime();
        if (prefetcher != null) {
            prefetcher.start(epoch, augmentRng);
        }
    }

    /**
     * Starts epoch {@code epoch} and returns its batches for a for-each loop (each batch valid until the loop
     * moves on). Allocates once per epoch, not per batch.
     */
    public Iterable<Batch> epoch(int epoch) {
        startEpoch(epoch);
        return () -> iterator;
    }

    /**
     * The epoch's next batch, or {@code null} when the epoch is over. Hands the previous batch back. Blocks while
     * the batch is not ready yet, and counts that time as waiting for data.
     *
     * @throws DataLoaderException if reading a sample or a transform failed for this batch
     */
    public Batch next() {
        checkOpen();
        if (state != State.ACTIVE && state != State.ENDED) {
            throw new IllegalStateException(state == State.IDLE ? "no epoch started: call startEpoch(e) or epoch(e) first"
                    : "epoch " + epoch + " failed; start an epoch again to retry");
        }
        if (holding) {
            holding = false;
            if (prefetcher != null) {
                prefetcher.release(taken);
            }
        }
        if (taken == numBatches) {
            if (state == State.ACTIVE) {
                state = State.ENDED;
                epochEnd = System.nanoTime();
            }
            return null;
        }
        long t0 = System.nanoTime();
        Batch batch;
        try {
            batch = prefetcher == null ? slots.fill(taken, epoch, augmentRng) : prefetcher.await(taken);
        } catch (RuntimeException e) {
            state = State.FAILED;
            throw e;
        }
        long waited = System.nanoTime() - t0;
        lastWait = waited;
        epochWait += waited;
        totalWait += waited;
        taken++;
        holding = true;
        return batch;
    }

    // ---------------------------------------------------------------- measurements

    /** Nanoseconds the consumer spent blocked in {@link #next()} during the current (or last) epoch. */
    public long waitNanos() {
        return epochWait;
    }

    /** Nanoseconds of waiting in {@link #next()} for the last batch served. */
    public long lastWaitNanos() {
        return lastWait;
    }

    /** Nanoseconds of waiting in {@link #next()} since the loader was built. */
    public long totalWaitNanos() {
        return totalWait;
    }

    /** Nanoseconds from the start of the current epoch to its end (the {@code null} from {@link #next()}), or to now. */
    public long epochNanos() {
        if (state == State.IDLE) {
            return 0;
        }
        return (epochEnd != 0 ? epochEnd : System.nanoTime()) - epochStart;
    }

    /** {@link #waitNanos()} as a fraction of {@link #epochNanos()}: the share of the epoch spent waiting for data. */
    public double waitFraction() {
        long total = epochNanos();
        return total == 0 ? 0 : (double) epochWait / total;
    }

    // ---------------------------------------------------------------- configuration

    public Dataset dataset() {
        return dataset;
    }

    public Sampler sampler() {
        return sampler;
    }

    public int batchSize() {
        return batchSize;
    }

    public boolean dropLast() {
        return dropLast;
    }

    /** Batches per epoch. */
    public int batchesPerEpoch() {
        return numBatches;
    }

    /** Samples per epoch actually served (fewer than the sampler gives when drop-last cuts the tail). */
    public int samplesPerEpoch() {
        return dropLast ? numBatches * batchSize : sampler.length();
    }

    /** Batches prepared ahead of the consumer (0: batches are assembled on the consumer's thread). */
    public int prefetch() {
        return prefetch;
    }

    /** The epoch in progress, or -1 before the first. */
    public int currentEpoch() {
        return epoch;
    }

    /** The dataset indices epoch {@code epoch} visits, in order (recomputed; the same on every call). */
    public int[] order(int epoch) {
        return sampler.order(epoch);
    }

    Thread loaderThread() {
        return prefetcher == null ? null : prefetcher.thread();
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("data loader is closed");
        }
    }

    /** Stops the loader thread and frees the batch buffers; batches handed out become invalid. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (stopThread != null) {
            stopThread.clean();
        }
        slots.close();
    }

    private final class EpochIterator implements Iterator<Batch> {
        private Batch pending;
        private boolean fetched;

        void reset() {
            pending = null;
            fetched = false;
        }

        @Override
        public boolean hasNext() {
            if (!fetched) {
                pending = DataLoader.this.next();
                fetched = true;
            }
            return pending != null;
        }

        @Override
        public Batch next() {
            if (!hasNext()) {
                throw new NoSuchElementException("epoch " + epoch + " has no more batches");
            }
            fetched = false;
            return pending;
        }
    }

    /** Settings of a {@link DataLoader}; PyTorch's defaults (batch size 1, no shuffle, keep the last batch). */
    public static final class Builder {
        private final Dataset dataset;
        private int batchSize = 1;
        private boolean shuffle;
        private long seed;
        private Sampler sampler;
        private boolean dropLast;
        private int prefetch = 1;
        private BatchTransform[] transforms = new BatchTransform[0];

        private Builder(Dataset dataset) {
            this.dataset = java.util.Objects.requireNonNull(dataset, "dataset");
        }

        public Builder batchSize(int batchSize) {
            if (batchSize < 1) {
                throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
            }
            this.batchSize = batchSize;
            return this;
        }

        /** A new random order every epoch (a {@link RandomSampler} seeded with {@link #seed}). */
        public Builder shuffle(boolean shuffle) {
            this.shuffle = shuffle;
            return this;
        }

        /** The seed of the shuffle and of the transforms' random draws. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** A custom order (e.g. {@link WeightedRandomSampler}); replaces {@link #shuffle}. */
        public Builder sampler(Sampler sampler) {
            this.sampler = sampler;
            return this;
        }

        /** Drops an epoch's last batch if it is smaller than the batch size. */
        public Builder dropLast(boolean dropLast) {
            this.dropLast = dropLast;
            return this;
        }

        /**
         * Batches assembled ahead of the consumer on the loader thread (default 1: double buffering). 0 assembles
         * each batch on the consumer's thread inside {@link #next()} (no loader thread).
         */
        public Builder prefetch(int prefetch) {
            if (prefetch < 0) {
                throw new IllegalArgumentException("prefetch must be >= 0, got " + prefetch);
            }
            this.prefetch = prefetch;
            return this;
        }

        /** Adds a transform applied to each assembled batch, after those added before. */
        public Builder transform(BatchTransform transform) {
            BatchTransform[] t = Arrays.copyOf(transforms, transforms.length + 1);
            t[transforms.length] = java.util.Objects.requireNonNull(transform, "transform");
            this.transforms = t;
            return this;
        }

        public DataLoader build() {
            return new DataLoader(this);
        }
    }
}
