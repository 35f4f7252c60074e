package dev.isthmus.kernel.conv;

import dev.isthmus.kernel.Engine;
import dev.isthmus.kernel.Gemm;
import dev.isthmus.kernel.PlaneOps;
import dev.isthmus.kernel.Window;
import dev.isthmus.runtime.ThreadPool;

import java.lang.foreign.MemorySegment;

/**
 * im2col plus GEMM, image by image: the batch is split over the engine's workers; each runs im2col into
 * its own column buffer and single-threaded GEMMs per image ({@code y_i = W[O, K] col_i[K, P]}, already NCHW),
 * recomputing the columns in backward ({@code dW += dY_i col_i^T}, {@code dcol_i = W^T dY_i}, then col2im).
 * Weight gradients go into per-worker partials added in worker order ({@link GradPartials}). A pointwise
 * kernel (1x1, stride 1, no padding) skips im2col: the image is its own column matrix.
 */
public final class Im2colPerImage extends ConvPass {
    private final boolean pointwise;
    private final long colSize, scratchSize;
    private final MemorySegment colSeg, scratchSeg;
    private final GradPartials partials;
    private MemorySegment x, y, weight, bias, dy, dx;
    private final ThreadPool.RangeTask forwardTask = this::forwardImages;
    private final ThreadPool.RangeTask backwardTask = this::backwardImages;

    public Im2colPerImage(ConvGeometry g) {
        super(g);
        Window win = g.window;
        this.pointwise = g.pointwise();
        this.colSize = (long) g.k * g.p;
        this.scratchSize = Im2col.scratchSize(g.in, g.h, g.w, win.sh(), win.sw(), win.ph(), win.pw());
        this.colSeg = pointwise ? null : rows(buffer(), g.workers, colSize, "a column matrix", false);
        this.scratchSeg = scratchSize == 0 ? null : rows(buffer(), g.workers, scratchSize, "im2col scratch", false);
        this.partials = new GradPartials(g, true);
    }

    @Override
    public void forward(MemorySegment x, MemorySegment weight, MemorySegment bias, MemorySegment y, boolean keep) {
        this.x = x;
        this.y = y;
        this.weight = weight;
        this.bias = bias;
        Engine.get().threads().parallelFor(g.n, forwardTask);
        this.x = this.y = this.weight = this.bias = null;
    }

    @Override
    public void backward(MemorySegment x, MemorySegment dy, MemorySegment weight, MemorySegment dW, MemorySegment dB,
                         MemorySegment dx) {
        this.x = x;
        this.dy = dy;
        this.weight = weight;
        this.dx = dx;
        partials.begin(dW, dB);
        Engine.get().threads().parallelFor(g.n, backwardTask);
        partials.reduce();
        this.x = this.dy = this.weight = this.dx = null;
    }

    /** The column matrix of image {@code i} for {@code worker}: its own buffer, or the image itself when pointwise. */
    private MemorySegment columns(int i, int worker) {
        if (pointwise) {
            return x;
        }
        Window win = g.window;
        Im2col.im2col(x, i * g.inImage, g.in, g.h, g.w, win.kh(), win.kw(), win.sh(), win.sw(), win.ph(), win.pw(),
                colSeg, worker * colSize, g.p, scratchSeg, worker * scratchSize);
        return colSeg;
    }

    private long columnsOffset(int i, int worker) {
        return pointwise ? i * g.inImage : worker * colSize;
    }

    private void forwardImages(int start, int end, int worker) {
        Gemm gemm = Engine.get().gemm();
        for (int i = start; i < end; i++) {
            long yOff = i * g.outImage;
            MemorySegment b = columns(i, worker);
            long bOff = columnsOffset(i, worker);
            // The bias is written first and the GEMM adds onto it (beta = 1): that write replaces the zeroing
            // sweep BLAS makes for beta = 0, so the bias costs no pass of its own over the output.
            float beta = 0f;
            if (bias != null) {
                PlaneOps.fillPlanes(y, yOff, g.out, g.p, bias);
                beta = 1f;
            }
            gemm.sgemm(false, false, g.out, g.p, g.k, 1f, weight, 0, g.k, b, bOff, g.p, beta, y, yOff, g.p);
        }
    }

    private void backwardImages(int start, int end, int worker) {
        Gemm gemm = Engine.get().gemm();
        partials.start(worker);
        MemorySegment dw = partials.weights(worker), db = partials.biases(worker);
        long dwOff = partials.weightOffset(worker), dbOff = partials.biasOffset(worker);
        Window win = g.window;
        for (int i = start; i < end; i++) {
            long dyOff = i * g.outImage;
            MemorySegment b = columns(i, worker);
            long bOff = columnsOffset(i, worker);
            // dW[O, K] += dY_i[O, P] col_i^T[P, K]
            gemm.sgemm(false, true, g.out, g.k, g.p, 1f, dy, dyOff, g.p, b, bOff, g.p, 1f, dw, dwOff, g.k);
            if (db != null) {
                PlaneOps.addPlaneSums(dy, dyOff, g.out, g.p, db, dbOff);
            }
            if (dx == null) {
                continue;
            }
            // dcol_i[K, P] = W^T[K, O] dY_i[O, P], then summed back onto the image (col2im)
            if (pointwise) {
                gemm.sgemm(true, false, g.k, g.p, g.out, 1f, weight, 0, g.k, dy, dyOff, g.p, 0f, dx, i * g.inImage, g.p);
            } else {
                gemm.sgemm(true, false, g.k, g.p, g.out, 1f, weight, 0, g.k, dy, dyOff, g.p, 0f, colSeg, bOff, g.p);
                Im2col.col2im(colSeg, bOff, g.p, g.in, g.h, g.w, win.kh(), win.kw(), win.sh(), win.sw(), win.ph(), win.pw(),
                        dx, i * g.inImage, scratchSeg, worker * scratchSize);
            }
        }
    }

    @Override
    public void close() {
        partials.close();
        super.close();
    }
}
