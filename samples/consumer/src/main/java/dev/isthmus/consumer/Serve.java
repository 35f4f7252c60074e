package dev.isthmus.consumer;

import dev.isthmus.io.SafeTensors;
import dev.isthmus.models.CourseModels;
import dev.isthmus.nn.ModelSpec;
import dev.isthmus.nn.Sequential;
import dev.isthmus.kernel.Engine;
import dev.isthmus.tensor.Rng;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;

/**
 * The sample's entry point: {@code Serve [MODEL_FILE] [--images N]} loads a LeNet-5 model file (or writes a
 * freshly initialised one to a temporary file first), classifies N random images and reports the cold
 * start: the time from JVM start to the first prediction, and the prediction rate of the first and the
 * last tenth of the run.
 */
public final class Serve {

    private Serve() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        Path modelFile = null;
        int images = 2000;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--images")) {
                images = Integer.parseInt(args[++i]);
            } else {
                modelFile = Path.of(args[i]);
            }
        }
        if (modelFile == null) {
            modelFile = Files.createTempFile("lenet5-", ".safetensors");
            modelFile.toFile().deleteOnExit();
            try (Sequential net = CourseModels.lenet5(10, 1)) {
                SafeTensors.save(modelFile, net.stateDict(), Map.of(ModelSpec.METADATA_KEY, ModelSpec.toJson(net),
                        ModelSpec.INPUT_SHAPE_KEY, "[1,28,28]"));
            }
        }
        Rng rng = new Rng(5);
        float[][] batch = new float[64][DigitService.PIXELS];
        for (float[] image : batch) {
            for (int p = 0; p < image.length; p++) {
                image[p] = rng.nextFloat();
            }
        }
        try (DigitService service = new DigitService(modelFile)) {
            int[] histogram = new int[10];
            histogram[service.classify(batch[0]).label()]++;
            Instant start = ProcessHandle.current().info().startInstant().orElse(Instant.now());
            long firstMs = Duration.between(start, Instant.now()).toMillis();
            int tenth = Math.max(1, images / 10);
            long t0 = System.nanoTime(), firstTenth = 0, lastTenthStart = 0;
            for (int i = 1; i <= images; i++) {
                histogram[service.classify(batch[i % batch.length]).label()]++;
                if (i == tenth) {
                    firstTenth = System.nanoTime() - t0;
                }
                if (i == images - tenth) {
                    lastTenthStart = System.nanoTime();
                }
            }
            long lastTenth = System.nanoTime() - lastTenthStart;
            int disagreements = concurrentCheck(service, batch, 4);
            System.out.printf(Locale.ROOT, "served %d predictions with %s; classes %s%n", images + 1,
                    Engine.get().openBlas().map(Object::toString).orElse("no OpenBLAS"), java.util.Arrays.toString(histogram));
            System.out.printf(Locale.ROOT, "cold start: first prediction %d ms after JVM start; first tenth %.0f images/s, last tenth %.0f images/s%n",
                    firstMs, tenth / (firstTenth / 1e9), tenth / (lastTenth / 1e9));
            System.out.println("4 threads x " + batch.length + " images: " + disagreements + " answers differ from one thread's");
            if (disagreements != 0) {
                System.exit(1);
            }
        }
    }

    /** Classifies the batch on {@code threads} threads at once; counts answers that differ from one thread's. */
    private static int concurrentCheck(DigitService service, float[][] batch, int threads) throws InterruptedException {
        int[] reference = new int[batch.length];
        for (int i = 0; i < batch.length; i++) {
            reference[i] = service.classify(batch[i]).label();
        }
        java.util.concurrent.atomic.AtomicInteger differ = new java.util.concurrent.atomic.AtomicInteger();
        Thread[] workers = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            workers[t] = Thread.ofPlatform().start(() -> {
                for (int i = 0; i < batch.length; i++) {
                    if (service.classify(batch[i]).label() != reference[i]) {
                        differ.incrementAndGet();
                    }
                }
            });
        }
        for (Thread w : workers) {
            w.join();
        }
        return differ.get();
    }
}
