package dev.isthmus.nn;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Makes a layer's own-state {@code forward}/{@code backward} fail loudly when two threads use it: the
 * layer's default {@link LayerState} (and the output tensors it hands out) belong to one thread. The first
 * call binds the layer to its thread; a call from another thread throws while that thread is alive (a dead
 * owner's layer may be taken over), and so does any call that overlaps one in progress. One volatile read
 * and a compare-and-set per call; no allocation.
 */
final class CallGuard {
    private static final VarHandle BUSY;

    static {
        try {
            BUSY = MethodHandles.lookup().findVarHandle(CallGuard.class, "busy", Thread.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The thread inside a call right now, or null. */
    @SuppressWarnings("unused")
    private volatile Thread busy;
    /** The thread the default state belongs to. */
    private volatile Thread owner;
    /** Nesting depth of the busy thread's calls (a layer that calls itself through a child). */
    private int depth;

    void enter(Layer layer) {
        Thread me = Thread.currentThread();
        Thread o = owner;
        if (o != me) {
            if (o != null && o.isAlive()) {
                throw misuse(layer, o, me);
            }
            owner = me;
        }
        if (!BUSY.compareAndSet(this, null, me)) {
            Thread b = busy;
            if (b != me) {
                throw misuse(layer, b, me);
            }
        }
        depth++;
    }

    void exit() {
        if (--depth == 0) {
            busy = null;
        }
    }

    /** Forgets the owner thread (the layer's state was freed). */
    void release() {
        owner = null;
    }

    private static IllegalStateException misuse(Layer layer, Thread other, Thread me) {
        return new IllegalStateException(layer.describe() + " is used from thread '" + me.getName()
                + "' while it belongs to thread '" + (other == null ? "?" : other.getName())
                + "': a layer keeps one call's activations, so sharing it between threads gives wrong results; "
                + "serve several threads through dev.isthmus.infer.Predictor (one workspace per call)");
    }
}
