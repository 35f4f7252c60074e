package dev.isthmus.optim;

import dev.isthmus.nn.Parameters;

/**
 * AdamW, exactly {@code torch.optim.AdamW} (amsgrad off): decoupled weight decay
 * {@code p = p * (1 - lr * weight_decay)} before the Adam update, which then uses the raw gradient.
 * Weight decay defaults to 1e-2 as in PyTorch.
 */
public final class AdamW extends AdamBase {

    /** AdamW with PyTorch's defaults (lr 1e-3, betas 0.9/0.999, eps 1e-8, weight decay 1e-2). */
    public AdamW(Parameters params) {
        this(builder(params));
    }

    public AdamW(Parameters params, double lr) {
        this(builder(params).lr(lr));
    }

    private AdamW(Builder<AdamW> b) {
        super("AdamW", b, true);
    }

    public static Builder<AdamW> builder(Parameters params) {
        return new Builder<>(params, 1e-2, AdamW::new);
    }
}
