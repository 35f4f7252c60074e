package dev.isthmus.loss;

import dev.isthmus.tensor.Tensor;

/**
 * A loss function with an explicit backward pass: {@link #forward} returns the scalar loss of a batch
 * and keeps what {@link #backward} needs; {@code backward} returns dL/d(input) in a buffer the loss
 * owns (reused from step to step).
 *
 * <p>Targets are tensors: class indices stored as float values in a {@code [N]} tensor for
 * classification losses (exact up to 2^24 classes), values of the input's shape for regression losses.
 */
public interface Loss extends AutoCloseable {

    /** The loss of {@code input} against {@code target}; validates both shapes and names the loss in errors. */
    float forward(Tensor input, Tensor target);

    /** dL/d(input) for the last forward, scaled by {@code scale} (1 normally; 1/steps for accumulation). */
    Tensor backward(float scale);

    /** dL/d(input) for the last forward. */
    default Tensor backward() {
        return backward(1f);
    }

    /** PyTorch-style description, e.g. {@code CrossEntropyLoss(reduction=mean)}. */
    String describe();

    @Override
    default void close() {
    }
}
