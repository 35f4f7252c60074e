package dev.isthmus.infer;

import dev.isthmus.models.CourseModels;
import dev.isthmus.nn.Layer;
import dev.isthmus.nn.Sequential;
import dev.isthmus.tensor.Rng;
import dev.isthmus.tensor.Tensor;
import dev.isthmus.testing.Allocations;
import dev.isthmus.testing.EngineScope;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * One Predictor shared by 8 request threads, as a service would share one loaded LeNet-5: every output of
 * every call must be bit-identical to what a single thread gets for the same batch, with mixed batch
 * sizes (1, 8, 25, 256) in flight at once; one differing bit or one exception fails the test.
 */
class PredictorConcurrencyTest {
    static final int[] BATCHES = {1, 8, 25, 256};
    static final int THREADS = 8;
    static final int ROUNDS = 3;

    @Test
    void eightThreadsOnOneLeNet5GetTheSingleThreadedBits() throws Exception {
        try (Sequential lenet = CourseModels.lenet5(10, 7)) {
            hammer(lenet, 1, 28, 28);
        }
    }

    @Test
    void eightThreadsOnOneMlpGetTheSingleThreadedBits() throws Exception {
        try (Sequential mlp = CourseModels.digitsMlp(10, 3)) {
            hammer(mlp, 1, 28, 28);
        }
    }

    @Test
    void eightThreadsOnALeNet5WithOneEngineThread() throws Exception {
        EngineScope.withThreads(1, () -> {
            try (Sequential lenet = CourseModels.lenet5(10, 9)) {
                hammer(lenet, 1, 28, 28);
            } catch (Exception e) {
                throw new AssertionError(e);
            }
            return null;
        });
    }

    private static void hammer(Layer model, int... sample) throws Exception {
        int per = 1;
        for (int d : sample) {
            per *= d;
        }
        try (Predictor p = Predictor.of(model, sample)) {
            float[][] inputs = new float[BATCHES.length][];
            float[][] expected = new float[BATCHES.length][];
            Rng rng = new Rng(42);
            for (int b = 0; b < BATCHES.length; b++) {
                inputs[b] = new float[BATCHES[b] * per];
                for (int i = 0; i < inputs[b].length; i++) {
                    inputs[b][i] = rng.nextFloat();
                }
                expected[b] = p.predict(inputs[b], BATCHES[b]); // the single-threaded reference
            }
            AtomicInteger wrong = new AtomicInteger();
            AtomicInteger calls = new AtomicInteger();
            ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
            CyclicBarrier start = new CyclicBarrier(THREADS);
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int offset = t;
                Thread th = new Thread(() -> {
                    try {
                        start.await();
                        for (int r = 0; r < ROUNDS; r++) {
                            for (int j = 0; j < BATCHES.length; j++) {
                                int b = (j + offset + r) % BATCHES.length; // threads run different sizes at once
                                float[] got = offset % 2 == 0 ? p.predict(inputs[b], BATCHES[b]) : viaTensor(p, inputs[b], BATCHES[b], sample);
                                calls.incrementAndGet();
                                if (!sameBits(expected[b], got)) {
                                    wrong.incrementAndGet();
                                }
                            }
                        }
                    } catch (Throwable e) {
                        errors.add(e);
                    }
                }, "request-" + t);
                threads.add(th);
                th.start();
            }
            for (Thread th : threads) {
                th.join();
            }
            if (!errors.isEmpty()) {
                AssertionError e = new AssertionError(errors.size() + " calls threw; the first: " + errors.peek());
                e.initCause(errors.peek());
                throw e;
            }
            assertEquals(THREADS * ROUNDS * BATCHES.length, calls.get());
            assertEquals(0, wrong.get(), "calls whose outputs differ from the single-threaded result by at least one bit");
            assertTrue(p.workspaces() <= THREADS + 1, "one workspace per concurrent call at most, got " + p.workspaces());
        }
    }

    private static float[] viaTensor(Predictor p, float[] input, int batch, int[] sample) {
        int[] shape = new int[sample.length + 1];
        shape[0] = batch;
        System.arraycopy(sample, 0, shape, 1, sample.length);
        try (Tensor x = Tensor.of(input, shape); Tensor y = p.predict(x)) {
            return y.toArray();
        }
    }

    static boolean sameBits(float[] a, float[] b) {
        if (a.length != b.length) {
            return false;
        }
        for (int i = 0; i < a.length; i++) {
            if (Float.floatToRawIntBits(a[i]) != Float.floatToRawIntBits(b[i])) {
                return false;
            }
        }
        return true;
    }

    @Test
    void aWarmCallAllocatesNothing() {
        // one engine thread: the per-thread allocation counter then sees all the work of a call
        EngineScope.withThreads(1, () -> {
            try (Sequential lenet = CourseModels.lenet5(10, 1); Predictor p = Predictor.of(lenet, 1, 28, 28);
                 Sequential mlp = CourseModels.digitsMlp(10, 1); Predictor q = Predictor.of(mlp, 1, 28, 28)) {
                for (int batch : new int[]{1, 8}) {
                    float[] in = new float[batch * 784];
                    float[] out = new float[batch * 10];
                    Runnable call = () -> {
                        p.predict(in, batch, out);
                        q.predict(in, batch, out);
                    };
                    call.run();
                    if (fail(Allocations.steadyState(call, 50, 0, 20_000), batch)) {
                        return null;
                    }
                }
            }
            return null;
        });
    }

    private static boolean fail(long bytes, int batch) {
        assertEquals(0, bytes, "heap bytes per 50 warm calls at batch " + batch);
        return false;
    }
}
