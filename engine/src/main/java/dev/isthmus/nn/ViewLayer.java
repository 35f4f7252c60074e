package dev.isthmus.nn;

import dev.isthmus.tensor.Tensor;

import java.util.Arrays;

/**
 * Base of the shape-only layers ({@link Flatten}, {@link Reshape}, {@link Unflatten}): forward and backward
 * are zero-copy views of the same memory (tensors are contiguous). The view of the last input and of the
 * last gradient are kept and handed out again while the same tensor objects come in, so a steady
 * training loop allocates nothing here.
 */
abstract class ViewLayer extends Layer {

    /** Per-call state: the views of the last input and gradient, handed out again for the same tensors. */
    static final class State extends LayerState {
        Tensor lastIn, lastOut, lastDy, lastDx;
        int[] inShape, outShape;
        boolean kept;
    }

    @Override
    public LayerState newState() {
        return new State();
    }

    @Override
    public Tensor forward(Tensor x, LayerState state, boolean keep) {
        State s = stateOf(state, State.class);
        if (x != s.lastIn) {
            int[] shape = x.shape();
            int[] o = outputShape(shape);
            s.lastOut = x.reshape(o);
            s.lastIn = x;
            s.inShape = shape;
            s.outShape = o;
            s.lastDy = null;
            s.lastDx = null;
        }
        s.kept = keep;
        return s.lastOut;
    }

    @Override
    public Tensor backward(Tensor dy, LayerState state) {
        State s = stateOf(state, State.class);
        if (!s.kept) {
            throw new IllegalStateException(describe() + ": backward before forward");
        }
        if (dy != s.lastDy) {
            if (!dy.hasShape(s.outShape)) {
                throw shapeError("gradient " + Arrays.toString(s.outShape), dy.shape(), "it must match the last forward output");
            }
            s.lastDy = dy;
            s.lastDx = dy.reshape(s.inShape);
        }
        return inputGradNeeded() ? s.lastDx : null;
    }

    /** Product of {@code s[from..to]} inclusive. */
    static int product(int[] s, int from, int to) {
        long p = 1;
        for (int i = from; i <= to; i++) {
            p *= s[i];
        }
        return Math.toIntExact(p);
    }

    /**
     * {@code sizes} with a {@code -1} replaced so that they multiply to {@code total}, or null if they cannot;
     * the caller turns null into its shape error.
     */
    static int[] resolve(int[] sizes, long total) {
        int[] out = sizes.clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < out.length; i++) {
            if (out[i] == -1 && infer < 0) {
                infer = i;
            } else if (out[i] < 0) {
                return null;
            } else {
                known *= out[i];
            }
        }
        if (infer >= 0) {
            if (known == 0 || total % known != 0) {
                return null;
            }
            out[infer] = Math.toIntExact(total / known);
        } else if (known != total) {
            return null;
        }
        return out;
    }

    static void checkSizes(String layer, int[] sizes) {
        int unknown = 0;
        for (int d : sizes) {
            if (d == -1) {
                unknown++;
            } else if (d < 1) {
                throw new IllegalArgumentException(layer + ": sizes must be >= 1 (or one -1), got " + Arrays.toString(sizes));
            }
        }
        if (unknown > 1) {
            throw new IllegalArgumentException(layer + ": at most one size can be -1, got " + Arrays.toString(sizes));
        }
    }
}
