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
    private final TensorBuffer output = new TensorBuffer();
    private final TensorBuffer gradInput = new TensorBuffer();
    /** The last forward's input and output (views of buffers owned by this layer or the one before). */
    Tensor lastInput;
    Tensor lastOutput;
    private Tensor cacheIn, cacheOut, cacheGradFor, cacheDx;

    /** {@code y = f(x)} over {@code n} elements. */
    abstract void apply(MemorySegment x, MemorySegment y, long n);

    /** {@code dx = f'(x) dy} over {@code n} elements, from the saved input {@code x} and output {@code y}. */
    abstract void applyBackward(MemorySegment x, MemorySegment y, MemorySegment dy, MemorySegment dx, long n);

    @Override
    public int[] outputShape(int... s) {
        if (s.length < 1) {
            throw shapeError("a tensor of rank >= 1", s, null);
        }
        return s.clone();
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor y;
        if (x == cacheIn) {
            y = cacheOut;
        } else {
            y = output.get(outputShape(x.shape()));
            cacheIn = x;
            cacheOut = y;
        }
        apply(x.segment(), y.segment(), x.size());
        lastInput = x;
        lastOutput = y;
        return y;
    }

    @Override
    public Tensor backward(Tensor dy) {
        Tensor x = checkGradient(dy);
        if (!inputGradNeeded()) {
            return null;
        }
        Tensor dx;
        if (x == cacheGradFor) {
            dx = cacheDx;
        } else {
            dx = gradInput.get(x.shape());
            cacheGradFor = x;
            cacheDx = dx;
        }
        applyBackward(x.segment(), lastOutput.segment(), dy.segment(), dx.segment(), dy.size());
        return dx;
    }

    /** Validates {@code dy} against the last forward and returns that forward's input. */
    final Tensor checkGradient(Tensor dy) {
        if (lastInput == null) {
            throw new IllegalStateException(describe() + ": backward before forward");
        }
        if (!dy.sameShape(lastOutput)) {
            throw shapeError("gradient " + lastOutput.shapeString(), dy.shape(), "it must match the last forward output");
        }
        return lastInput;
    }


    @Override
    public void close() {
        output.close();
        gradInput.close();
        lastInput = lastOutput = cacheIn = cacheOut = cacheGradFor = cacheDx = null;
        super.close();
    }
}
