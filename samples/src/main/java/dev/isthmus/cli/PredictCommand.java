package dev.isthmus.cli;

import dev.isthmus.data.Idx;
import dev.isthmus.data.MinMaxScaler;
import dev.isthmus.tensor.Tensor;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code isthmus predict FILE INPUT}: for an image model, INPUT is an IDX images file (every image is classified,
 * the first {@code --max} printed) or a PNG/JPEG/BMP/GIF picture, made grayscale and resized to 28x28 (inverted
 * when its background is light, since MNIST draws light strokes on black), then scaled as in training; for the
 * calculator, two numbers
 * like {@code 3,4}.
 */
@Command(name = "predict", description = "Predict with a model file: an IDX file or image for image models, 'A,B' for the calculator.")
final class PredictCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ModelSource model = new ModelSource();

    @Parameters(index = "1", paramLabel = "INPUT", description = "IDX images file, an image file, or 'A,B' for the calculator.")
    String input;

    @Option(names = "--max", description = "Images of an IDX file to print (default: ${DEFAULT-VALUE}).", defaultValue = "10")
    int max;

    @Option(names = "--top", description = "Classes to print per image, most probable first (default: ${DEFAULT-VALUE}).", defaultValue = "3")
    int top;

    @Mixin
    Verbose verbose = new Verbose();

    /** The last predictions (class index per image, or the calculator's value), for the tests. */
    final List<Double> predictions = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        Usage.range(spec, "--max", max, 0, Integer.MAX_VALUE);
        Usage.range(spec, "--top", top, 1, Integer.MAX_VALUE);
        try (ModelFile.Loaded m = model.load()) {
            if (m.regression()) {
                return calculator(m);
            }
            int[] shape = m.inputShape();
            if (shape.length != 3 || shape[0] != 1) {
                throw new CliException("predict handles 1-channel image models; " + model.file + " expects " + java.util.Arrays.toString(shape));
            }
            Path p = Path.of(input);
            if (!Files.isRegularFile(p)) {
                throw new CliException("input file not found: " + input);
            }
            List<String> names = m.classNames();
            Tensor images = isIdx(p) ? Idx.readImages(p) : PictureInput.read(p, shape[1], shape[2]);
            try (images) {
                if (images.dim(2) != shape[1] || images.dim(3) != shape[2]) {
                    throw new CliException(input + " holds " + images.dim(2) + "x" + images.dim(3) + " images; the model expects "
                            + shape[1] + "x" + shape[2]);
                }
                if (m.pixelScaler() != null) {
                    m.pixelScaler().transform(images);
                }
                int n = images.dim(0);
                Tensor out = m.model().forward(images);
                int classes = out.dim(1);
                float[] all = out.toArray();
                for (int i = 0; i < n; i++) {
                    float[] logits = java.util.Arrays.copyOfRange(all, i * classes, (i + 1) * classes);
                    float[] prob = Reports.softmax(logits);
                    int best = Reports.argmax(out, i);
                    predictions.add((double) best);
                    if (i < max) {
                        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%s%s: %s (%.1f%%)",
                                n > 1 ? "image " : "", n > 1 ? Integer.toString(i) : p.getFileName().toString(),
                                name(names, best), 100 * prob[best]));
                        Integer[] order = new Integer[classes];
                        for (int c = 0; c < classes; c++) {
                            order[c] = c;
                        }
                        java.util.Arrays.sort(order, (a, b) -> Float.compare(prob[b], prob[a]));
                        sb.append("   [");
                        for (int r = 0; r < Math.min(top, classes); r++) {
                            sb.append(r > 0 ? ", " : "").append(name(names, order[r]))
                                    .append(String.format(Locale.ROOT, " %.3f", prob[order[r]]));
                        }
                        System.out.println(sb.append(']'));
                    }
                }
                if (n > max) {
                    System.out.println("... " + (n - max) + " more images classified (use --max to print them)");
                }
            }
            return 0;
        }
    }

    private static String name(List<String> names, int c) {
        return names != null && c < names.size() ? names.get(c) : Integer.toString(c);
    }

    private int calculator(ModelFile.Loaded m) {
        String[] parts = input.split(",");
        float[] ab = new float[2];
        try {
            if (parts.length != 2) {
                throw new NumberFormatException();
            }
            ab[0] = Float.parseFloat(parts[0].trim());
            ab[1] = Float.parseFloat(parts[1].trim());
        } catch (NumberFormatException e) {
            throw new CliException("the calculator takes two numbers like 3,4; got '" + input + "'");
        }
        MinMaxScaler xs = m.scaler(ModelFile.X_SCALER);
        MinMaxScaler ys = m.scaler(ModelFile.Y_SCALER);
        try (Tensor x = Tensor.of(ab.clone(), 1, 2)) {
            xs.transform(x);
            float[] y = m.model().forward(x).toArray();
            Reports.inverse(ys, y);
            CalculatorData.Config cfg = CalculatorData.Config.fromJson(m.metadata().getOrDefault(ModelFile.CALCULATOR, "{}"));
            System.out.printf(Locale.ROOT, "%s %s %s = %.4f  (exact %s)%n", fmt(ab[0]), cfg.op() == CalculatorData.Op.ADD ? "+" : "*",
                    fmt(ab[1]), y[0], fmt(cfg.op().apply(ab[0], ab[1])));
            predictions.add((double) y[0]);
        }
        return 0;
    }

    private static String fmt(float v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Float.toString(v);
    }

    private static boolean isIdx(Path p) throws IOException {
        byte[] head = new byte[4];
        try (var in = Files.newInputStream(p)) {
            if (in.readNBytes(head, 0, 4) < 4) {
                return false;
            }
        }
        boolean gzip = (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b;
        boolean idx = head[0] == 0 && head[1] == 0 && head[2] == 0x08;
        return gzip || idx;
    }
}
