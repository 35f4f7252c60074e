package dev.isthmus.nn;

import dev.isthmus.kernel.Activations;

import java.lang.foreign.MemorySegment;

/** Hyperbolic tangent, PyTorch's {@code nn.Tanh}; backward uses the output: {@code 1 - y^2}. */
public class Tanh extends Elementwise {
    @Override
    void apply(MemorySegment x, MemorySegment y, long n, State s) {
        Activations.tanh(x, y, n);
    }

    @Override
    void applyBackward(MemorySegment x, MemorySegment y, MemorySegment dy, MemorySegment dx, long n, State s) {
        Activations.tanhBackward(y, dy, dx, n);
    }

    @Override
    public String describe() {
        return "Tanh()";
    }
}
