package dev.isthmus.nn;

import dev.isthmus.data.DataLoader;
import dev.isthmus.data.Dataset;
import dev.isthmus.testing.Blobs;
import dev.isthmus.data.TensorDataset;
import dev.isthmus.infer.Predictor;
import dev.isthmus.io.CheckpointMismatchException;
import dev.isthmus.io.SafeTensors;
import dev.isthmus.loss.CrossEntropyLoss;
import dev.isthmus.optim.Adam;
import dev.isthmus.tensor.Rng;
import dev.isthmus.tensor.Tensor;
import dev.isthmus.train.EarlyStopping;
import dev.isthmus.train.EpochRecord;
import dev.isthmus.train.Trainer;
import dev.isthmus.train.TrainingListener;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A layer with a registered buffer ({@link RunningCentre}'s {@code running_mean}, like BatchNorm's running
 * statistics) goes everywhere the parameters go: the state_dict under PyTorch's names and order, a model file
 * and back, a checkpoint and resume, and early stopping's restore of the best epoch.
 */
class RegisteredBufferTest {

    @BeforeAll
    static void register() {
        RunningCentre.register();
    }

    static Sequential model(long seed) {
        Sequential m = new Sequential(new Linear(4, 8), new RunningCentre(8, 0.1f), new ReLU(), new Linear(8, 3));
        m.reset(new Rng(seed));
        return m;
    }

    static RunningCentre centre(Sequential m) {
        return (RunningCentre) m.get(1);
    }

    /** {@link Blobs} off the origin (every feature's mean is non-zero, so the running centre has work to do). */
    static Dataset blobs(int n, long seed, boolean shuffleLabels) {
        return Blobs.of(n, seed, 0.5, shuffleLabels);
    }

    static DataLoader loader(Dataset d, boolean shuffle) {
        return DataLoader.builder(d).batchSize(32).shuffle(shuffle).seed(5).build();
    }

    @Test
    void theStateDictListsBuffersAfterEachLayersParametersAsPyTorchDoes() {
        try (Sequential m = model(1)) {
            assertEquals(List.of("0.weight", "0.bias", "1.weight", "1.running_mean", "3.weight", "3.bias"),
                    List.copyOf(m.stateDict().keySet()));
            assertEquals(List.of("1.running_mean"), List.copyOf(m.namedBuffers().keySet()));
            assertEquals(4 * 8 + 8 + 8 + 8 * 3 + 3, m.parameterCount(), "a buffer is not a parameter");
            assertFalse(m.namedParameters().containsKey("1.running_mean"));
        }
    }

    @Test
    void onlyATrainingPassMovesTheBuffer() {
        try (Sequential m = model(2); Tensor x = Tensor.full(3f, 5, 4)) {
            m.eval();
            m.forward(x);
            assertArrayEquals(new float[8], centre(m).runningMean().toArray(), "evaluation mode reads the buffer");
            m.train();
            try (LayerState s = m.newState()) {
                m.forward(x, s, false);
            }
            assertArrayEquals(new float[8], centre(m).runningMean().toArray(), "an inference pass reads the buffer");
            m.forward(x);
            assertTrue(Math.abs(centre(m).runningMean().getFlat(0)) > 0, "a training pass updates it");
        }
    }

    @Test
    void theBufferSurvivesAModelFileAndAPredictorReadsIt(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("centre.safetensors");
        float[] input = new float[6 * 4];
        for (int i = 0; i < input.length; i++) {
            input[i] = (i % 7) * 0.5f;
        }
        try (Sequential m = model(3); Tensor x = Tensor.of(input, 6, 4)) {
            m.forward(x);
            m.forward(x);
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put(ModelSpec.METADATA_KEY, ModelSpec.toJson(m));
            meta.put(ModelSpec.INPUT_SHAPE_KEY, "[4]");
            SafeTensors.save(file, m.stateDict(), meta);
            float[] expected;
            m.eval();
            try (Predictor p = Predictor.of(m, 4)) {
                expected = p.predict(input, 6);
            }
            try (Predictor loaded = Predictor.load(file)) {
                assertArrayEquals(expected, loaded.predict(input, 6), "bit-identical with the saved running mean");
            }
            try (ModelLoader.Loaded l = ModelLoader.load(file)) {
                assertArrayEquals(centre(m).runningMean().toArray(),
                        l.model().namedBuffers().get("1.running_mean").toArray());
            }
            // A file without the buffer is rejected strictly, naming it.
            Map<String, Tensor> noBuffer = new LinkedHashMap<>(m.stateDict());
            noBuffer.remove("1.running_mean");
            Path partial = dir.resolve("no-buffer.safetensors");
            SafeTensors.save(partial, noBuffer, meta);
            Exception e = assertThrows(CheckpointMismatchException.class, () -> ModelLoader.load(partial));
            assertTrue(e.getMessage().contains("1.running_mean"), e.getMessage());
        }
    }

    private static float[] trainToEnd(Sequential m, int epochs, Path checkpoint, Path resumeFrom, EarlyStopping early,
                                      List<float[]> buffersPerEpoch) throws Exception {
        Dataset train = blobs(240, 6, false), val = blobs(120, 7, early != null);
        try (DataLoader tl = loader(train, true); DataLoader vl = loader(val, false)) {
            Adam opt = new Adam(m.parameters(), 1e-2);
            Trainer.Builder b = Trainer.builder(m, new CrossEntropyLoss(), opt).epochs(epochs).seed(9).classification(3)
                    .listener(new TrainingListener() {
                        @Override
                        public void onEpochEnd(EpochRecord record) {
                            buffersPerEpoch.add(centre(m).runningMean().toArray());
                        }
                    });
            if (checkpoint != null) {
                b.checkpoint(checkpoint);
            }
            if (early != null) {
                b.earlyStopping(early);
            }
            try (Trainer t = b.build()) {
                if (resumeFrom != null) {
                    t.resumeFrom(resumeFrom);
                }
                t.fit(tl, vl);
                if (early != null) {
                    buffersPerEpoch.add(new float[]{t.bestEpoch()});
                }
            }
        }
        return m.parameters().data().toArray();
    }

    @Test
    void aResumedRunEndsWithTheSameBufferAsAnUninterruptedOne(@TempDir Path dir) throws Exception {
        List<float[]> straight = new ArrayList<>(), ignored = new ArrayList<>(), resumed = new ArrayList<>();
        Path ckpt = dir.resolve("ckpt.safetensors");
        try (Sequential a = model(8); Sequential b = model(8); Sequential c = model(99)) {
            float[] params = trainToEnd(a, 4, null, null, null, straight);
            trainToEnd(b, 2, ckpt, null, null, ignored);
            assertTrue(SafeTensors.readHeader(ckpt).entries().stream().anyMatch(e -> e.name().equals("1.running_mean")));
            float[] resumedParams = trainToEnd(c, 4, null, ckpt, null, resumed);
            assertArrayEquals(params, resumedParams);
            assertArrayEquals(centre(a).runningMean().toArray(), centre(c).runningMean().toArray());
            assertTrue(Math.abs(centre(c).runningMean().getFlat(0)) > 0);
        }
    }

    @Test
    void earlyStoppingRestoresTheBestEpochsBufferAlsoAfterResume(@TempDir Path dir) throws Exception {
        EarlyStopping rule = EarlyStopping.onValidationLoss(2);
        List<float[]> perEpoch = new ArrayList<>();
        Path ckpt = dir.resolve("early.safetensors");
        try (Sequential a = model(4); Sequential b = model(4); Sequential c = model(77)) {
            trainToEnd(a, 40, null, null, rule, perEpoch);
            int best = (int) perEpoch.remove(perEpoch.size() - 1)[0];
            assertTrue(best >= 1 && best < perEpoch.size(), "stopped early after epoch " + best + " of " + perEpoch.size());
            float[] bestBuffer = perEpoch.get(best - 1);
            assertFalse(java.util.Arrays.equals(bestBuffer, perEpoch.get(perEpoch.size() - 1)), "the buffer moved on");
            assertArrayEquals(bestBuffer, centre(a).runningMean().toArray(), "restored to the best epoch's buffer");

            // Interrupted after the best epoch, before patience ran out: the checkpoint must carry the best buffer.
            List<float[]> first = new ArrayList<>(), second = new ArrayList<>();
            trainToEnd(b, best + 1, ckpt, null, rule, first);
            assertTrue(SafeTensors.readHeader(ckpt).entries().stream()
                    .anyMatch(e -> e.name().equals("early_stopping.best_buffers.1.running_mean")));
            trainToEnd(c, 40, null, ckpt, rule, second);
            assertArrayEquals(a.parameters().data().toArray(), c.parameters().data().toArray());
            assertArrayEquals(bestBuffer, centre(c).runningMean().toArray());
        }
    }
}
