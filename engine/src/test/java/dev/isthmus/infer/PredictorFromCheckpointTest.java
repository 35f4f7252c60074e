package dev.isthmus.infer;

import dev.isthmus.data.DataLoader;
import dev.isthmus.data.TensorDataset;
import dev.isthmus.loss.CrossEntropyLoss;
import dev.isthmus.nn.Linear;
import dev.isthmus.nn.ModelSpec;
import dev.isthmus.nn.ReLU;
import dev.isthmus.nn.Sequential;
import dev.isthmus.optim.Adam;
import dev.isthmus.tensor.Rng;
import dev.isthmus.tensor.Tensor;
import dev.isthmus.train.Trainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A Trainer checkpoint (weights plus Adam's moments) serves predictions with the trained weights: the
 * optimizer's tensors are skipped, and a checkpoint without its architecture gets an error saying how to load it.
 */
class PredictorFromCheckpointTest {
    private static final int N = 64;

    private static Tensor features() {
        Rng rng = new Rng(5);
        Tensor x = Tensor.zeros(N, 4);
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < 4; j++) {
                x.set((float) (rng.nextGaussian() * 0.5 + (j == i % 3 ? 2.0 : 0.0)), i, j);
            }
        }
        return x;
    }

    private static Sequential mlp() {
        return new Sequential(new Linear(4, 16), new ReLU(), new Linear(16, 3));
    }

    /** Two epochs of Adam with a checkpoint in {@code ckpt}; returns the trained model in eval mode. */
    private static Sequential trained(Path ckpt, Map<String, String> architecture) {
        Sequential model = mlp();
        model.reset(new Rng(1));
        int[] y = new int[N];
        for (int i = 0; i < N; i++) {
            y[i] = i % 3;
        }
        try (TensorDataset data = TensorDataset.classification(features(), y, 3);
             DataLoader train = DataLoader.builder(data).batchSize(16).build()) {
            Trainer.builder(model, new CrossEntropyLoss(), new Adam(model.parameters(), 1e-2)).epochs(2)
                    .checkpoint(ckpt).architecture(architecture).build().fit(train, null);
        }
        model.eval();
        return model;
    }

    private static float[] predictions(Predictor p) {
        try (Tensor x = features()) {
            return p.predict(x.toArray(), N);
        }
    }

    @Test
    void aCheckpointWithItsArchitectureLoadsAlone(@TempDir Path dir) {
        Path ckpt = dir.resolve("checkpoint.safetensors");
        Sequential model = trained(ckpt, Map.of(ModelSpec.METADATA_KEY, ModelSpec.toJson(mlp()),
                ModelSpec.INPUT_SHAPE_KEY, "[4]"));
        try (Predictor inMemory = Predictor.of(model); Predictor loaded = Predictor.load(ckpt)) {
            assertArrayEquals(predictions(inMemory), predictions(loaded));
        }
    }

    @Test
    void aCheckpointWithoutItsArchitectureLoadsWithASpecOrSaysHow(@TempDir Path dir) {
        Path ckpt = dir.resolve("checkpoint.safetensors");
        Sequential model = trained(ckpt, Map.of());
        try (Predictor inMemory = Predictor.of(model); Predictor loaded = Predictor.load(ckpt, ModelSpec.of(model, 4))) {
            assertArrayEquals(predictions(inMemory), predictions(loaded));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Predictor.load(ckpt));
        assertTrue(e.getMessage().contains("is a training checkpoint written without the model's architecture"),
                e.getMessage());
        assertTrue(e.getMessage().contains("Predictor.load(file, ModelSpec.of(model, inputShape))"), e.getMessage());
    }
}
