package dev.isthmus.consumer;

import dev.isthmus.io.SafeTensors;
import dev.isthmus.models.CourseModels;
import dev.isthmus.natives.BlasSource;
import dev.isthmus.nn.ModelSpec;
import dev.isthmus.nn.Sequential;
import dev.isthmus.kernel.Engine;
import dev.isthmus.tensor.Rng;
import dev.isthmus.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The service answers what the model it was saved from answers, from one thread or eight, on the OpenBLAS
 * that came with the one dependency.
 */
class DigitServiceTest {

    @Test
    void servesTheSavedModelsPredictionsOnTheBundledOpenBlas(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("lenet5.safetensors");
        Rng rng = new Rng(11);
        float[][] images = new float[20][DigitService.PIXELS];
        for (float[] image : images) {
            for (int p = 0; p < image.length; p++) {
                image[p] = rng.nextFloat();
            }
        }
        int[] expected = new int[images.length];
        try (Sequential net = CourseModels.lenet5(10, 1)) {
            SafeTensors.save(file, net.stateDict(), Map.of(ModelSpec.METADATA_KEY, ModelSpec.toJson(net),
                    ModelSpec.INPUT_SHAPE_KEY, "[1,28,28]"));
            net.eval();
            for (int i = 0; i < images.length; i++) {
                try (Tensor x = Tensor.of(images[i], 1, 1, 28, 28)) {
                    float[] logits = net.forward(x).toArray();
                    for (int c = 1; c < 10; c++) {
                        if (logits[c] > logits[expected[i]]) {
                            expected[i] = c;
                        }
                    }
                }
            }
        }
        try (DigitService service = new DigitService(file)) {
            for (int i = 0; i < images.length; i++) {
                assertEquals(expected[i], service.classify(images[i]).label(), "image " + i);
            }
            // Eight request threads at once get the same answers.
            AtomicInteger wrong = new AtomicInteger();
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                threads.add(Thread.ofPlatform().start(() -> {
                    for (int round = 0; round < 5; round++) {
                        for (int i = 0; i < images.length; i++) {
                            if (service.classify(images[i]).label() != expected[i]) {
                                wrong.incrementAndGet();
                            }
                        }
                    }
                }));
            }
            for (Thread t : threads) {
                t.join();
            }
            assertEquals(0, wrong.get(), "answers that differ under 8 threads");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> service.classify(new float[10]));
            assertEquals("expected one 28x28 image (784 floats), got 10", e.getMessage());
        }
        // The one dependency brought OpenBLAS: it was extracted from org.bytedeco:openblas, not found on the system.
        assertTrue(Engine.get().openBlas().isPresent(), "OpenBLAS loaded");
        assertEquals(BlasSource.BUNDLED, Engine.get().openBlas().get().source(), Engine.get().describe());
    }
}
