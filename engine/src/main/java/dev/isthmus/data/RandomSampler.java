package dev.isthmus.data;

/**
 * A fresh random permutation of {@code 0..n-1} in every epoch (what {@code shuffle=True} does in PyTorch), drawn
 * from a stream that depends only on the seed and the epoch number.
 */
public final class RandomSampler implements Sampler {

    private final int n;
    private final long seed;

    public RandomSampler(int n, long seed) {
        if (n < 0) {
            throw new IllegalArgumentException("sample count must be >= 0, got " + n);
        }
        this.n = n;
        this.seed = seed;
    }

    @Override
    public int length() {
        return n;
    }

    @Override
    public void fill(int epoch, int[] out) {
        if (out.length != n) {
            throw new IllegalArgumentException("order buffer of " + out.length + " for a sampler of " + n);
        }
        for (int i = 0; i < n; i++) {
            out[i] = i;
        }
        Seeds.rng(seed, epoch, Seeds.SHUFFLE).shuffle(out);
    }
}
