package dev.isthmus.nn;

import dev.isthmus.tensor.Tensor;
import dev.isthmus.tensor.TensorBuffer;

import java.lang.foreign.MemorySegment;

/**
 * Base of the element-wise activations: output of the input's shape in a reused buffer (never written
 * over the input, since the layer before may still need its output for its own backward), input
 * gradient in another, and the last input and output kept for backward. While the same input tensor
 * object comes in (a layer's reused output buffer), the same output and gradient tensors are handed
 * out without computing shapes again, so steady steps allocate nothing.
 */
abstract class Elementwise extends Layer {

    /** Per-call state: output and gradient buffers, the last input and output, and view caches. */
    static class State extends LayerState {
        final TensorBuffer output = buffer();
        final TensorBuffer gradInput = buffer();
        /** The last forward's input and output (views of buffers owned by this state or the one before). */
        Tensor lastInput;
        Tensor lastOutput;
        Tensor cacheIn, cacheOut, cacheGradFor, cacheDx;
    }

    /** {@code y = f(x)} over {@code n} elements. */
    abstract void apply(MemorySegment x, MemorySegment y, long n, State s);

    /** {@code dx = f'(x) dy} over {@code n} elements, from the saved input {@code x} and output {@code y}. */
    abstract void applyBackward(MemorySegment x, MemorySegment y, MemorySegment dy, MemorySegment dx, long n, State s);

    @Override
    public LayerState newState() {
        return new State();
    }

    @Override
    public int[] outputShape(int... s) {
        return shapeKept(s);
    }

    @Override
    public Tensor forward(Tensor x, LayerState state, boolean keep) {
        State s = stateOf(state, State.class);
        Tensor y;
        if (x == s.cacheIn) {
            y = s.cacheOut;
        } else {
            y = s.output.get(outputShape(x.shape()));
            s.cacheIn = x;
            s.cacheOut = y;
        }
        apply(x.segment(), y.segment(), x.size(), s);
        keep(s, keep, x, y);
        return y;
    }

    /** Records (or, for an inference pass, forgets) what backward reads. */
    static void keep(State s, boolean keep, Tensor x, Tensor y) {
        s.lastInput = keep ? x : null;
        s.lastOutput = keep ? y : null;
    }

    @Override
    public Tensor backward(Tensor dy, LayerState state) {
        State s = stateOf(state, State.class);
        Tensor x = checkGradient(dy, s);
        if (!inputGradNeeded()) {
            return null;
        }
        Tensor dx;
        if (x == s.cacheGradFor) {
            dx = s.cacheDx;
        } else {
            dx = s.gradInput.get(x.shape());
            s.cacheGradFor = x;
            s.cacheDx = dx;
        }
        applyBackward(x.segment(), s.lastOutput.segment(), dy.segment(), dx.segment(), dy.size(), s);
        return dx;
    }

    /** Validates {@code dy} against the last forward and returns that forward's input. */
    final Tensor checkGradient(Tensor dy, State s) {
        if (s.lastInput == null) {
            throw new IllegalStateException(describe() + ": backward before forward");
        }
        if (!dy.sameShape(s.lastOutput)) {
            throw shapeError("gradient " + s.lastOutput.shapeString(), dy.shape(), "it must match the last forward output");
        }
        return s.lastInput;
    }
}
