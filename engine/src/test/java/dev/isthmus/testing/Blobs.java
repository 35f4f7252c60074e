package dev.isthmus.testing;

import dev.isthmus.data.Dataset;
import dev.isthmus.data.TensorDataset;
import dev.isthmus.tensor.Rng;
import dev.isthmus.tensor.Tensor;

/** Three Gaussian blobs in 4-D, the tests' small classification problem: sample {@code i} is class {@code i mod 3}. */
public final class Blobs {
    private Blobs() {
    }

    /**
     * Feature {@code j} of a sample of class {@code c} is {@code N(2, 0.25)} where {@code j == c}, else
     * {@code N(background, 0.25)}; with {@code shuffleLabels} the labels are shuffled afterwards, so they are
     * noise and validation loss soon rises.
     */
    public static Dataset of(int n, long seed, double background, boolean shuffleLabels) {
        Rng rng = new Rng(seed);
        Tensor x = Tensor.zeros(n, 4);
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % 3;
            for (int j = 0; j < 4; j++) {
                x.set((float) (rng.nextGaussian() * 0.5 + (j == y[i] ? 2.0 : background)), i, j);
            }
        }
        if (shuffleLabels) {
            new Rng(seed + 1).shuffle(y);
        }
        return TensorDataset.classification(x, y, 3);
    }
}
