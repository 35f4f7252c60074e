package dev.isthmus.data;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SamplersTest {

    @Test
    void randomSamplerGivesAPermutationPerEpoch() {
        RandomSampler s = new RandomSampler(100, 1);
        int[] e0 = s.order(0);
        assertArrayEquals(Splits.identity(100), Arrays.stream(e0).sorted().toArray());
        assertArrayEquals(e0, new RandomSampler(100, 1).order(0));
        assertFalse(Arrays.equals(e0, s.order(1)));
        assertArrayEquals(Splits.identity(5), new SequentialSampler(5).order(3));
    }

    @Test
    void weightedSamplerDrawsInProportionToTheWeights() {
        double[] w = {1, 0, 2, 5, 0, 2};
        int draws = 200_000;
        WeightedRandomSampler s = new WeightedRandomSampler(w, draws, 17);
        int[] order = s.order(0);
        int[] hits = new int[w.length];
        for (int i : order) {
            hits[i]++;
        }
        assertEquals(0, hits[1], "zero weight is never drawn");
        assertEquals(0, hits[4], "zero weight is never drawn");
        double sum = 10;
        for (int i = 0; i < w.length; i++) {
            double expected = draws * w[i] / sum;
            // Five binomial standard deviations.
            double sd = Math.sqrt(draws * (w[i] / sum) * (1 - w[i] / sum));
            assertEquals(expected, hits[i], 5 * sd + 1e-9, "index " + i);
        }
        assertArrayEquals(order, new WeightedRandomSampler(w, draws, 17).order(0), "same seed, same draws");
        assertFalse(Arrays.equals(order, s.order(1)));
    }

    @Test
    void weightedSamplerValidatesWeights() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new WeightedRandomSampler(new double[]{1, -1}, 3, 0));
        assertTrue(e.getMessage().contains("-1.0") && e.getMessage().contains("index 1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new WeightedRandomSampler(new double[]{0, 0}, 3, 0));
        assertThrows(IllegalArgumentException.class, () -> new WeightedRandomSampler(new double[]{Double.NaN}, 3, 0));
        assertThrows(IllegalArgumentException.class, () -> new WeightedRandomSampler(new double[0], 3, 0));
    }

    @Test
    void singleHeavyWeightAmongManyZeros() {
        double[] w = new double[1000];
        w[537] = 1e-3;
        int[] order = new WeightedRandomSampler(w, 1000, 2).order(0);
        assertTrue(Arrays.stream(order).allMatch(i -> i == 537));
    }
}
