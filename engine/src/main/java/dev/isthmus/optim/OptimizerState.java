package dev.isthmus.optim;

import dev.isthmus.tensor.Tensor;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Everything an optimizer carries from step to step, for training checkpoints: which optimizer
 * ({@code kind}: {@code SGD}, {@code Adam}, {@code AdamW}), the step count, the learning rate, its
 * hyper-parameters (PyTorch's param_group names: {@code momentum}, {@code weight_decay}, {@code beta1},
 * ...; booleans as 0/1) and its buffers as flat tensors laid out like {@code Parameters.data()}, keyed by
 * PyTorch's state names ({@code momentum_buffer}, {@code exp_avg}, {@code exp_avg_sq}).
 *
 * <p>{@link Optimizer#state()} returns live views of the optimizer's buffers (as PyTorch's
 * {@code state_dict()} returns references): write them out before the next step, or take a
 * {@link #copy()}, which owns its memory and is freed by {@link #close()}.
 */
public record OptimizerState(String kind, long step, double lr, Map<String, Double> hyper, Map<String, Tensor> buffers)
        implements AutoCloseable {

    public OptimizerState {
        hyper = Collections.unmodifiableMap(new LinkedHashMap<>(hyper));
        buffers = Collections.unmodifiableMap(new LinkedHashMap<>(buffers));
    }

    /** A deep copy whose buffers own their memory (a snapshot that later steps do not change). */
    public OptimizerState copy() {
        Map<String, Tensor> copies = new LinkedHashMap<>();
        buffers.forEach((k, t) -> copies.put(k, t.copy()));
        return new OptimizerState(kind, step, lr, hyper, copies);
    }

    /** Frees the buffers this state owns (those of a {@link #copy()}); views are left alone. */
    @Override
    public void close() {
        for (Tensor t : buffers.values()) {
            t.close();
        }
    }
}
