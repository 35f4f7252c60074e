package dev.isthmus.optim;

import dev.isthmus.nn.Parameters;

/**
 * Adam, exactly {@code torch.optim.Adam} (amsgrad off): weight decay is L2 added to the gradient
 * ({@code g = g + weight_decay * p}), then {@code m = beta1 m + (1 - beta1) g},
 * {@code v = beta2 v + (1 - beta2) g^2}, and
 * {@code p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)}.
 *
 * <pre>{@code
 * Adam opt = Adam.builder(model.parameters()).lr(1e-3).build();
 * }</pre>
 */
public final class Adam extends AdamBase {

    /** Adam with PyTorch's defaults (lr 1e-3, betas 0.9/0.999, eps 1e-8, no weight decay). */
    public Adam(Parameters params) {
        this(builder(params));
    }

    public Adam(Parameters params, double lr) {
        this(builder(params).lr(lr));
    }

    private Adam(Builder<Adam> b) {
        super("Adam", b, false);
    }

    public static Builder<Adam> builder(Parameters params) {
        return new Builder<>(params, 0, Adam::new);
    }
}
