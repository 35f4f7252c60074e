package dev.isthmus.spark;

import dev.isthmus.data.DataLoader;
import dev.isthmus.data.TensorDataset;
import dev.isthmus.loss.CrossEntropyLoss;
import dev.isthmus.models.CourseModels;
import dev.isthmus.nn.Layer;
import dev.isthmus.nn.Sequential;
import dev.isthmus.optim.Adam;
import dev.isthmus.spark.example.Digits;
import dev.isthmus.tensor.Tensor;
import dev.isthmus.train.Trainer;
import org.apache.spark.TaskContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * LeNet-5 on 512 of the bundled digits, 2 epochs, global batch 64, Adam: trained by the engine's Trainer on one
 * machine and by {@link IsthmusClassifier} on Spark {@code local[2]} (two partitions, so every batch is split
 * between two tasks), the weights agree to float summation order and so does the test accuracy; two Spark runs
 * with the same seed give the same bits, also when a task dies mid-step on its first attempt and is retried.
 */
class DataParallelTrainingTest {
    static final int TRAIN = 512, TEST = 256, BATCH = 64, EPOCHS = 2;
    static final long SHUFFLE_SEED = 7, INIT_SEED = 1;
    /** Failures injected by the retry test (tasks run in this JVM in local mode). */
    static final AtomicInteger INJECTED = new AtomicInteger();

    static SparkSession spark;
    static Digits train, test;

    @BeforeAll
    static void start() throws IOException {
        // local[2,4]: two task slots, and a failed task is retried up to 4 times.
        spark = LocalSpark.session("local[2,4]", "DataParallelTrainingTest");
        Digits all = Digits.read(Digits.locate(System.getProperty("isthmus.digits")), TRAIN + TEST);
        train = all.slice(0, TRAIN);
        test = all.slice(TRAIN, TRAIN + TEST);
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    /** The weights of the un-injected Spark run, shared by both tests. */
    static synchronized float[] cleanSparkRun() {
        if (clean == null) {
            try (IsthmusClassificationModel m = fitOnSpark(StepHook.NONE)) {
                clean = m.model().parameters().data().toArray();
                assertEquals(EPOCHS, m.epochLoss().size());
                assertTrue(m.epochLoss().get(1) < m.epochLoss().get(0), "loss falls: " + m.epochLoss());
            }
        }
        return clean;
    }

    static float[] clean;

    static IsthmusClassificationModel fitOnSpark(StepHook hook) {
        Sequential model = CourseModels.lenet5(10, INIT_SEED);
        return IsthmusClassifier.of(model, Digits.SHAPE, 10)
                .batchSize(BATCH).epochs(EPOCHS).seed(SHUFFLE_SEED)
                .optimizer(p -> new Adam(p, 1e-3))
                .hook(hook)
                .onStep(s -> System.out.printf("step %d: loss %.4f, %.1f ms (slowest task %.1f ms, optimizer %.1f ms)%n",
                        s.step(), s.loss(), s.wallNanos() / 1e6, s.slowestTaskNanos() / 1e6, s.optimizerNanos() / 1e6))
                .fit(train.toDataFrame(spark, 2));
    }

    static Map<String, float[]> fitSingleMachine() {
        Sequential model = CourseModels.lenet5(10, INIT_SEED);
        try (Tensor x = Tensor.of(train.flat(), TRAIN, 1, 28, 28);
             TensorDataset ds = TensorDataset.classification(x.copy(), train.labels(), 10);
             DataLoader loader = DataLoader.builder(ds).batchSize(BATCH).shuffle(true).seed(SHUFFLE_SEED).build();
             Adam adam = new Adam(model.parameters(), 1e-3)) {
            Trainer.builder(model, new CrossEntropyLoss(), adam).epochs(EPOCHS).build().fit(loader, null);
            Map<String, float[]> w = new LinkedHashMap<>();
            model.stateDict().forEach((k, t) -> w.put(k, t.toArray()));
            model.close();
            return w;
        }
    }

    static double accuracy(float[] weights) {
        try (Layer model = CourseModels.lenet5(10, INIT_SEED); Tensor x = Tensor.of(test.flat(), TEST, 1, 28, 28)) {
            model.parameters().data().copyFrom(weights);
            model.eval();
            Tensor out = model.forward(x);
            int right = 0;
            for (int i = 0; i < TEST; i++) {
                int best = 0;
                for (int c = 1; c < 10; c++) {
                    if (out.getFlat(i * 10L + c) > out.getFlat(i * 10L + best)) {
                        best = c;
                    }
                }
                right += best == test.labels()[i] ? 1 : 0;
            }
            return 100.0 * right / TEST;
        }
    }

    @Test
    void sparkLocal2MatchesSingleMachineAfterTwoEpochs() {
        Map<String, float[]> single = fitSingleMachine();
        float[] onSpark = cleanSparkRun();
        Map<String, float[]> spark = new LinkedHashMap<>();
        try (Layer model = CourseModels.lenet5(10, INIT_SEED)) {
            model.parameters().data().copyFrom(onSpark);
            model.stateDict().forEach((k, t) -> spark.put(k, t.toArray()));
        }
        // Float sums in another order (each batch's gradient is two partial sums added on the driver) move the
        // weights by a few ulps per step; Adam carries that on. Every tensor must agree to 1e-5 in relative L2.
        double worst = 0;
        String worstName = null;
        for (String name : single.keySet()) {
            float[] a = single.get(name), b = spark.get(name);
            double diff = 0, norm = 0;
            for (int i = 0; i < a.length; i++) {
                diff += (double) (b[i] - a[i]) * (b[i] - a[i]);
                norm += (double) a[i] * a[i];
            }
            double rel = Math.sqrt(diff / norm);
            if (rel >= worst) {
                worst = rel;
                worstName = name;
            }
        }
        System.out.printf("Spark vs single machine: worst relative L2 difference %.3g (%s)%n", worst, worstName);
        assertTrue(worst <= 1e-5, worstName + ": relative L2 difference " + worst);
        float[] flatSingle = new float[onSpark.length];
        try (Layer model = CourseModels.lenet5(10, INIT_SEED)) {
            model.stateDict().forEach((k, t) -> t.copyFrom(single.get(k)));
            System.arraycopy(model.parameters().data().toArray(), 0, flatSingle, 0, flatSingle.length);
        }
        double a1 = accuracy(flatSingle), a2 = accuracy(onSpark);
        System.out.printf("test accuracy: single machine %.2f %%, Spark %.2f %%%n", a1, a2);
        assertTrue(a1 > 25, "LeNet-5 learns (chance is 10 %) in 2 epochs of 8 steps on 512 digits: " + a1);
        assertEquals(a1, a2, 0.2);
    }

    @Test
    void taskKilledMidStepOnFirstAttemptIsRetriedWithTheSameResult() {
        float[] clean = cleanSparkRun();
        INJECTED.set(0);
        float[] retried;
        List<Double> losses = new ArrayList<>();
        try (IsthmusClassificationModel m = fitOnSpark((step, partition) -> {
            if (step == 3 && partition == 1 && TaskContext.get().attemptNumber() == 0) {
                INJECTED.incrementAndGet();
                throw new IllegalStateException("injected failure: task of partition 1 killed in step 3");
            }
        })) {
            retried = m.model().parameters().data().toArray();
            losses.addAll(m.epochLoss());
        }
        assertEquals(1, INJECTED.get(), "the failure was injected once and the retry went through");
        assertEquals(EPOCHS, losses.size());
        assertArrayEquals(clean, retried, 0f, "bit-identical weights after the retry");
    }
}
