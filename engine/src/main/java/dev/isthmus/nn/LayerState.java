package dev.isthmus.nn;

import dev.isthmus.tensor.TensorBuffer;

import java.util.ArrayList;
import java.util.List;

/**
 * The per-call state of one layer: its output and input-gradient buffers, what its forward keeps for
 * backward (the input, argmax indices, a dropout mask) and its kernels' scratch. Made by
 * {@link Layer#newState()}, owned by whoever made it and used by one thread at a time; the layer itself
 * holds only parameters, shape and dispatch, so several states let several threads run one model with
 * shared, read-only weights ({@link dev.isthmus.infer.Predictor}). A container's state holds its
 * children's ({@link Sequential}). Buffers are sized on first use per batch shape and reused.
 *
 * <p>{@link #close()} frees every buffer made through {@link #buffer()} and every resource passed to
 * {@link #own}; the tensors handed out from them are invalid afterwards.
 */
public class LayerState implements AutoCloseable {
    private final List<AutoCloseable> owned = new ArrayList<>();
    private boolean closed;

    /** An empty state, for a layer that keeps nothing per call; subclasses add their buffers. */
    public LayerState() {
    }

    /** A buffer that this state owns and frees on close. */
    protected final TensorBuffer buffer() {
        return own(new TensorBuffer());
    }

    /** Takes ownership of {@code resource}: it is closed with this state. */
    protected final <T extends AutoCloseable> T own(T resource) {
        owned.add(resource);
        return resource;
    }

    /** Whether {@link #close()} ran. */
    public final boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (int i = owned.size() - 1; i >= 0; i--) {
            try {
                owned.get(i).close();
            } catch (Exception e) {
                throw new IllegalStateException("closing a layer state failed", e);
            }
        }
        owned.clear();
    }
}
