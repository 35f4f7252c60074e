package dev.isthmus.loss;

/** How per-element losses are combined, as PyTorch's {@code reduction} argument. */
public enum Reduction {
    /** Average over elements (or samples, for classification losses). */
    MEAN,
    /** Sum over elements. */
    SUM
}
