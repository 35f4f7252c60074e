package dev.isthmus.nn;

import dev.isthmus.kernel.Activations;
import dev.isthmus.tensor.Tensor;

import java.lang.foreign.MemorySegment;

/**
 * {@code max(0, x)}, PyTorch's {@code nn.ReLU}; the gradient is 0 at 0, as in PyTorch.
 *
 * <p>Inside a {@link Sequential}, a ReLU right after a {@link Linear} is fused into it: the Linear
 * applies {@code max(0, .)} in the pass that adds its bias, and this layer hands its input through
 * unchanged (no copy, no extra sweep over memory) and in backward masks the gradient by the sign of
 * that output. Backward needs only the output's sign, so the fused form is exact.
 */
public class ReLU extends Elementwise {
    private boolean fused;

    /** Set by {@link Sequential}: the layer before already applied ReLU to what this layer receives. */
    void setFused(boolean on) {
        fused = on;
    }

    boolean isFused() {
        return fused;
    }

    @Override
    public Tensor forward(Tensor x, LayerState state, boolean keep) {
        if (!fused) {
            return super.forward(x, state, keep);
        }
        if (x.rank() < 1) {
            outputShape(x.shape());
        }
        keep(stateOf(state, State.class), keep, x, x);
        return x;
    }

    @Override
    void apply(MemorySegment x, MemorySegment y, long n, State s) {
        Activations.relu(x, y, n);
    }

    @Override
    void applyBackward(MemorySegment x, MemorySegment y, MemorySegment dy, MemorySegment dx, long n, State s) {
        Activations.reluBackward(y, dy, dx, n);
    }

    @Override
    public String describe() {
        return "ReLU()";
    }
}
