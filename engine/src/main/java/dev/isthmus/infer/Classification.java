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
}
