package dev.isthmus.nn;

import dev.isthmus.kernel.Activations;
import dev.isthmus.tensor.Rng;
import dev.isthmus.tensor.Tensor;
import dev.isthmus.tensor.TensorBuffer;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Locale;

/**
 * Inverted dropout, PyTorch's {@code nn.Dropout(p)}: in training mode each element is zeroed with
 * probability {@code p} and the kept ones are scaled by {@code 1 / (1 - p)}, so evaluation mode is the
 * identity (the input tensor itself is returned, no copy).
 *
 * <p>The mask (holding 0 or {@code 1 / (1 - p)}) is drawn from this layer's {@link Rng}, a fixed default
 * seed unless one is given or set, so runs repeat exactly; it is kept in a reused buffer of the call's state for backward,
 * which multiplies the gradient by the same mask.
 */
public class Dropout extends Layer implements Stochastic {
    /** Seed of the generator used when none is given. */
    public static final long DEFAULT_SEED = 0x5EEDD5L;
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private final float p;
    private final float keepScale;
    private Rng rng;
    private boolean frozen;

    /** Per-call state: the mask and the output and gradient buffers, with view caches. */
    static final class State extends LayerState {
        final TensorBuffer mask = buffer();
        final TensorBuffer output = buffer();
        final TensorBuffer gradInput = buffer();
        boolean masked;
        boolean maskValid;
        Tensor lastOutput;
        Tensor maskView;
        Tensor cacheIn, cacheOut, cacheDy, cacheDx;
    }

    /** Dropout with probability {@code p}, drawing masks from a generator seeded with {@link #DEFAULT_SEED}. */
    public Dropout(float p) {
        this(p, new Rng(DEFAULT_SEED));
    }

    /**
     * @param p   probability of zeroing an element, in [0, 1)
     * @param rng the generator the masks are drawn from (the layer keeps using this instance)
     * @throws IllegalArgumentException if {@code p} is not in [0, 1)
     */
    public Dropout(float p, Rng rng) {
        if (!(p >= 0f && p < 1f)) {
            throw new IllegalArgumentException("Dropout: p must be in [0, 1), got " + p
                    + (p == 1f ? " (p = 1 would zero every unit; remove the layer or lower p)" : ""));
        }
        this.p = p;
        this.keepScale = 1f / (1f - p);
        this.rng = rng;
    }

    public float p() {
        return p;
    }

    /** Draw future masks from {@code rng} (e.g. restored from a checkpoint). */
    public void setRng(Rng rng) {
        this.rng = rng;
    }

    /** Restarts the mask stream from {@code seed} (the trainer calls this before every step). */
    @Override
    public void reseed(long seed) {
        rng.reseed(seed);
    }

    public Rng rng() {
        return rng;
    }

    /** Testing hook: while frozen, training-mode forwards reuse the last mask instead of drawing a new one. */
    void freezeMask(boolean on) {
        frozen = on;
    }

    /** The mask of the last training-mode {@link #forward(Tensor)} (0 or 1/(1-p) per element), or null if none was applied. */
    Tensor mask() {
        State s = (State) ownStateIfAny();
        return s != null && s.masked ? s.maskView : null;
    }

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
        if (x.rank() < 1) {
            outputShape(x.shape());
        }
        if (!keep || !isTraining() || p == 0f) {
            s.masked = false;
            s.lastOutput = keep ? x : null;
            return x;
        }
        Tensor m, y;
        if (x == s.cacheIn) {
            m = s.maskView;
            y = s.cacheOut;
        } else {
            int[] shape = x.shape();
            m = s.mask.get(shape);
            y = s.output.get(shape);
            s.cacheIn = x;
            s.cacheOut = y;
        }
        if (!frozen || !s.maskValid || m != s.maskView) {
            fillMask(m.segment(), m.size());
            s.maskValid = true;
        }
        s.maskView = m;
        Activations.mul(x.segment(), m.segment(), y.segment(), x.size());
        s.masked = true;
        s.lastOutput = y;
        return y;
    }

    private void fillMask(MemorySegment m, long n) {
        for (long i = 0; i < n; i++) {
            m.setAtIndex(F, i, rng.nextFloat() < p ? 0f : keepScale);
        }
    }

    @Override
    public Tensor backward(Tensor dy, LayerState state) {
        State s = stateOf(state, State.class);
        if (s.lastOutput == null) {
            throw new IllegalStateException(describe() + ": backward before forward");
        }
        if (!dy.sameShape(s.lastOutput)) {
            throw shapeError("gradient " + s.lastOutput.shapeString(), dy.shape(), "it must match the last forward output");
        }
        if (!inputGradNeeded()) {
            return null;
        }
        if (!s.masked) {
            return dy;
        }
        Tensor dx;
        if (dy == s.cacheDy) {
            dx = s.cacheDx;
        } else {
            dx = s.gradInput.get(dy.shape());
            s.cacheDy = dy;
            s.cacheDx = dx;
        }
        Activations.mul(dy.segment(), s.maskView.segment(), dx.segment(), dy.size());
        return dx;
    }

    @Override
    public String describe() {
        return String.format(Locale.ROOT, "Dropout(p=%s)", p);
    }
}
