package dev.isthmus.nn;

import dev.isthmus.kernel.Activations;

import java.lang.foreign.MemorySegment;

/** {@code 1 / (1 + exp(-x))}, PyTorch's {@code nn.Sigmoid}; backward uses the output: {@code y (1 - y)}. */
public class Sigmoid extends Elementwise {
    @Override
    void apply(MemorySegment x, MemorySegment y, long n, State s) {
        Activations.sigmoid(x, y, n);
    }

    @Override
    void applyBackward(MemorySegment x, MemorySegment y, MemorySegment dy, MemorySegment dx, long n, State s) {
        Activations.sigmoidBackward(y, dy, dx, n);
    }

    @Override
    public String describe() {
        return "Sigmoid()";
    }
}
