package dev.isthmus.kernel.conv;

import dev.isthmus.kernel.Engine;
import dev.isthmus.kernel.Gemm;
import dev.isthmus.kernel.PlaneOps;
import dev.isthmus.kernel.Window;
import dev.isthmus.runtime.ThreadPool;

import java.lang.foreign.MemorySegment;

/**
 * im2col plus one big GEMM for the whole batch: all images' columns go side by side into one
 * {@code [K, N P]} matrix, each product is one GEMM on all OpenBLAS threads, and the output is moved into
 * NCHW order with the bias added in the same pass. A kept forward leaves the columns for backward. For a
 * batch smaller than the thread count, where per-image work would leave workers idle.
 */
public final class Im2colBatched extends ConvPass {
    private final int np;
    private final long scratchSize;
    private final MemorySegment colSeg, wideSeg, scratchSeg;
    private final GradPartials partials;
    private boolean columnsHoldInput;
    private MemorySegment x, y, bias, dy, dx;
    private final ThreadPool.RangeTask gatherColumns = this::gatherColumns;
    private final ThreadPool.RangeTask scatterOutput = this::scatterOutput;
    private final ThreadPool.RangeTask gatherGradient = this::gatherGradient;
    private final ThreadPool.RangeTask scatterGradInput = this::scatterGradInput;

    public Im2colBatched(ConvGeometry g) {
        super(g);
        long cols = (long) g.n * g.p;
        if (cols > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(g.n + " images of " + g.oh + "x" + g.ow
                    + " outputs are more columns than one matrix can have; use the PER_IMAGE strategy");
        }
        this.np = (int) cols;
        Window win = g.window;
        this.scratchSize = Im2col.scratchSize(g.in, g.h, g.w, win.sh(), win.sw(), win.ph(), win.pw());
        this.colSeg = rows(buffer(), g.k, np, "a column matrix", false);
        this.wideSeg = rows(buffer(), g.out, np, "an output matrix", false);
        this.scratchSeg = scratchSize == 0 ? null : rows(buffer(), g.workers, scratchSize, "im2col scratch", false);
        this.partials = new GradPartials(g, false);
    }

    @Override
    public void forward(MemorySegment x, MemorySegment weight, MemorySegment bias, MemorySegment y, boolean keep) {
        this.x = x;
        this.y = y;
        this.bias = bias;
        ThreadPool pool = Engine.get().threads().pool();
        pool.parallelFor(g.n, gatherColumns);
        Engine.get().gemm().sgemm(false, false, g.out, np, g.k, 1f, weight, 0, g.k, colSeg, 0, np, 0f, wideSeg, 0, np);
        pool.parallelFor(g.n, scatterOutput);
        columnsHoldInput = keep;
        this.x = this.y = this.bias = null;
    }

    @Override
    public void backward(MemorySegment x, MemorySegment dy, MemorySegment weight, MemorySegment dW, MemorySegment dB,
                         MemorySegment dx) {
        this.x = x;
        this.dy = dy;
        this.dx = dx;
        partials.begin(dW, dB);
        ThreadPool pool = Engine.get().threads().pool();
        if (!columnsHoldInput) {
            pool.parallelFor(g.n, gatherColumns);
        }
        pool.parallelFor(g.n, gatherGradient);
        Gemm gemm = Engine.get().gemm();
        gemm.sgemm(false, true, g.out, g.k, np, 1f, wideSeg, 0, np, colSeg, 0, np, 1f, dW, 0, g.k);
        if (dx != null) {
            gemm.sgemm(true, false, g.k, np, g.out, 1f, weight, 0, g.k, wideSeg, 0, np, 0f, colSeg, 0, np);
            columnsHoldInput = false;
            pool.parallelFor(g.n, scatterGradInput);
        }
        partials.reduce();
        this.x = this.dy = this.dx = null;
    }

    private void gatherColumns(int start, int end, int worker) {
        Window win = g.window;
        for (int i = start; i < end; i++) {
            Im2col.im2col(x, i * g.inImage, g.in, g.h, g.w, win.kh(), win.kw(), win.sh(), win.sw(), win.ph(), win.pw(),
                    colSeg, (long) i * g.p, np, scratchSeg, worker * scratchSize);
        }
    }

    private void scatterOutput(int start, int end, int worker) {
        for (int i = start; i < end; i++) {
            PlaneOps.copyRowsAddBias(wideSeg, (long) i * g.p, np, y, i * g.outImage, g.p, g.out, g.p, bias);
        }
    }

    private void gatherGradient(int start, int end, int worker) {
        partials.start(worker);
        MemorySegment db = partials.biases(worker);
        long dbOff = partials.biasOffset(worker);
        for (int i = start; i < end; i++) {
            PlaneOps.copyRowsAddSums(dy, i * g.outImage, g.p, wideSeg, (long) i * g.p, np, g.out, g.p, db, dbOff);
        }
    }

    private void scatterGradInput(int start, int end, int worker) {
        Window win = g.window;
        for (int i = start; i < end; i++) {
            Im2col.col2im(colSeg, (long) i * g.p, np, g.in, g.h, g.w, win.kh(), win.kw(), win.sh(), win.sw(), win.ph(),
                    win.pw(), dx, i * g.inImage, scratchSeg, worker * scratchSize);
        }
    }

    @Override
    public void close() {
        partials.close();
        super.close();
    }
}
