package dev.isthmus.nn;

import dev.isthmus.kernel.Window;
import dev.isthmus.kernel.pool.PoolPhases;
import dev.isthmus.kernel.Engine;
import dev.isthmus.runtime.ThreadPool;
import dev.isthmus.tensor.Tensor;
import dev.isthmus.tensor.TensorBuffer;

import java.lang.foreign.MemorySegment;

/**
 * What {@link MaxPool2d} and {@link AvgPool2d} share: the window geometry, its validation (as strict as
 * PyTorch's: kernel and stride >= 1, padding between 0 and half the kernel), output shapes, the per-call
 * {@link State} (output and input-gradient buffers, scratch), and running a kernel over the {@code N * C}
 * planes in parallel when there is enough work.
 */
abstract class Pool2d extends Layer {
    /** Below this many output values per call a single thread is faster than waking the pool. */
    static final long PARALLEL_MIN = 1 << 15;

    final int kh, kw, sh, sw, ph, pw;
    private final Window window;

    /**
     * Per-call state: output and input-gradient buffers, the kernels' per-worker scratch (one plane's stride
     * phases each), the geometry of the last batch shape, max pooling's winner indices, and the plane tasks
     * with the operands of the running pass.
     */
    final class State extends LayerState {
        final TensorBuffer output = buffer();
        final TensorBuffer gradInput = buffer();
        private final TensorBuffer scratch = buffer();
        MemorySegment scratchSeg;
        long scratchSize;
        int[] inShape;
        int[] outShape;
        int geometryThreads;
        int h, w, oh, ow;
        /** Max pooling's winners of the last kept forward (null until one ran). */
        int[] argmax;
        /** Where the running forward writes its winners: {@link #argmax}, or null for an inference pass. */
        int[] winners;
        boolean kept;
        MemorySegment xSeg, ySeg;
        final ThreadPool.RangeTask forwardTask = (start, end, worker) -> forwardPlanes(this, start, end, worker);
        final ThreadPool.RangeTask backwardTask = (start, end, worker) -> backwardPlanes(this, start, end, worker);
    }

    /** The forward kernel over planes {@code [start, end)} of the pass in {@code s}. */
    abstract void forwardPlanes(State s, int start, int end, int worker);

    /** The backward kernel over planes {@code [start, end)} ({@code s.xSeg} is dx, {@code s.ySeg} is dy). */
    abstract void backwardPlanes(State s, int start, int end, int worker);

    Pool2d(int kh, int kw, int sh, int sw, int ph, int pw) {
        this.kh = kh;
        this.kw = kw;
        this.sh = sh;
        this.sw = sw;
        this.ph = ph;
        this.pw = pw;
        this.window = new Window(kh, kw, sh, sw, ph, pw);
        String name = getClass().getSimpleName() + "(" + geometry() + ")";
        window.checkedFor(name);
        if (ph > kh / 2 || pw > kw / 2) {
            throw new IllegalArgumentException(name + ": padding must be at most half the kernel size (padding "
                    + Window.pair(ph, pw) + ", kernel " + Window.pair(kh, kw) + "), as PyTorch requires");
        }
    }

    /** {@code {kh, kw}}. */
    public int[] kernelSize() {
        return new int[]{kh, kw};
    }

    public int[] stride() {
        return new int[]{sh, sw};
    }

    public int[] padding() {
        return new int[]{ph, pw};
    }

    @Override
    public int[] outputShape(int... s) {
        if (s.length != 4) {
            throw shapeError("[N, C, H, W]", s, null);
        }
        if (!window.fits(s[2], s[3])) {
            throw shapeError("[N, C, H, W] with " + window.minInput() + " after padding", s,
                    "the " + Window.pair(kh, kw) + " window must fit the input padded by " + Window.pair(ph, pw));
        }
        return new int[]{s[0], s[1], window.outHeight(s[2]), window.outWidth(s[3])};
    }

    @Override
    public LayerState newState() {
        return new State();
    }

    @Override
    public Tensor forward(Tensor x, LayerState state, boolean keep) {
        State s = stateOf(state, State.class);
        Tensor y = prepare(x, s);
        beforeForward(s, y, keep);
        s.xSeg = x.segment();
        s.ySeg = y.segment();
        forPlanes(s, s.forwardTask);
        s.xSeg = s.ySeg = null;
        s.kept = keep;
        return y;
    }

    /** Sizes what the forward kernel needs beyond the output (max pooling: the index buffer when kept). */
    void beforeForward(State s, Tensor y, boolean keep) {
    }

    @Override
    public Tensor backward(Tensor dy, LayerState state) {
        State s = stateOf(state, State.class);
        Tensor dx = prepareBackward(dy, s);
        if (!inputGradNeeded()) {
            return null;
        }
        s.xSeg = dx.segment();
        s.ySeg = dy.segment();
        forPlanes(s, s.backwardTask);
        s.xSeg = s.ySeg = null;
        return dx;
    }

    /**
     * Validates {@code x}, records its geometry and returns the output buffer for it; allocates nothing while
     * the batch shape and the thread count stay the same.
     */
    private Tensor prepare(Tensor x, State s) {
        int threads = Engine.get().threads().threads();
        if (!x.hasShape(s.inShape) || threads != s.geometryThreads) {
            int[] shape = x.shape();
            int[] o = outputShape(shape);
            s.h = shape[2];
            s.w = shape[3];
            s.oh = o[2];
            s.ow = o[3];
            s.scratchSize = PoolPhases.scratchSize(s.h, s.w, sh, sw, ph, pw);
            int workers = Math.max(1, Math.min(threads, shape[0] * shape[1]));
            s.scratchSeg = s.scratch.get(workers, Math.toIntExact(s.scratchSize)).segment();
            s.inShape = shape;
            s.outShape = o;
            s.geometryThreads = threads;
        }
        return s.output.get(s.outShape);
    }

    /** Checks that {@code dy} matches the last forward's output and returns the input-gradient buffer. */
    private Tensor prepareBackward(Tensor dy, State s) {
        if (!s.kept) {
            throw new IllegalStateException(describe() + ": backward before forward");
        }
        if (!dy.hasShape(s.outShape)) {
            throw shapeError("gradient [" + s.inShape[0] + ", " + s.inShape[1] + ", " + s.oh + ", " + s.ow + "]", dy.shape(),
                    "it must match the last forward output");
        }
        return s.gradInput.get(s.inShape);
    }

    /** Runs {@code task} over the {@code N * C} planes, on the pool when the pass is big enough. */
    private static void forPlanes(State s, ThreadPool.RangeTask task) {
        int planes = s.inShape[0] * s.inShape[1];
        long work = (long) planes * Math.max((long) s.h * s.w, (long) s.oh * s.ow);
        if (work >= PARALLEL_MIN) {
            Engine.get().threads().pool().parallelFor(planes, task);
        } else {
            task.run(0, planes, 0);
        }
    }

    String geometry() {
        return window.describe(true);
    }
}
