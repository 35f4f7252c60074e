package dev.isthmus.data;

import dev.isthmus.tensor.NativeMemory;
import dev.isthmus.tensor.Rng;
import dev.isthmus.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
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
 *       reused in turn; an epoch's smaller last batch is a view of the same buffers. Hand-off between the two
 *       threads uses volatile counters and {@link LockSupport#park}, which allocate nothing.</li>
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

    private static final int SPINS = 200;

    private enum State { IDLE, ACTIVE, ENDED, FAILED }

    private final Dataset dataset;
    private final Sampler sampler;
    private final int batchSize;
    private final boolean dropLast;
    private final BatchTransform[] transforms;
    private final long seed;
    private final int prefetch;
    private final int numBatches;
    private final int tailSize;
    private final boolean classTargets;
    private final int numClasses;
    private final long featureBytes;
    private final long targetBytes;
    private final int[] order;
    private final Arena arena;
    private final Slot[] slots;
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

    // Shared with the loader thread.
    private volatile int published;
    private volatile int released;
    private volatile int generation;
    private volatile int acknowledged;
    private volatile boolean abort;
    private volatile boolean shutdown;
    private volatile DataLoaderException failure;
    private volatile Thread consumer;
    private Thread producer;

    /** One batch buffer: the full-size batch and, if the epoch ends with a smaller one, its view. */
    private static final class Slot {
        final MemorySegment x;
        final MemorySegment y;
        final Batch full;
        final Batch tail;

        Slot(MemorySegment x, MemorySegment y, Batch full, Batch tail) {
            this.x = x;
            this.y = y;
            this.full = full;
            this.tail = tail;
        }
    }

    private DataLoader(Builder b) {
        this.dataset = b.dataset;
        this.batchSize = b.batchSize;
        this.dropLast = b.dropLast;
        this.transforms = b.transforms;
        this.seed = b.seed;
        this.prefetch = b.prefetch;
        this.sampler = b.sampler != null ? b.sampler
                : b.shuffle ? new RandomSampler(dataset.size(), seed) : new SequentialSampler(dataset.size());
        int length = sampler.length();
        this.numBatches = dropLast ? length / batchSize : (length + batchSize - 1) / batchSize;
        this.tailSize = dropLast ? 0 : length % batchSize;
        this.classTargets = dataset.targetKind() == Dataset.TargetKind.CLASS_INDEX;
        this.numClasses = dataset.numClasses();
        int[] fs = dataset.featureShape();
        int[] ts = dataset.targetShape();
        if (Tensor.numel(fs) < 1) {
            throw new IllegalArgumentException("samples with feature shape " + Arrays.toString(fs) + " hold no features");
        }
        this.featureBytes = Tensor.numel(fs) * Float.BYTES;
        this.targetBytes = classTargets ? Float.BYTES : Tensor.numel(ts) * Float.BYTES;
        this.order = new int[length];
        this.arena = NativeMemory.arena("DataLoader batch slots");
        int count = prefetch == 0 ? 1 : prefetch + 1;
        this.slots = new Slot[count];
        try {
            for (int s = 0; s < count; s++) {
                MemorySegment x = arena.allocate(batchSize * featureBytes, Tensor.ALIGNMENT);
                MemorySegment y = arena.allocate(Math.max(1, batchSize * targetBytes), Tensor.ALIGNMENT);
                Batch full = batch(x, y, batchSize, fs, ts);
                Batch tail = tailSize > 0 ? batch(x, y, tailSize, fs, ts) : null;
                slots[s] = new Slot(x, y, full, tail);
            }
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    private Batch batch(MemorySegment x, MemorySegment y, int n, int[] fs, int[] ts) {
        Tensor xt = Tensor.wrap(x.asSlice(0, n * featureBytes), prepend(n, fs));
        Tensor yt = Tensor.wrap(y.asSlice(0, n * targetBytes), prepend(n, classTargets ? new int[0] : ts));
        return new Batch(xt, yt, classTargets ? new int[n] : null, new int[n]);
    }

    private static int[] prepend(int n, int[] shape) {
        int[] s = new int[shape.length + 1];
        s[0] = n;
        System.arraycopy(shape, 0, s, 1, shape.length);
        return s;
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
        consumer = Thread.currentThread();
        stopProducerEpoch();
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
        this.augmentRng = transforms.length > 0 ? Seeds.rng(seed, epoch, Seeds.AUGMENT) : null;
        this.taken = 0;
        this.published = 0;
        this.released = 0;
        this.failure = null;
        this.abort = false;
        this.state = State.ACTIVE;
        this.epochWait = 0;
        this.lastWait = 0;
        this.epochEnd = 0;
        this.epochStart = System.nanoTime();
        if (prefetch > 0) {
            if (producer == null) {
                producer = Thread.ofPlatform().daemon().name("isthmus-data-loader").unstarted(this::produce);
                producer.start();
            }
            generation = generation + 1; // publishes everything above to the loader thread
            LockSupport.unpark(producer);
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
        Thread me = Thread.currentThread();
        if (consumer != me) {
            consumer = me;
        }
        if (holding) {
            holding = false;
            released = taken;
            if (prefetch > 0) {
                LockSupport.unpark(producer);
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
        if (prefetch == 0) {
            try {
                batch = assemble(slots[0], taken, epoch, augmentRng);
            } catch (DataLoaderException e) {
                state = State.FAILED;
                throw e;
            }
        } else {
            int spins = 0;
            while (published <= taken) {
                if (acknowledged == generation && published <= taken) {
                    // The loader thread has stopped this epoch without producing the batch: it failed.
                    state = State.FAILED;
                    DataLoaderException f = failure;
                    throw f != null ? f.rethrown() : new IllegalStateException("data loader thread stopped in epoch " + epoch);
                }
                if (++spins < SPINS) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.park(this);
                }
            }
            batch = batchAt(slots[taken % slots.length], taken);
        }
        long waited = System.nanoTime() - t0;
        lastWait = waited;
        epochWait += waited;
        totalWait += waited;
        taken++;
        holding = true;
        return batch;
    }

    private Batch batchAt(Slot slot, int b) {
        return tailSize > 0 && b == numBatches - 1 ? slot.tail : slot.full;
    }

    /** Fills {@code slot} with batch {@code b}; runs on the loader thread, or the consumer's when prefetch is 0. */
    private Batch assemble(Slot slot, int b, int epochNumber, Rng rng) {
        Batch batch = batchAt(slot, b);
        int start = b * batchSize;
        int n = batch.size();
        int[] idx = batch.indices();
        int[] labels = classTargets ? batch.labels() : null;
        int pos = 0;
        int sample = -1;
        int stage = -1;
        try {
            for (; pos < n; pos++) {
                sample = order[start + pos];
                idx[pos] = sample;
                dataset.copyFeatures(sample, slot.x, pos * featureBytes);
                if (labels != null) {
                    int label = dataset.label(sample);
                    if (label < 0 || label >= numClasses) {
                        throw new IllegalStateException("label " + label + " is outside [0, " + numClasses + ")");
                    }
                    labels[pos] = label;
                    slot.y.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, pos, label);
                } else {
                    dataset.copyTarget(sample, slot.y, pos * targetBytes);
                }
            }
            sample = -1;
            batch.epoch = epochNumber;
            batch.index = b;
            for (stage = 0; stage < transforms.length; stage++) {
                transforms[stage].apply(batch, rng);
            }
        } catch (RuntimeException | Error e) {
            throw new DataLoaderException(epochNumber, b, pos, sample,
                    "in transform " + (stage >= 0 && stage < transforms.length ? stage + " (" + transforms[stage] + ")" : "?"), e);
        }
        return batch;
    }

    // ---------------------------------------------------------------- loader thread

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
            Rng rng = augmentRng;
            try {
                batches:
                for (int b = 0; b < numBatches; b++) {
                    while (b - released >= slots.length) {
                        if (abort || shutdown) {
                            break batches;
                        }
                        LockSupport.park(this);
                    }
                    if (abort || shutdown) {
                        break;
                    }
                    assemble(slots[b % slots.length], b, e, rng);
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

    /** Stops the loader thread's work on the current epoch and waits until it is idle. */
    private void stopProducerEpoch() {
        if (producer == null || acknowledged == generation) {
            return;
        }
        abort = true;
        LockSupport.unpark(producer);
        while (acknowledged != generation && producer.isAlive()) {
            LockSupport.parkNanos(this, 1_000_000);
        }
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
        return producer;
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
        arena.close();
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
