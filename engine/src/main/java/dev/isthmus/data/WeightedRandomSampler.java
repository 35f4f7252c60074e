package dev.isthmus.data;

import dev.isthmus.tensor.Rng;

/**
 * Draws {@code numSamples} indices per epoch with replacement, index {@code i} with probability proportional to
 * {@code weights[i]}; like {@code torch.utils.data.WeightedRandomSampler(weights, num_samples, replacement=True)}.
 * With {@link ClassBalance#inverseFrequencyWeights} it makes every class equally likely in each batch.
 *
 * <p>Uses Vose's alias method, built once: each draw is O(1) and an epoch allocates nothing but its generator.
 */
public final class WeightedRandomSampler implements Sampler {

    private final int numSamples;
    private final long seed;
    private final double[] probability;
    private final int[] alias;

    public WeightedRandomSampler(double[] weights, int numSamples, long seed) {
        if (weights.length == 0) {
            throw new IllegalArgumentException("WeightedRandomSampler needs at least one weight");
        }
        if (numSamples < 0) {
            throw new IllegalArgumentException("numSamples must be >= 0, got " + numSamples);
        }
        double sum = 0;
        for (int i = 0; i < weights.length; i++) {
            double w = weights[i];
            if (!(w >= 0) || Double.isInfinite(w)) {
                throw new IllegalArgumentException("weight " + w + " at index " + i + " is not a finite non-negative number");
            }
            sum += w;
        }
        if (!(sum > 0)) {
            throw new IllegalArgumentException("weights sum to " + sum + "; at least one must be positive");
        }
        this.numSamples = numSamples;
        this.seed = seed;
        int n = weights.length;
        this.probability = new double[n];
        this.alias = new int[n];
        double[] scaled = new double[n];
        int[] small = new int[n];
        int[] large = new int[n];
        int ns = 0, nl = 0;
        for (int i = 0; i < n; i++) {
            scaled[i] = weights[i] * n / sum;
            if (scaled[i] < 1.0) {
                small[ns++] = i;
            } else {
                large[nl++] = i;
            }
        }
        while (ns > 0 && nl > 0) {
            int s = small[--ns];
            int l = large[--nl];
            probability[s] = scaled[s];
            alias[s] = l;
            scaled[l] = (scaled[l] + scaled[s]) - 1.0;
            if (scaled[l] < 1.0) {
                small[ns++] = l;
            } else {
                large[nl++] = l;
            }
        }
        // What is left has probability 1 up to rounding.
        while (nl > 0) {
            int l = large[--nl];
            probability[l] = 1.0;
            alias[l] = l;
        }
        while (ns > 0) {
            int s = small[--ns];
            probability[s] = scaled[s] > 0 ? 1.0 : 0.0;
            alias[s] = s;
            if (scaled[s] == 0) {
                // A zero weight left over by rounding: send its column to some positive index.
                alias[s] = firstPositive(weights);
            }
        }
    }

    private static int firstPositive(double[] w) {
        for (int i = 0; i < w.length; i++) {
            if (w[i] > 0) {
                return i;
            }
        }
        throw new AssertionError();
    }

    @Override
    public int length() {
        return numSamples;
    }

    @Override
    public void fill(int epoch, int[] out) {
        if (out.length != numSamples) {
            throw new IllegalArgumentException("order buffer of " + out.length + " for a sampler of " + numSamples);
        }
        Rng rng = Seeds.rng(seed, epoch, Seeds.WEIGHTED);
        int n = probability.length;
        for (int i = 0; i < numSamples; i++) {
            int column = rng.nextInt(n);
            out[i] = rng.nextDouble() < probability[column] ? column : alias[column];
        }
    }
}
