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
 * ({@link IdxTest}) write their files and run everywhere.
 */
class FashionMnistFilesTest {

    private static final Path DIR = Path.of("/usr/share/datasets/fashion-mnist");

    @Test
    void readsTheRealFiles() throws IOException {
        assumeTrue(Files.isRegularFile(DIR.resolve("train-images-idx3-ubyte.gz")), "Fashion-MNIST is not installed here");
        try (Datasets.TrainTest f = Datasets.mnistFromIdx(DIR)) {
            assertEquals(60_000, f.train().size());
            assertEquals(10_000, f.test().size());
            assertArrayEquals(new int[]{1, 28, 28}, f.train().featureShape());
            int[] perClass = new int[10];
            Arrays.fill(perClass, 6000);
            assertArrayEquals(perClass, f.train().classCounts());
            Arrays.fill(perClass, 1000);
            assertArrayEquals(perClass, f.test().classCounts());
            // Reference values read with Python's gzip module: the first labels, and the pixel sum of image 0.
            assertArrayEquals(new int[]{9, 0, 0, 3, 0, 2, 7, 2, 5, 5}, Arrays.copyOf(f.train().labels(), 10));
            assertArrayEquals(new int[]{9, 2, 1, 1, 6, 1, 4, 6, 5, 7}, Arrays.copyOf(f.test().labels(), 10));
            double sum = 0;
            for (int k = 0; k < 784; k++) {
                sum += f.train().features().getFlat(k) * 255.0;
            }
            assertEquals(76247, sum, 0.01);
            assertEquals(217 / 255f, f.train().features().get(0, 0, 14, 14));
        }
    }
}
