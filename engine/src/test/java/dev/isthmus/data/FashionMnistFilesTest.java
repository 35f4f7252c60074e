package dev.isthmus.data;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * An extra check on the real Fashion-MNIST files where a machine has them installed; the IDX reader's own tests
 * ({@link IdxTest}) write their files and run everywhere. Reads the test set and the training labels (the 26 MB
 * training images would only add time).
 */
class FashionMnistFilesTest {

    private static final Path DIR = Path.of("/usr/share/datasets/fashion-mnist");

    @Test
    void readsTheRealFiles() throws IOException {
        assumeTrue(Files.isRegularFile(DIR.resolve("t10k-images-idx3-ubyte.gz")), "Fashion-MNIST is not installed here");
        int[] trainLabels = Idx.readLabels(DIR.resolve("train-labels-idx1-ubyte.gz"), 10);
        assertEquals(60_000, trainLabels.length);
        // Reference values read with Python's gzip module: the first labels, and image 0's pixel sum and centre.
        assertArrayEquals(new int[]{9, 0, 0, 3, 0, 2, 7, 2, 5, 5}, Arrays.copyOf(trainLabels, 10));
        try (TensorDataset test = Datasets.fromIdx(DIR.resolve("t10k-images-idx3-ubyte.gz"),
                DIR.resolve("t10k-labels-idx1-ubyte.gz"), 10)) {
            assertEquals(10_000, test.size());
            assertArrayEquals(new int[]{1, 28, 28}, test.featureShape());
            int[] perClass = new int[10];
            Arrays.fill(perClass, 1000);
            assertArrayEquals(perClass, test.classCounts());
            assertArrayEquals(new int[]{9, 2, 1, 1, 6, 1, 4, 6, 5, 7}, Arrays.copyOf(test.labels(), 10));
            double sum = 0;
            for (int k = 0; k < 784; k++) {
                sum += test.features().getFlat(k) * 255.0;
            }
            assertEquals(33456, sum, 0.01);
            assertEquals(110 / 255f, test.features().get(0, 0, 14, 14));
        }
    }
}
