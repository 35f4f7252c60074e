package dev.isthmus.infer;

import dev.isthmus.io.SafeTensors;
import dev.isthmus.models.CourseModels;
import dev.isthmus.nn.Dropout;
import dev.isthmus.nn.Linear;
import dev.isthmus.nn.ModelSpec;
import dev.isthmus.nn.ReLU;
import dev.isthmus.nn.Sequential;
import dev.isthmus.tensor.Rng;
import dev.isthmus.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a service sees of a Predictor: loading, shapes, bad input, classification, ownership. */
class PredictorTest {
    @TempDir
    Path dir;

    private static float[] digits(int batch, long seed) {
        Rng rng = new Rng(seed);
        float[] x = new float[batch * 784];
        for (int i = 0; i < x.length; i++) {
            x[i] = rng.nextFloat();
        }
        return x;
    }

    private static float[] eval(Sequential model, float[] x, int batch) {
        model.eval();
        try (Tensor t = Tensor.of(x, batch, 1, 28, 28)) {
            return model.forward(t).toArray();
        }
    }

    @Test
    void predictsWhatTheModelComputesInEvaluationMode() {
        try (Sequential lenet = CourseModels.lenet5(10, 3); Predictor p = Predictor.of(lenet, 1, 28, 28)) {
            float[] x = digits(5, 1);
            assertArrayEquals(eval(lenet, x, 5), p.predict(x, 5));
            assertArrayEquals(new int[]{1, 28, 28}, p.inputShape());
            assertArrayEquals(new int[]{10}, p.outputShape());
        }
    }

    @Test
    void dropoutIsOffAndTheModelsModeIsLeftAlone() {
        try (Sequential mlp = new Sequential(new Linear(4, 8), new ReLU(), new Dropout(0.5f), new Linear(8, 2));
             Predictor p = Predictor.of(mlp)) {
            mlp.train();
            float[] x = {1, 2, 3, 4};
            float[] first = p.predict(x, 1);
            assertArrayEquals(first, p.predict(x, 1), "no dropout mask is drawn");
            assertTrue(mlp.isTraining());
            mlp.eval();
            try (Tensor t = Tensor.of(x, 1, 4)) {
                assertArrayEquals(mlp.forward(t).toArray(), first);
            }
        }
    }

    @Test
    void aWrongInputLengthNamesBothShapes() {
        try (Sequential lenet = CourseModels.lenet5(10, 3); Predictor p = Predictor.of(lenet, 1, 28, 28)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.predict(new float[784 * 2], 1));
            assertEquals("Predictor expects input [1, 1, 28, 28] (784 floats), got 1568 floats ([2, 1, 28, 28])", e.getMessage());
            try (Tensor flat = Tensor.zeros(3, 784)) {
                e = assertThrows(IllegalArgumentException.class, () -> p.predict(flat));
                assertEquals("Predictor expects input [N, 1, 28, 28], got [3, 784]", e.getMessage());
            }
            assertThrows(IllegalArgumentException.class, () -> p.predict(new float[784], 1, new float[9]));
            assertThrows(IllegalArgumentException.class, () -> p.predict(new float[0], 0));
        }
    }

    @Test
    void classifyReturnsTheTopClassAndProbabilities() {
        try (Sequential lenet = CourseModels.lenet5(10, 3); Predictor p = Predictor.of(lenet, 1, 28, 28)) {
            float[] x = digits(1, 4);
            float[] logits = p.predict(x, 1);
            Classification c = p.classify(x);
            int best = 0;
            for (int i = 1; i < 10; i++) {
                best = logits[i] > logits[best] ? i : best;
            }
            assertEquals(best, c.label());
            double sum = 0;
            for (float v : c.probabilities()) {
                sum += v;
            }
            assertEquals(1.0, sum, 1e-5);
            assertEquals(c.probabilities()[best], c.confidence());
        }
    }

    @Test
    void loadsAnIsthmusModelFile() throws Exception {
        Path file = dir.resolve("lenet.safetensors");
        float[] x = digits(3, 5), want;
        try (Sequential lenet = CourseModels.lenet5(10, 11)) {
            SafeTensors.save(file, lenet.stateDict(), Map.of(ModelSpec.METADATA_KEY, ModelSpec.toJson(lenet),
                    ModelSpec.INPUT_SHAPE_KEY, "[1,28,28]"));
            want = eval(lenet, x, 3);
        }
        try (Predictor p = Predictor.load(file)) {
            assertArrayEquals(want, p.predict(x, 3));
            assertArrayEquals(new int[]{1, 28, 28}, p.inputShape());
        }
    }

    @Test
    void loadsAStateDictWithoutMetadataThroughAModelSpec() throws Exception {
        Path file = dir.resolve("state_dict.safetensors");
        float[] x = digits(2, 6), want;
        ModelSpec spec;
        try (Sequential lenet = CourseModels.lenet5(10, 12)) {
            SafeTensors.save(file, lenet.stateDict());
            want = eval(lenet, x, 2);
            spec = ModelSpec.parse(ModelSpec.toJson(lenet)).withInputShape(1, 28, 28);
        }
        try (Predictor p = Predictor.load(file, spec)) {
            assertArrayEquals(want, p.predict(x, 2));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Predictor.load(file));
        assertTrue(e.getMessage().contains("Predictor.load(weights, ModelSpec)"), e.getMessage());
        ModelSpec noShape = ModelSpec.parse(spec.json());
        e = assertThrows(IllegalArgumentException.class, () -> Predictor.load(file, noShape));
        assertTrue(e.getMessage().contains("input shape"), e.getMessage());
    }

    @Test
    void aWeightsFileThatDoesNotMatchTheSpecNamesTheFirstKeyAndBothShapes() throws Exception {
        Path file = dir.resolve("mlp.safetensors");
        try (Sequential mlp = new Sequential(new Linear(4, 8), new ReLU(), new Linear(8, 3))) {
            SafeTensors.save(file, mlp.stateDict());
        }
        ModelSpec wider = ModelSpec.of(new Sequential(new Linear(4, 8), new ReLU(), new Linear(8, 5)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Predictor.load(file, wider));
        assertEquals(file + ": tensor '2.weight' has shape [3, 8] in the file, the model expects [5, 8]", e.getMessage());

        Map<String, Tensor> renamed = new LinkedHashMap<>();
        try (Sequential mlp = new Sequential(new Linear(4, 8), new ReLU(), new Linear(8, 3))) {
            mlp.stateDict().forEach((k, v) -> renamed.put(k.replace("2.", "fc2."), v));
            SafeTensors.save(file, renamed);
        }
        ModelSpec same = ModelSpec.of(new Sequential(new Linear(4, 8), new ReLU(), new Linear(8, 3)));
        e = assertThrows(IllegalArgumentException.class, () -> Predictor.load(file, same));
        assertEquals(file + ": the model's parameter '2.weight' [3, 8] is not in the file; the file's first unused tensor is 'fc2.weight' [3, 8]",
                e.getMessage());

        try (Sequential mlp = new Sequential(new Linear(4, 8), new ReLU(), new Linear(8, 3)); Tensor extra = Tensor.zeros(2)) {
            Map<String, Tensor> more = new LinkedHashMap<>(mlp.stateDict());
            more.put("num_batches_tracked", extra);
            SafeTensors.save(file, more);
        }
        e = assertThrows(IllegalArgumentException.class, () -> Predictor.load(file, same));
        assertTrue(e.getMessage().startsWith(file + ": tensor 'num_batches_tracked' [2] is not a parameter of the model"), e.getMessage());
    }

    @Test
    void otherFormatsComeFromTheServiceLoader() throws Exception {
        Path fake = dir.resolve("tiny.fakemodel");
        Files.writeString(fake, "not safetensors");
        try (Predictor p = Predictor.load(fake)) {
            assertArrayEquals(new int[]{3}, p.inputShape());
            assertEquals("test", p.metadata().get("format"));
            assertEquals(2, p.predict(new float[]{1, 2, 3}, 1).length);
        }
        Path onnx = dir.resolve("model.onnx");
        Files.writeString(onnx, "\u0008\u0007");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Predictor.load(onnx));
        assertTrue(e.getMessage().contains("no ModelFormat"), e.getMessage());
    }

    @Test
    void aBareLayerUsedFromASecondThreadFailsNamingThePredictor() throws Exception {
        try (Sequential lenet = CourseModels.lenet5(10, 3); Tensor x = Tensor.of(digits(1, 2), 1, 1, 28, 28)) {
            lenet.forward(x);
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            Thread other = new Thread(() -> {
                try {
                    lenet.forward(x);
                } catch (Throwable t) {
                    thrown.set(t);
                }
            });
            other.start();
            other.join();
            assertTrue(thrown.get() instanceof IllegalStateException, "got " + thrown.get());
            assertTrue(thrown.get().getMessage().contains("dev.isthmus.infer.Predictor"), thrown.get().getMessage());
            lenet.forward(x); // the owner thread goes on
        }
    }

    @Test
    void closeFreesTheWorkspacesAndLaterCallsFail() {
        Sequential lenet = CourseModels.lenet5(10, 3);
        Predictor p = Predictor.of(lenet, 1, 28, 28);
        p.predict(digits(2, 1), 2);
        assertEquals(1, p.workspaces());
        p.close();
        assertEquals(0, p.workspaces());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> p.predict(digits(1, 1), 1));
        assertEquals("Predictor is closed", e.getMessage());
        try (Tensor x = Tensor.of(digits(1, 2), 1, 1, 28, 28)) {
            lenet.forward(x); // a wrapped model stays its owner's
        }
        lenet.close();
    }

    @Test
    void ofNeedsAnInputShapeForAConvolutionalModel() {
        try (Sequential lenet = CourseModels.lenet5(10, 3)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Predictor.of(lenet));
            assertTrue(e.getMessage().startsWith("cannot tell the input shape of a model that starts with Conv2d(1 -> 6"), e.getMessage());
        }
    }
}
