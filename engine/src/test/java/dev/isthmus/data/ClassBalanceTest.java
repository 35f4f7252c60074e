package dev.isthmus.data;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClassBalanceTest {

    private static final int[] LABELS = {0, 0, 0, 0, 0, 0, 1, 1, 3, 0, 1, 0}; // 8 zeros, 3 ones, no 2, one 3

    @Test
    void countsAndInverseFrequencyWeights() {
        try (TensorDataset ds = TestData.withLabels(LABELS, 4)) {
            assertArrayEquals(new int[]{8, 3, 0, 1}, ClassBalance.counts(ds));
            double[] w = ClassBalance.inverseFrequencyWeights(ds);
            assertEquals(1.0 / 8, w[0]);
            assertEquals(1.0 / 3, w[6]);
            assertEquals(1.0, w[8]);
            double[] perClass = new double[4];
            for (int i = 0; i < LABELS.length; i++) {
                perClass[LABELS[i]] += w[i];
            }
            assertArrayEquals(new double[]{1, 1, 0, 1}, perClass, 1e-12, "each present class gets the same total weight");
        }
    }

    @Test
    void oversamplingBringsEveryPresentClassToTheLargest() {
        try (TensorDataset ds = TestData.withLabels(LABELS, 4)) {
            int[] idx = ClassBalance.oversample(ds, 5);
            Subset balanced = ds.subset(idx);
            assertArrayEquals(new int[]{8, 8, 0, 8}, balanced.classCounts());
            for (int i = 0; i < LABELS.length; i++) {
                final int k = i;
                assertTrue(Arrays.stream(idx).anyMatch(j -> j == k), "every original sample is kept: " + i);
            }
            assertArrayEquals(idx, ClassBalance.oversample(ds, 5));
        }
    }

    @Test
    void undersamplingBringsEveryPresentClassToTheSmallest() {
        try (TensorDataset ds = TestData.withLabels(LABELS, 4)) {
            int[] idx = ClassBalance.undersample(ds, 5);
            assertArrayEquals(new int[]{1, 1, 0, 1}, ds.subset(idx).classCounts());
            assertEquals(3, Arrays.stream(idx).distinct().count(), "without replacement");
            assertArrayEquals(idx, ClassBalance.undersample(ds, 5));
        }
    }
}
