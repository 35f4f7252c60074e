package dev.isthmus.loss;

import dev.isthmus.tensor.Tensor;
import dev.isthmus.tensor.TensorBuffer;

import java.util.Locale;
import java.util.Objects;

/**
 * Shared state of the losses: the reduction, the reused gradient buffer and the last forward's tensors.
 * The gradient tensor is handed out again while the same input tensor object comes in, so steady steps
 * allocate nothing.
 */
abstract class BaseLoss implements Loss {
    final Reduction reduction;
    final TensorBuffer grad = new TensorBuffer();
    Tensor input;
    Tensor target;
    private Tensor gradFor, gradTensor;

    BaseLoss(Reduction reduction) {
        this.reduction = Objects.requireNonNull(reduction, "reduction");
    }

    public final Reduction reduction() {
        return reduction;
    }

    /** The last forward's input; throws if there was none. */
    final Tensor lastInput() {
        if (input == null) {
            throw new IllegalStateException(describe() + ": backward before forward");
        }
        return input;
    }

    /** The gradient tensor for {@code in}'s shape (same object while {@code in} is the same tensor). */
    final Tensor gradLike(Tensor in) {
        if (in != gradFor) {
            gradTensor = grad.get(in.shape());
            gradFor = in;
        }
        return gradTensor;
    }


    final IllegalArgumentException shapeError(String expected, Tensor in, Tensor tgt, String hint) {
        return new IllegalArgumentException(describe() + " expects " + expected + ", got input " + in.shapeString()
                + " and target " + tgt.shapeString() + (hint == null ? "" : ": " + hint));
    }

    @Override
    public String describe() {
        return getClass().getSimpleName() + "(reduction=" + reduction.name().toLowerCase(Locale.ROOT) + ")";
    }

    @Override
    public void close() {
        grad.close();
        input = target = gradFor = gradTensor = null;
    }
}
