package dev.isthmus.data;

/** Visits {@code 0, 1, ..., n-1} in every epoch (evaluation loaders). */
public final class SequentialSampler implements Sampler {

    private final int n;

    public SequentialSampler(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("sample count must be >= 0, got " + n);
        }
        this.n = n;
    }

    @Override
    public int length() {
        return n;
    }

    @Override
    public void fill(int epoch, int[] out) {
        for (int i = 0; i < n; i++) {
            out[i] = i;
        }
    }
}
