package dev.isthmus.data;

import dev.isthmus.tensor.Tensor;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Ready-made datasets: MNIST-format directories (MNIST, Fashion-MNIST) and IDX pairs from files or classpath
 * resources, as {@link TensorDataset}s of images {@code [N, 1, rows, columns]} in {@code [0, 1]} with class labels.
 */
public final class Datasets {

    /** MNIST and Fashion-MNIST have ten classes. */
    public static final int MNIST_CLASSES = 10;

    private Datasets() {
    }

    /** A training and a test dataset; closing it frees both. */
    public record TrainTest(TensorDataset train, TensorDataset test) implements AutoCloseable {
        @Override
        public void close() {
            train.close();
            test.close();
        }
    }

    /**
     * Reads a directory in MNIST's layout: {@code train-images-idx3-ubyte}, {@code train-labels-idx1-ubyte},
     * {@code t10k-images-idx3-ubyte} and {@code t10k-labels-idx1-ubyte}, each raw or with a {@code .gz} suffix
     * (the content, not the suffix, decides whether it is decompressed).
     */
    public static TrainTest mnistFromIdx(Path dir) throws IOException {
        TensorDataset train = fromIdx(find(dir, "train-images-idx3-ubyte"), find(dir, "train-labels-idx1-ubyte"), MNIST_CLASSES);
        try {
            TensorDataset test = fromIdx(find(dir, "t10k-images-idx3-ubyte"), find(dir, "t10k-labels-idx1-ubyte"), MNIST_CLASSES);
            return new TrainTest(train, test);
        } catch (IOException | RuntimeException e) {
            train.close();
            throw e;
        }
    }

    /** An images file and a labels file that must hold the same number of items. */
    public static TensorDataset fromIdx(Path images, Path labels, int numClasses) throws IOException {
        int[] y = Idx.readLabels(labels, numClasses);
        Tensor x = Idx.readImages(images);
        return pair(x, images.toString(), y, labels.toString(), numClasses);
    }

    /** Like {@link #fromIdx(Path, Path, int)} from streams (closed here); the names appear in errors. */
    public static TensorDataset fromIdx(InputStream images, String imagesName, InputStream labels, String labelsName,
                                        int numClasses) throws IOException {
        try (images; labels) {
            int[] y = Idx.readLabels(labels, labelsName, numClasses);
            Tensor x = Idx.readImages(images, imagesName);
            return pair(x, imagesName, y, labelsName, numClasses);
        }
    }

    /**
     * An IDX pair from classpath resources of {@code loader}, e.g.
     * {@code "dev/isthmus/samples/data/mnist-subset/images-idx3-ubyte.gz"} (no leading slash).
     */
    public static TensorDataset fromIdxResources(ClassLoader loader, String imagesResource, String labelsResource,
                                                 int numClasses) throws IOException {
        InputStream images = loader.getResourceAsStream(imagesResource);
        if (images == null) {
            throw new IOException("classpath resource not found: " + imagesResource);
        }
        InputStream labels = loader.getResourceAsStream(labelsResource);
        if (labels == null) {
            images.close();
            throw new IOException("classpath resource not found: " + labelsResource);
        }
        return fromIdx(images, imagesResource, labels, labelsResource, numClasses);
    }

    private static TensorDataset pair(Tensor x, String imagesName, int[] y, String labelsName, int numClasses)
            throws MalformedDataException {
        if (x.dim(0) != y.length) {
            int n = x.dim(0);
            x.close();
            throw new MalformedDataException(imagesName, "holds " + n + " images but " + labelsName + " holds "
                    + y.length + " labels");
        }
        return TensorDataset.classification(x, y, numClasses);
    }

    private static Path find(Path dir, String stem) throws IOException {
        Path raw = dir.resolve(stem);
        if (Files.isRegularFile(raw)) {
            return raw;
        }
        Path gz = dir.resolve(stem + ".gz");
        if (Files.isRegularFile(gz)) {
            return gz;
        }
        throw new java.nio.file.NoSuchFileException(raw.toString(), null, "neither " + stem + " nor " + stem + ".gz found in " + dir);
    }
}
