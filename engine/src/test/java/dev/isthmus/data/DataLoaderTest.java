package dev.isthmus.data;

import dev.isthmus.tensor.Rng;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DataLoaderTest {

    /** Everything an epoch served: per batch, the indices, labels and features. */
    private static List<float[]> drain(DataLoader loader, int epoch, List<int[]> indices) {
        List<float[]> xs = new ArrayList<>();
        for (Batch b : loader.epoch(epoch)) {
            assertEquals(epoch, b.epoch());
            assertEquals(xs.size(), b.index());
            indices.add(b.indices().clone());
            xs.add(b.x().toArray());
            if (b.hasLabels()) {
                assertArrayEquals(new int[]{b.size()}, b.y().shape());
                for (int i = 0; i < b.size(); i++) {
                    assertEquals(b.indices()[i] % 3, b.labels()[i]);
                    assertEquals(b.labels()[i], b.y().getFlat(i), "class indices as floats, as losses take them");
                }
            }
        }
        return xs;
    }

    @Test
    void everySampleOnceInBatchesWithMatchingFeaturesAndLabels() {
        try (TensorDataset ds = TestData.classification(10, 3, 1, 2, 2);
             DataLoader loader = DataLoader.builder(ds).batchSize(4).shuffle(true).seed(7).build()) {
            assertEquals(3, loader.batchesPerEpoch());
            List<int[]> idx = new ArrayList<>();
            List<float[]> xs = drain(loader, 0, idx);
            assertEquals(3, xs.size());
            assertEquals(4, idx.get(0).length);
            assertEquals(2, idx.get(2).length, "the last batch holds the remainder");
            int[] all = idx.stream().flatMapToInt(Arrays::stream).sorted().toArray();
            assertArrayEquals(Splits.identity(10), all);
            assertArrayEquals(idx.stream().flatMapToInt(Arrays::stream).toArray(), loader.order(0));
            for (int b = 0; b < xs.size(); b++) {
                for (int i = 0; i < idx.get(b).length; i++) {
                    for (int j = 0; j < 4; j++) {
                        assertEquals(idx.get(b)[i] * 1000f + j, xs.get(b)[i * 4 + j]);
                    }
                }
            }
            assertNull(loader.next(), "after the end, next() keeps returning null");
        }
    }

    @Test
    void batchShapesAndTheSmallerLastBatch() {
        try (TensorDataset ds = TestData.classification(10, 3, 1, 2, 2);
             DataLoader loader = DataLoader.builder(ds).batchSize(4).build()) {
            loader.startEpoch(0);
            Batch first = loader.next();
            assertArrayEquals(new int[]{4, 1, 2, 2}, first.x().shape());
            assertArrayEquals(new int[]{0, 1, 2, 3}, first.indices());
            loader.next();
            Batch last = loader.next();
            assertArrayEquals(new int[]{2, 1, 2, 2}, last.x().shape());
            assertEquals(2, last.labels().length);
            assertEquals(2, last.size());
            // The last batch is a view of one of the two reused buffers.
            assertEquals(first.x().segment().address(), last.x().segment().address());
            assertNull(loader.next());
        }
    }

    @Test
    void dropLastDropsTheIncompleteBatch() {
        try (TensorDataset ds = TestData.classification(10, 3, 2);
             DataLoader loader = DataLoader.builder(ds).batchSize(4).dropLast(true).shuffle(true).build()) {
            assertEquals(2, loader.batchesPerEpoch());
            assertEquals(8, loader.samplesPerEpoch());
            int n = 0;
            for (Batch b : loader.epoch(0)) {
                assertEquals(4, b.size());
                n++;
            }
            assertEquals(2, n);
        }
    }

    @Test
    void vectorTargetsArriveAsFloatTensor() {
        try (TensorDataset ds = TestData.regression(5);
             DataLoader loader = DataLoader.builder(ds).batchSize(2).build()) {
            List<float[]> ys = new ArrayList<>();
            for (Batch b : loader.epoch(0)) {
                assertFalse(b.hasLabels());
                assertThrows(IllegalStateException.class, b::labels);
                assertArrayEquals(new int[]{b.size(), 2}, b.y().shape());
                ys.add(b.y().toArray());
            }
            assertArrayEquals(new float[]{0, 0, 2, 3}, ys.get(0));
            assertArrayEquals(new float[]{8, 12}, ys.get(2));
        }
    }

    @Test
    void sameSeedSameBatchesWhateverThePrefetchDepthAndEpochsDiffer() {
        try (TensorDataset ds = TestData.classification(50, 3, 4);
             DataLoader a = DataLoader.builder(ds).batchSize(8).shuffle(true).seed(42).prefetch(1).build();
             DataLoader b = DataLoader.builder(ds).batchSize(8).shuffle(true).seed(42).prefetch(0).build();
             DataLoader c = DataLoader.builder(ds).batchSize(8).shuffle(true).seed(42).prefetch(3).build();
             DataLoader other = DataLoader.builder(ds).batchSize(8).shuffle(true).seed(43).build()) {
            for (int epoch = 0; epoch < 3; epoch++) {
                List<int[]> ia = new ArrayList<>(), ib = new ArrayList<>(), ic = new ArrayList<>();
                List<float[]> xa = drain(a, epoch, ia), xb = drain(b, epoch, ib), xc = drain(c, epoch, ic);
                for (int k = 0; k < ia.size(); k++) {
                    assertArrayEquals(ia.get(k), ib.get(k));
                    assertArrayEquals(ia.get(k), ic.get(k));
                    assertArrayEquals(xa.get(k), xb.get(k));
                    assertArrayEquals(xa.get(k), xc.get(k));
                }
            }
            assertFalse(Arrays.equals(a.order(0), a.order(1)), "each epoch has its own order");
            assertFalse(Arrays.equals(a.order(0), other.order(0)), "another seed, another order");
            assertArrayEquals(a.order(5), a.order(5));
        }
    }

    @Test
    void resumingAtAnEpochReproducesItIncludingAugmentation() {
        BatchTransform noise = (batch, rng) -> {
            for (long i = 0; i < batch.x().size(); i++) {
                batch.x().setFlat(i, batch.x().getFlat(i) + rng.nextFloat());
            }
        };
        try (TensorDataset ds = TestData.classification(30, 3, 2)) {
            List<float[]> uninterrupted = new ArrayList<>();
            try (DataLoader run = DataLoader.builder(ds).batchSize(7).shuffle(true).seed(5).transform(noise).build()) {
                for (int e = 0; e < 4; e++) {
                    List<float[]> xs = drain(run, e, new ArrayList<>());
                    if (e == 3) {
                        uninterrupted = xs;
                    }
                }
            }
            try (DataLoader resumed = DataLoader.builder(ds).batchSize(7).shuffle(true).seed(5).transform(noise).build()) {
                List<float[]> xs = drain(resumed, 3, new ArrayList<>());
                assertEquals(uninterrupted.size(), xs.size());
                for (int k = 0; k < xs.size(); k++) {
                    assertArrayEquals(uninterrupted.get(k), xs.get(k));
                }
            }
        }
    }

    @Test
    void abandoningAnEpochMidwayAndRestartingGivesTheFullEpoch() {
        try (TensorDataset ds = TestData.classification(40, 3, 2);
             DataLoader loader = DataLoader.builder(ds).batchSize(4).shuffle(true).seed(1).prefetch(2).build()) {
            loader.startEpoch(0);
            loader.next();
            loader.next();
            List<int[]> idx = new ArrayList<>();
            drain(loader, 0, idx);
            assertArrayEquals(loader.order(0), idx.stream().flatMapToInt(Arrays::stream).toArray());
            assertThrows(IllegalArgumentException.class, () -> loader.startEpoch(-1));
        }
    }

    @Test
    void transformsRunOnTheLoaderThreadBeforeTheConsumerSeesTheBatch() {
        Thread[] ranOn = new Thread[1];
        BatchTransform negate = (batch, rng) -> {
            ranOn[0] = Thread.currentThread();
            for (long i = 0; i < batch.x().size(); i++) {
                batch.x().setFlat(i, -batch.x().getFlat(i));
            }
        };
        try (TensorDataset ds = TestData.classification(6, 3, 2);
             DataLoader loader = DataLoader.builder(ds).batchSize(3).transform(negate).build()) {
            loader.startEpoch(0);
            Batch b = loader.next();
            assertArrayEquals(new float[]{-0f, -1, -1000, -1001, -2000, -2001}, b.x().toArray());
            assertSame(loader.loaderThread(), ranOn[0]);
        }
    }

    @Test
    void aFailingSampleReachesTheConsumerWithItsIndexAfterTheGoodBatches() {
        TensorDataset inner = TestData.classification(20, 3, 2);
        Dataset failing = new Forwarding(inner) {
            @Override
            public void copyFeatures(int index, MemorySegment dst, long off) {
                if (index == 13) {
                    throw new IllegalStateException("disk read error");
                }
                super.copyFeatures(index, dst, off);
            }
        };
        for (int prefetch : new int[]{0, 1}) {
            try (DataLoader loader = DataLoader.builder(failing).batchSize(4).prefetch(prefetch).build()) {
                loader.startEpoch(2);
                for (int k = 0; k < 3; k++) {
                    assertEquals(k, loader.next().index(), "batches before the failing one are served");
                }
                DataLoaderException e = assertThrows(DataLoaderException.class, loader::next);
                assertEquals(13, e.sampleIndex());
                assertEquals(3, e.batch());
                assertEquals(2, e.epoch());
                assertTrue(e.getMessage().contains("sample 13") && e.getMessage().contains("disk read error"), e.getMessage());
                assertThrows(IllegalStateException.class, loader::next, "the failed epoch serves nothing more");
                loader.startEpoch(0);
                assertEquals(0, loader.next().index(), "a new epoch can be started after a failure");
            }
        }
        inner.close();
    }

    @Test
    void aFailingTransformIsNamed() {
        try (TensorDataset ds = TestData.classification(8, 3, 2);
             DataLoader loader = DataLoader.builder(ds).batchSize(4).transform(new BatchTransform() {
                 @Override
                 public void apply(Batch batch, Rng rng) {
                     throw new ArithmeticException("boom");
                 }

                 @Override
                 public String toString() {
                     return "Exploding";
                 }
             }).build()) {
            loader.startEpoch(0);
            DataLoaderException e = assertThrows(DataLoaderException.class, loader::next);
            assertEquals(-1, e.sampleIndex());
            assertTrue(e.getMessage().contains("Exploding") && e.getMessage().contains("boom"), e.getMessage());
        }
    }

    @Test
    void misuseIsReported() {
        try (TensorDataset ds = TestData.classification(8, 3, 2)) {
            DataLoader loader = DataLoader.builder(ds).batchSize(4).build();
            assertThrows(IllegalStateException.class, loader::next, "no epoch started");
            loader.close();
            assertThrows(IllegalStateException.class, () -> loader.startEpoch(0));
            assertThrows(IllegalArgumentException.class, () -> DataLoader.builder(ds).batchSize(0));
            Sampler bad = new Sampler() {
                @Override
                public int length() {
                    return 2;
                }

                @Override
                public void fill(int epoch, int[] out) {
                    out[0] = 0;
                    out[1] = 8;
                }
            };
            try (DataLoader l = DataLoader.builder(ds).sampler(bad).build()) {
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> l.startEpoch(0));
                assertTrue(e.getMessage().contains("index 8") && e.getMessage().contains("8 samples"), e.getMessage());
            }
        }
    }

    @Test
    void closeStopsTheLoaderThreadEvenMidEpoch() throws Exception {
        try (TensorDataset ds = TestData.classification(100, 3, 2)) {
            DataLoader loader = DataLoader.builder(ds).batchSize(2).prefetch(2).build();
            loader.startEpoch(0);
            loader.next();
            Thread t = loader.loaderThread();
            assertTrue(t.isAlive());
            loader.close();
            t.join(TimeUnit.SECONDS.toMillis(5));
            assertFalse(t.isAlive());
            loader.close(); // idempotent
        }
    }

    @Test
    void steadyStateAllocatesNothingPerBatchOnEitherThread() {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        int batches = 2000;
        try (TensorDataset ds = TestData.classification(batches * 4, 3, 8);
             DataLoader loader = DataLoader.builder(ds).batchSize(4).shuffle(true).seed(3).build()) {
            for (int warm = 0; warm < 3; warm++) {
                loader.startEpoch(warm);
                while (loader.next() != null) {
                    // JIT warm-up of the hand-off path
                }
            }
            loader.startEpoch(3);
            for (int i = 0; i < 100; i++) {
                loader.next();
            }
            long producerId = loader.loaderThread().threadId();
            long consumerBefore = mx.getCurrentThreadAllocatedBytes();
            long producerBefore = mx.getThreadAllocatedBytes(producerId);
            int served = 0;
            float checksum = 0;
            for (int i = 0; i < 1500; i++) {
                Batch b = loader.next();
                checksum += b.labels()[0];
                served++;
            }
            long consumerBytes = mx.getCurrentThreadAllocatedBytes() - consumerBefore;
            long producerBytes = mx.getThreadAllocatedBytes(producerId) - producerBefore;
            assertEquals(1500, served);
            assertTrue(checksum >= 0);
            // One 16-byte object per batch would already be 24,000 bytes.
            assertTrue(consumerBytes < 2048, "consumer thread allocated " + consumerBytes + " bytes over 1500 batches");
            assertTrue(producerBytes < 2048, "loader thread allocated " + producerBytes + " bytes over 1500 batches");
        }
    }

    /** Sleeps while reading each sample: loading takes wall time but no CPU, so timing holds on a busy machine. */
    private static final class SlowDataset extends Forwarding {
        private final long sleepMicros;

        SlowDataset(Dataset inner, long sleepMicros) {
            super(inner);
            this.sleepMicros = sleepMicros;
        }

        @Override
        public void copyFeatures(int index, MemorySegment dst, long off) {
            if (index % 4 == 0) { // one sleep per batch of 4 in sequential order
                try {
                    TimeUnit.MICROSECONDS.sleep(sleepMicros);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            super.copyFeatures(index, dst, off);
        }
    }

    @Test
    void prefetchHidesLoadingBehindASlowConsumer() throws Exception {
        int batches = 12;
        long loadMicros = 4_000;
        try (TensorDataset inner = TestData.classification(batches * 4, 3, 2)) {
            Dataset slow = new SlowDataset(inner, loadMicros);
            long[] median = new long[2];
            int[] prefetch = {1, 0};
            for (int k = 0; k < 2; k++) {
                try (DataLoader loader = DataLoader.builder(slow).batchSize(4).prefetch(prefetch[k]).build()) {
                    loader.startEpoch(0);
                    loader.next(); // the first batch cannot have been prepared ahead
                    long[] waits = new long[batches - 1];
                    for (int i = 0; i < waits.length; i++) {
                        Thread.sleep(10); // the consumer's "training step", longer than a batch's loading
                        assertEquals(i + 1, loader.next().index());
                        waits[i] = loader.lastWaitNanos();
                    }
                    assertNull(loader.next());
                    assertTrue(loader.waitNanos() >= Arrays.stream(waits).sum());
                    assertTrue(loader.waitFraction() > 0 && loader.waitFraction() < 1, "fraction " + loader.waitFraction());
                    Arrays.sort(waits);
                    median[k] = waits[waits.length / 2]; // a median, so one scheduling hiccup does not decide
                }
            }
            long load = loadMicros * 1000;
            assertTrue(median[1] >= load, "without prefetch the consumer waits for every load: median " + median[1] + " ns");
            assertTrue(median[0] < load / 10, "with prefetch the consumer should barely wait: median " + median[0]
                    + " ns, against " + median[1] + " ns without");
        }
    }

    @Test
    void weightedSamplerDrivesTheLoader() {
        try (TensorDataset ds = TestData.withLabels(new int[]{0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 2)) {
            Sampler s = new WeightedRandomSampler(ClassBalance.inverseFrequencyWeights(ds), 4000, 9);
            try (DataLoader loader = DataLoader.builder(ds).batchSize(100).sampler(s).build()) {
                assertEquals(40, loader.batchesPerEpoch());
                int ones = 0;
                for (Batch b : loader.epoch(0)) {
                    for (int i = 0; i < b.size(); i++) {
                        ones += b.labels()[i];
                    }
                }
                assertEquals(2000, ones, 150, "about half the draws from the rare class");
                assertNotEquals(Arrays.toString(loader.order(0)), Arrays.toString(loader.order(1)));
            }
        }
    }

    /** A dataset that forwards to another, for tests to override one method. */
    static class Forwarding implements Dataset {
        private final Dataset inner;

        Forwarding(Dataset inner) {
            this.inner = inner;
        }

        @Override
        public int size() {
            return inner.size();
        }

        @Override
        public int[] featureShape() {
            return inner.featureShape();
        }

        @Override
        public TargetKind targetKind() {
            return inner.targetKind();
        }

        @Override
        public int numClasses() {
            return inner.numClasses();
        }

        @Override
        public int[] targetShape() {
            return inner.targetShape();
        }

        @Override
        public void copyFeatures(int index, MemorySegment dst, long dstOffset) {
            inner.copyFeatures(index, dst, dstOffset);
        }

        @Override
        public int label(int index) {
            return inner.label(index);
        }

        @Override
        public void copyTarget(int index, MemorySegment dst, long dstOffset) {
            inner.copyTarget(index, dst, dstOffset);
        }
    }
}
