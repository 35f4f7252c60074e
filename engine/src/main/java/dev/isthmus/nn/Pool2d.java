package dev.isthmus.nn;

import dev.isthmus.kernel.Pooling;
import dev.isthmus.runtime.Engine;
import dev.isthmus.runtime.ThreadPool;
import dev.isthmus.tensor.Tensor;
import dev.isthmus.tensor.TensorBuffer;

import java.lang.foreign.MemorySegment;

/**
 * What {@link MaxPool2d} and {@link AvgPool2d} share: the window geometry, its validation (as strict as
 * PyTorch's: kernel and stride >= 1, padding between 0 and half the kernel), output shapes, the
 * reused output and input-gradient buffers, and running a kernel over the {@code N * C} planes in
 * parallel when there is enough work.
 */
abstract class Pool2d extends Layer {
    /** Below this many output values per call a single thread is faster than waking the pool. */
    static final long PARALLEL_MIN = 1 << 15;

    final int kh, kw, sh, sw, ph, pw;
    final TensorBuffer output = new TensorBuffer();
    final TensorBuffer gradInput = new TensorBuffer();
    private final TensorBuffer scratch = new TensorBuffer();
    /** Per-worker scratch of the kernels (one plane's stride phases each), and its size per worker. */
    MemorySegment scratchSeg;
    long scratchSize;
    int[] inShape;
    private int[] outShape;
    private int geometryThreads;
    int h, w, oh, ow;

    Pool2d(int kh, int kw, int sh, int sw, int ph, int pw) {
        this.kh = kh;
        this.kw = kw;
        this.sh = sh;
        this.sw = sw;
        this.ph = ph;
        this.pw = pw;
        String name = getClass().getSimpleName() + "(" + geometry() + ")";
        if (kh < 1 || kw < 1) {
            throw new IllegalArgumentException(name + ": kernel size must be >= 1");
        }
        if (sh < 1 || sw < 1) {
            throw new IllegalArgumentException(name + ": stride must be >= 1");
        }
        if (ph < 0 || pw < 0) {
            throw new IllegalArgumentException(name + ": padding must be >= 0");
        }
        if (ph > kh / 2 || pw > kw / 2) {
            throw new IllegalArgumentException(name + ": padding must be at most half the kernel size (padding "
                    + Conv2d.pair(ph, pw) + ", kernel " + Conv2d.pair(kh, kw) + "), as PyTorch requires");
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
        int minH = Math.max(1, kh - 2 * ph), minW = Math.max(1, kw - 2 * pw);
        if (s[2] < minH || s[3] < minW) {
            String bound = minH == minW ? "H, W >= " + minH : "H >= " + minH + ", W >= " + minW;
            throw shapeError("[N, C, H, W] with " + bound + " after padding", s,
                    "the " + Conv2d.pair(kh, kw) + " window must fit the input padded by " + Conv2d.pair(ph, pw));
        }
        return new int[]{s[0], s[1], (s[2] + 2 * ph - kh) / sh + 1, (s[3] + 2 * pw - kw) / sw + 1};
    }

    /**
     * Validates {@code x}, records its geometry and returns the output buffer for it; allocates nothing while
     * the batch shape and the thread count stay the same.
     */
    final Tensor prepare(Tensor x) {
        int threads = Engine.get().threads().threads();
        if (!x.hasShape(inShape) || threads != geometryThreads) {
            int[] shape = x.shape();
            int[] o = outputShape(shape);
            h = shape[2];
            w = shape[3];
            oh = o[2];
            ow = o[3];
            scratchSize = Pooling.scratchSize(h, w, sh, sw, ph, pw);
            int workers = Math.max(1, Math.min(threads, shape[0] * shape[1]));
            scratchSeg = scratch.get(workers, Math.toIntExact(scratchSize)).segment();
            inShape = shape;
            outShape = o;
            geometryThreads = threads;
        }
        return output.get(outShape);
    }

    /** Checks that {@code dy} matches the last forward's output and returns the input-gradient buffer. */
    final Tensor prepareBackward(Tensor dy) {
        if (inShape == null) {
            throw new IllegalStateException(describe() + ": backward before forward");
        }
        if (!dy.hasShape(outShape)) {
            throw shapeError("gradient [" + inShape[0] + ", " + inShape[1] + ", " + oh + ", " + ow + "]", dy.shape(),
                    "it must match the last forward output");
        }
        return gradInput.get(inShape);
    }

    /** Runs {@code task} over the {@code N * C} planes, on the pool when the pass is big enough. */
    final void forPlanes(ThreadPool.RangeTask task) {
        int planes = inShape[0] * inShape[1];
        long work = (long) planes * Math.max((long) h * w, (long) oh * ow);
        if (work >= PARALLEL_MIN) {
            Engine.get().threads().pool().parallelFor(planes, task);
        } else {
            task.run(0, planes, 0);
        }
    }

    String geometry() {
        StringBuilder sb = new StringBuilder("kernel=").append(Conv2d.pair(kh, kw))
                .append(", stride=").append(Conv2d.pair(sh, sw));
        if (ph != 0 || pw != 0) {
            sb.append(", padding=").append(Conv2d.pair(ph, pw));
        }
        return sb.toString();
    }

    @Override
    public void close() {
        output.close();
        gradInput.close();
        scratch.close();
        super.close();
    }
}
