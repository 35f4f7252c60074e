package dev.isthmus.samples.data;

import dev.isthmus.data.Datasets;
import dev.isthmus.data.TensorDataset;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The bundled MNIST subset loads from the classpath and matches what its README states. */
class MnistSubsetTest {

    private static final String DIR = "dev/isthmus/samples/data/mnist-subset/";

    @Test
    void bundledSubsetMatchesItsReadme() throws IOException {
        try (TensorDataset ds = Datasets.fromIdxResources(MnistSubsetTest.class.getClassLoader(),
                DIR + "images-idx3-ubyte.gz", DIR + "labels-idx1-ubyte.gz", 10)) {
            assertEquals(10_000, ds.size());
            assertArrayEquals(new int[]{1, 28, 28}, ds.featureShape());
            assertArrayEquals(new int[]{1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978}, ds.classCounts());
            assertArrayEquals(new int[]{8, 4, 8, 1, 4, 4, 7, 8, 2, 0, 6, 1, 6, 1, 0, 9, 2, 1, 8, 3},
                    Arrays.copyOf(ds.labels(), 20));
            float[] x = ds.features().toArray();
            float min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
            double sum = 0;
            for (float v : x) {
                min = Math.min(min, v);
                max = Math.max(max, v);
                sum += v;
            }
            assertEquals(0f, min);
            assertEquals(1f, max);
            double mean = sum / x.length;
            // MNIST's mean pixel is about 0.13 (the usual Normalize((0.1307,), (0.3081,))).
            assertTrue(mean > 0.11 && mean < 0.15, "mean pixel " + mean);
        }
    }
}
