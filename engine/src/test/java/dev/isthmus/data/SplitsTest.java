package dev.isthmus.data;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SplitsTest {

    @Test
    void fractionsRoundLikePyTorch() {
        // Lengths from torch 1.13: [len(s) for s in random_split(range(n), fractions)].
        assertArrayEquals(new int[]{6, 5}, Splits.counts(11, 0.5, 0.5));
        assertArrayEquals(new int[]{4, 3, 3}, Splits.counts(10, 0.33, 0.33, 0.34));
        assertArrayEquals(new int[]{70, 20, 10}, Splits.counts(100, 0.7, 0.2, 0.1));
        assertArrayEquals(new int[]{1, 1, 5}, Splits.counts(7, 0.1, 0.1, 0.8));
        assertArrayEquals(new int[]{801, 100, 100}, Splits.counts(1001, 0.8, 0.1, 0.1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Splits.counts(10, 0.5, 0.4));
        assertTrue(e.getMessage().contains("sum to 0.9"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Splits.counts(10, 1.5, -0.5));
    }

    @Test
    void randomSplitPartitionsReproducibly() {
        try (TensorDataset ds = TestData.classification(103, 3, 2)) {
            Subset[] a = Splits.randomSplit(ds, 11, 0.8, 0.1, 0.1);
            Subset[] b = Splits.randomSplit(ds, 11, 0.8, 0.1, 0.1);
            Subset[] c = Splits.randomSplit(ds, 12, 0.8, 0.1, 0.1);
            assertEquals(3, a.length);
            assertArrayEquals(new int[]{83, 10, 10}, new int[]{a[0].size(), a[1].size(), a[2].size()});
            int[] all = IntStream.concat(IntStream.concat(Arrays.stream(a[0].indices()), Arrays.stream(a[1].indices())),
                    Arrays.stream(a[2].indices())).sorted().toArray();
            assertArrayEquals(Splits.identity(103), all, "disjoint and complete");
            for (int p = 0; p < 3; p++) {
                assertArrayEquals(a[p].indices(), b[p].indices(), "same seed, same split");
            }
            assertFalse(Arrays.equals(a[0].indices(), c[0].indices()), "another seed, another split");
        }
    }

    @Test
    void splitByCounts() {
        try (TensorDataset ds = TestData.classification(10, 2, 1)) {
            Subset[] parts = Splits.randomSplitCounts(ds, 1, 7, 3);
            assertEquals(7, parts[0].size());
            assertEquals(3, parts[1].size());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Splits.randomSplitCounts(ds, 1, 7, 2));
            assertTrue(e.getMessage().contains("sum to 9") && e.getMessage().contains("10 samples"), e.getMessage());
        }
    }

    @Test
    void stratifiedSplitKeepsEveryClassShare() {
        // 1000 samples, imbalanced: class c has 40 * (c + 1) samples for c = 0..3, class 4 the rest (600).
        int[] labels = new int[1000];
        int at = 0;
        for (int c = 0; c < 4; c++) {
            for (int k = 0; k < 40 * (c + 1); k++) {
                labels[at++] = c;
            }
        }
        while (at < labels.length) {
            labels[at++] = 4;
        }
        try (TensorDataset ds = TestData.withLabels(labels, 5)) {
            double[] fractions = {0.7, 0.2, 0.1};
            Subset[] parts = Splits.stratifiedSplit(ds, 3, fractions);
            int[] total = ds.classCounts();
            int covered = 0;
            for (int p = 0; p < parts.length; p++) {
                int[] counts = parts[p].classCounts();
                for (int c = 0; c < 5; c++) {
                    assertEquals(fractions[p] * total[c], counts[c], 1.0, "part " + p + ", class " + c);
                }
                covered += parts[p].size();
            }
            assertEquals(1000, covered);
            int[] all = Arrays.stream(parts).flatMapToInt(s -> Arrays.stream(s.indices())).sorted().toArray();
            assertArrayEquals(Splits.identity(1000), all);
            assertArrayEquals(parts[1].indices(), Splits.stratifiedSplit(ds, 3, fractions)[1].indices());
            int[] firstOfTest = parts[2].indices();
            assertFalse(isSorted(firstOfTest), "each part's order is shuffled, not grouped by class");
        }
    }

    @Test
    void stratifiedSplitNeedsClasses() {
        try (TensorDataset ds = TestData.regression(5)) {
            assertThrows(IllegalArgumentException.class, () -> Splits.stratifiedSplit(ds, 1, 0.5, 0.5));
        }
    }

    private static boolean isSorted(int[] a) {
        for (int i = 1; i < a.length; i++) {
            if (a[i] < a[i - 1]) {
                return false;
            }
        }
        return true;
    }
}
