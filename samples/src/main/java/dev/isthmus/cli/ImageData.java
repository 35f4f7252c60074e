package dev.isthmus.cli;

import dev.isthmus.data.Dataset;
import dev.isthmus.data.Datasets;
import dev.isthmus.data.Splits;
import dev.isthmus.data.StandardScaler;
import dev.isthmus.data.Subset;
import dev.isthmus.data.TensorDataset;
import dev.isthmus.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The image data of the digit projects: train, validation and test splits with class names. With no
 * {@code --data}, the bundled 10,000-digit MNIST subset split 8,000/2,000 (seed {@value #SPLIT_SEED}); with a
 * directory, its MNIST-layout IDX files (train and t10k); {@code fashion-mnist} means {@value #FASHION_DIR}.
 * Validation is {@value #VAL_PERCENT}% of the training part, drawn with the same fixed seed, so {@code eval}
 * rebuilds the very test split a run was trained against. Pixels are in [0, 1] ({@link Scaling#UNIT}) or, with
 * {@link Scaling#STANDARD}, standardised in place with one mean and standard deviation over every pixel of the
 * training split ({@link #pixelScaler()}, saved with the model so that {@code eval} and {@code predict} scale alike).
 */
record ImageData(Dataset train, Dataset val, Dataset test, List<String> classNames, String spec, String description,
                 StandardScaler pixelScaler, AutoCloseable owner) implements AutoCloseable {

    /** How pixels reach the model. */
    enum Scaling {
        /** The byte divided by 255: [0, 1]. */
        UNIT,
        /** {@code (x - mean) / std} with the mean and standard deviation of all pixels of the training split. */
        STANDARD;

        static Scaling parse(String s) {
            return switch (s.trim().toLowerCase(Locale.ROOT)) {
                case "unit" -> UNIT;
                case "standard" -> STANDARD;
                default -> null;
            };
        }
    }

    static final String BUNDLED = "mnist-subset";
    static final String FASHION = "fashion-mnist";
    static final String FASHION_DIR = "/usr/share/datasets/fashion-mnist";
    static final long SPLIT_SEED = 42;
    static final int VAL_PERCENT = 10;
    private static final String RESOURCES = "dev/isthmus/samples/data/mnist-subset/";

    static final List<String> DIGITS = List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");
    static final List<String> FASHION_NAMES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    /** Loads {@code spec} (null: the bundled subset) with pixels in [0, 1]; {@code limit > 0} caps every split (for quick runs and tests). */
    static ImageData load(String spec, int limit) throws IOException {
        return load(spec, limit, (StandardScaler) null);
    }

    /** Like {@link #load(String, int)}; {@link Scaling#STANDARD} fits the pixel scaler on the (limited) training split and applies it. */
    static ImageData load(String spec, int limit, Scaling scaling) throws IOException {
        ImageData d = read(spec, limit);
        return scaling == Scaling.STANDARD ? scaledOrClosed(d, null, "the training split's") : d;
    }

    /** Like {@link #load(String, int)}, then scales every split with {@code pixels} (a model's saved scaler; null: none). */
    static ImageData load(String spec, int limit, StandardScaler pixels) throws IOException {
        ImageData d = read(spec, limit);
        return pixels == null ? d : scaledOrClosed(d, pixels, "the model's");
    }

    /** {@code d} scaled by {@code s} (null: fitted on its training split); on failure {@code d} is closed. */
    private static ImageData scaledOrClosed(ImageData d, StandardScaler s, String whose) {
        try {
            return d.scaled(s != null ? s : fitPixels(d.train), whose);
        } catch (RuntimeException e) {
            try {
                d.close();
            } catch (Exception suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    private static ImageData read(String spec, int limit) throws IOException {
        TensorDataset all = null;
        Datasets.TrainTest tt = null;
        Dataset trainPart;
        Dataset test;
        String canonical;
        String description;
        List<String> names;
        if (spec == null || spec.isBlank() || spec.equals(BUNDLED)) {
            all = Datasets.fromIdxResources(ImageData.class.getClassLoader(), RESOURCES + "images-idx3-ubyte.gz",
                    RESOURCES + "labels-idx1-ubyte.gz", Datasets.MNIST_CLASSES);
            Subset[] s = Splits.randomSplitCounts(all, SPLIT_SEED, 8_000, 2_000);
            trainPart = s[0];
            test = s[1];
            canonical = BUNDLED;
            description = "bundled MNIST subset (10,000 digits, seeded 8,000/2,000 train/test split)";
            names = DIGITS;
        } else {
            Path dir = spec.equals(FASHION) ? Path.of(FASHION_DIR) : Path.of(spec);
            if (!Files.isDirectory(dir)) {
                throw new CliException(spec.equals(FASHION)
                        ? "Fashion-MNIST is not installed at " + FASHION_DIR + " (put its four IDX files there, or pass --data DIR)"
                        : "data directory not found: " + dir);
            }
            try {
                tt = Datasets.mnistFromIdx(dir);
            } catch (NoSuchFileException e) {
                throw new CliException("missing data file " + e.getFile() + " (a data directory holds train-images-idx3-ubyte, "
                        + "train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte, each optionally .gz)", e);
            }
            trainPart = tt.train();
            test = tt.test();
            canonical = spec.equals(FASHION) ? FASHION : dir.toAbsolutePath().normalize().toString();
            boolean fashion = spec.equals(FASHION) || dir.toAbsolutePath().toString().toLowerCase(Locale.ROOT).contains("fashion");
            names = fashion ? FASHION_NAMES : DIGITS;
            description = (fashion ? "Fashion-MNIST" : "IDX data") + " from " + dir + " (train " + tt.train().size()
                    + ", test " + tt.test().size() + ")";
        }
        int[] trainVal = Splits.counts(trainPart.size(), (100 - VAL_PERCENT) / 100.0, VAL_PERCENT / 100.0);
        Subset[] tv = Splits.randomSplitCounts(trainPart, SPLIT_SEED, trainVal[0], trainVal[1]);
        Dataset train = tv[0];
        Dataset val = tv[1];
        if (limit > 0) {
            train = head(train, limit);
            val = head(val, Math.max(1, limit / 5));
            test = head(test, limit);
            description += "; limited to " + train.size() + "/" + val.size() + "/" + test.size() + " samples";
        }
        AutoCloseable owner = all != null ? all : tt;
        return new ImageData(train, val, test, names, canonical, description, null, owner);
    }

    /**
     * One mean and one (population) standard deviation over every pixel of {@code train}, as a one-feature scaler:
     * it applies to any image shape, and unlike a per-pixel scaler it cannot blow up a border pixel that is
     * (almost) always 0 in training.
     */
    static StandardScaler fitPixels(Dataset train) {
        if (train.size() == 0) {
            throw new CliException("cannot standardise pixels: the training split is empty");
        }
        double sum = 0;
        double sumSq = 0;
        try (Tensor buf = Tensor.zeros(train.featureShape())) {
            int f = Math.toIntExact(buf.size());
            float[] row = new float[f];
            for (int i = 0; i < train.size(); i++) {
                train.copyFeatures(i, buf.segment(), 0);
                MemorySegment.copy(buf.segment(), ValueLayout.JAVA_FLOAT_UNALIGNED, 0, row, 0, f);
                for (float v : row) {
                    sum += v;
                    sumSq += (double) v * v;
                }
            }
            long n = (long) train.size() * f;
            double mean = sum / n;
            double std = Math.sqrt(Math.max(0, sumSq / n - mean * mean));
            if (!(std > 0)) {
                throw new CliException("cannot standardise pixels: every pixel of the training split is " + mean);
            }
            return StandardScaler.of(new float[]{(float) mean}, new float[]{(float) std});
        }
    }

    /** This data with every split's pixels scaled in place by {@code s} (a one-feature scaler). */
    private ImageData scaled(StandardScaler s, String whose) {
        if (pixelScaler != null) {
            throw new IllegalStateException("pixels are already scaled");
        }
        if (s.features() != 1) {
            throw new CliException("the pixel scaler must have one mean and one std, got " + s.features() + " features");
        }
        if (owner instanceof TensorDataset all) {
            s.transform(all.features());
        } else if (owner instanceof Datasets.TrainTest tt) {
            s.transform(tt.train().features());
            s.transform(tt.test().features());
        } else {
            throw new IllegalStateException("unknown image storage " + owner);
        }
        String how = String.format(Locale.ROOT, "; pixels standardised with %s mean %.4f and std %.4f", whose, s.mean()[0], s.std()[0]);
        return new ImageData(train, val, test, classNames, spec, description + how, s, owner);
    }

    private static Dataset head(Dataset d, int n) {
        if (d.size() <= n) {
            return d;
        }
        int[] idx = new int[n];
        Arrays.setAll(idx, i -> i);
        return new Subset(d, idx);
    }

    int numClasses() {
        return train.numClasses();
    }

    /** Per-class sample counts of a split. */
    static int[] classCounts(Dataset d) {
        int[] c = new int[d.numClasses()];
        for (int i = 0; i < d.size(); i++) {
            c[d.label(i)]++;
        }
        return c;
    }

    /** The class distribution of the three splits as a table. */
    String distribution() {
        int[][] counts = {classCounts(train), classCounts(val), classCounts(test)};
        int w = 5;
        for (String n : classNames) {
            w = Math.max(w, n.length());
        }
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-" + w + "s  %8s %8s %8s%n", "class", "train", "val", "test"));
        List<int[]> rows = new ArrayList<>(Arrays.asList(counts));
        for (int c = 0; c < classNames.size(); c++) {
            sb.append(String.format(Locale.ROOT, "%-" + w + "s  %8d %8d %8d%n", classNames.get(c),
                    c < rows.get(0).length ? rows.get(0)[c] : 0, c < rows.get(1).length ? rows.get(1)[c] : 0,
                    c < rows.get(2).length ? rows.get(2)[c] : 0));
        }
        sb.append(String.format(Locale.ROOT, "%-" + w + "s  %8d %8d %8d%n", "total", train.size(), val.size(), test.size()));
        return sb.toString();
    }

    @Override
    public void close() throws Exception {
        owner.close();
    }
}
