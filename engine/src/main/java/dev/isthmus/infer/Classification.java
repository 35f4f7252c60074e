package dev.isthmus.infer;

/**
 * The answer of {@link Predictor#classify}: the most probable class (the first on ties) and the softmax
 * probabilities of every class. The array belongs to the caller.
 */
public record Classification(int label, float[] probabilities) {
    /** The probability of the predicted class. */
    public float confidence() {
        return probabilities[label];
    }

    /**
     * The answer for one sample's outputs {@code p} (taken over and overwritten): their softmax unless
     * {@code probabilities} says the model already ends with one, and the first most probable class.
     */
    static Classification of(float[] p, boolean probabilities) {
        if (!probabilities) {
            softmaxInPlace(p);
        }
        int best = 0;
        for (int i = 1; i < p.length; i++) {
            if (p[i] > p[best]) {
                best = i;
            }
        }
        return new Classification(best, p);
    }

    static void softmaxInPlace(float[] v) {
        float max = Float.NEGATIVE_INFINITY;
        for (float x : v) {
            max = Math.max(max, x);
        }
        double sum = 0;
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) Math.exp(v[i] - max);
            sum += v[i];
        }
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (v[i] / sum);
        }
    }
}
