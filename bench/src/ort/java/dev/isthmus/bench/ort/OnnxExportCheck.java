package dev.isthmus.bench.ort;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.isthmus.models.CourseModels;
import dev.isthmus.nn.AvgPool2d;
import dev.isthmus.nn.Conv2d;
import dev.isthmus.nn.Dropout;
import dev.isthmus.nn.Flatten;
import dev.isthmus.nn.LeakyReLU;
import dev.isthmus.nn.Linear;
import dev.isthmus.nn.MaxPool2d;
import dev.isthmus.nn.Sequential;
import dev.isthmus.nn.Sigmoid;
import dev.isthmus.nn.Softmax;
import dev.isthmus.nn.Tanh;
import dev.isthmus.nn.Unflatten;
import dev.isthmus.nn.Upsample;
import dev.isthmus.onnx.OnnxExporter;
import dev.isthmus.tensor.Rng;
import dev.isthmus.tensor.Tensor;

import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Checks that what Isthmus exports to ONNX runs in ONNX Runtime 1.22 with Isthmus's outputs: the course's
 * networks (calculator, digits MLP, LeNet-5, the reduced AlexNet, and the full AlexNet unless
 * {@code --skip-alexnet}) and one network with every exportable layer, each exported by
 * {@link OnnxExporter}, run in both on the same random input at batch 1 and 3 (the batch is dynamic), with
 * the largest absolute and relative differences printed. Exits 1 if any relative difference exceeds 1e-4.
 *
 * <pre>mvn -B -ntp -q -Port -pl bench -am -DskipTests package
 * java --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp 'bench/target/classes:bench/target/lib/*' \
 *     dev.isthmus.bench.ort.OnnxExportCheck [--skip-alexnet]</pre>
 */
public final class OnnxExportCheck {
    private static final double TOLERANCE = 1e-4;

    private OnnxExportCheck() {
    }

    record Net(String name, Sequential model, int[] sample) {}

    static Sequential everyLayer() {
        Sequential m = new Sequential(
                new Conv2d(2, 4, 3, 3, 1, 1, 1, 1, false), new LeakyReLU(0.2f),
                new AvgPool2d(3, 3, 2, 2, 1, 1, false), new Upsample(3), new Tanh(), new AvgPool2d(3, 1, 1),
                new MaxPool2d(2, 2, 1, 1, 0, 0), new Sigmoid(), new Flatten(), new Dropout(0.3f),
                new Unflatten(1, 4, 196), new Flatten(), new Linear(784, 6, false), new dev.isthmus.nn.ReLU(),
                new Linear(6, 5), new Softmax(1));
        m.reset(new Rng(3));
        return m;
    }

    public static void main(String[] args) throws Exception {
        boolean skipAlexnet = List.of(args).contains("--skip-alexnet");
        List<Net> nets = new java.util.ArrayList<>(List.of(
                new Net("calculator", CourseModels.calculator(2, 16, 3, CourseModels.Activation.RELU, 1), new int[]{2}),
                new Net("digits MLP", CourseModels.digitsMlp(10, 2), new int[]{1, 28, 28}),
                new Net("LeNet-5", CourseModels.lenet5(10, 3), new int[]{1, 28, 28}),
                new Net("alexnet-small", CourseModels.alexnetSmall(10, 4), new int[]{1, 28, 28}),
                new Net("every layer", everyLayer(), new int[]{2, 9, 9})));
        if (!skipAlexnet) {
            nets.add(new Net("AlexNet", CourseModels.alexnet(1000, 5), new int[]{3, 224, 224}));
        }
        Path dir = Files.createTempDirectory("isthmus-onnx-check");
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        double worst = 0;
        System.out.printf(Locale.ROOT, "%-14s %6s %12s %12s %12s%n", "network", "batch", "max |diff|", "max |out|", "relative");
        for (Net net : nets) {
            Path file = dir.resolve(net.name().replace(' ', '_') + ".onnx");
            try (Sequential model = net.model()) {
                model.eval();
                OnnxExporter.export(model, net.sample(), file);
                try (OrtSession session = env.createSession(file.toString(), new OrtSession.SessionOptions())) {
                    for (int batch : new int[]{1, 3}) {
                        worst = Math.max(worst, compare(env, session, model, net, batch));
                    }
                }
            }
            Files.delete(file);
        }
        Files.delete(dir);
        System.out.printf(Locale.ROOT, "largest relative difference %.3g (tolerance %.0e)%n", worst, TOLERANCE);
        System.exit(worst <= TOLERANCE ? 0 : 1);
    }

    private static double compare(OrtEnvironment env, OrtSession session, Sequential model, Net net, int batch)
            throws OrtException {
        long[] shape = new long[net.sample().length + 1];
        int[] ishape = new int[shape.length];
        shape[0] = ishape[0] = batch;
        int n = batch;
        for (int i = 0; i < net.sample().length; i++) {
            shape[i + 1] = ishape[i + 1] = net.sample()[i];
            n *= net.sample()[i];
        }
        float[] x = new float[n];
        SplittableRandom rng = new SplittableRandom(17 + batch);
        for (int i = 0; i < n; i++) {
            x[i] = (float) rng.nextGaussian();
        }
        float[] want;
        try (Tensor in = Tensor.of(x, ishape)) {
            want = model.forward(in).toArray();
        }
        float[] got;
        try (OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), shape);
             OrtSession.Result r = session.run(Map.of("input", in))) {
            FloatBuffer out = ((OnnxTensor) r.get(0)).getFloatBuffer();
            got = new float[out.remaining()];
            out.get(got);
        }
        if (got.length != want.length) {
            throw new IllegalStateException(net.name() + ": ONNX Runtime gave " + got.length + " values, Isthmus " + want.length);
        }
        double diff = 0, scale = 0;
        for (int i = 0; i < got.length; i++) {
            diff = Math.max(diff, Math.abs((double) got[i] - want[i]));
            scale = Math.max(scale, Math.abs(want[i]));
        }
        double rel = diff / Math.max(scale, 1e-30);
        System.out.printf(Locale.ROOT, "%-14s %6d %12.3g %12.3g %12.3g%n", net.name(), batch, diff, scale, rel);
        return rel;
    }
}
