package dev.isthmus.kernel.conv;

import dev.isthmus.kernel.Engine;
import dev.isthmus.kernel.PlaneOps;
import dev.isthmus.runtime.ThreadPool;

import java.lang.foreign.MemorySegment;

/**
 * The direct path for stride 1 and few taps per output ({@link DirectConv}'s implicit GEMM, which reads the
 * padded image in place instead of copying it {@code kh kw} times), image by image over the workers. The
 * forward pass and dW run channels-last ({@link ChannelsLastConv}) when there is more than one vector of
 * output channels, else on the wide grid; dX sends each output's gradient back to the pixels it read, tap
 * by tap, with no col2im. Per worker it keeps a padded image, the wide output, the output gradient on the
 * wide grid (and channels-last), the weight gradient's partial sums and the padded input gradient; the
 * padding, the thrown-away columns and the padding channels are zeroed once here, the passes only ever
 * write inside them.
 */
public final class DirectPass extends ConvPass {
    private final DirectPlan f;
    private final boolean forwardLast;
    private final long padSize, wideOutSize, outLastSize, wideGradSize, gradLastSize, partialSize, padDxSize;
    private final MemorySegment padSeg, wideOutSeg, outLastSeg, wideGradSeg, gradLastSeg, partialSeg, padDxSeg;
    private final MemorySegment packSeg, packLastSeg, packDxSeg;
    private final GradPartials partials;
    private MemorySegment x, y, bias, dy, dx;
    private final ThreadPool.RangeTask forwardTask = this::forwardImages;
    private final ThreadPool.RangeTask backwardTask = this::backwardImages;

    /** Whether the direct path can run this window: stride 1, and not pointwise (which needs no im2col anyway). */
    public static boolean supports(ConvGeometry g) {
        return g.window.sh() == 1 && g.window.sw() == 1 && !g.pointwise();
    }

    public DirectPass(ConvGeometry g) {
        super(g);
        int out = g.out, workers = g.workers;
        f = new DirectPlan(g.in, g.h, g.w, g.window.kh(), g.window.kw(), g.window.ph(), g.window.pw());
        forwardLast = ChannelsLastConv.fits(out);
        padSize = f.paddedSize;
        wideOutSize = forwardLast ? 0 : (long) Math.ceilDiv(out, DirectConv.MR) * DirectConv.MR * f.colsPad;
        outLastSize = forwardLast ? ChannelsLastConv.outputSize(f, out) : 0;
        wideGradSize = (long) Math.ceilDiv(out, DirectConv.GM) * DirectConv.GM * f.colsPad;
        gradLastSize = forwardLast ? (long) g.p * ChannelsLastConv.width(out) : 0;
        partialSize = forwardLast ? ChannelsLastConv.gradSize(f, out) : DirectConv.partialSize(f, out);
        padDxSize = DirectConv.inputGradSize(f);
        String what = "a direct-path buffer (use Algorithm.IM2COL)";
        padSeg = rows(buffer(), workers, padSize, what, true);
        outLastSeg = forwardLast ? rows(buffer(), workers, outLastSize, what, false) : null;
        packLastSeg = forwardLast ? rows(buffer(), 1, ChannelsLastConv.packedSize(f, out), what, false) : null;
        wideOutSeg = forwardLast ? null : rows(buffer(), workers, wideOutSize, what, false);
        packSeg = forwardLast ? null : rows(buffer(), 1, f.packedSize(out), what, false);
        wideGradSeg = rows(buffer(), workers, wideGradSize, what, true);
        gradLastSeg = forwardLast ? rows(buffer(), workers, gradLastSize, what, true) : null;
        partialSeg = rows(buffer(), workers, partialSize, what, false);
        padDxSeg = rows(buffer(), workers, padDxSize, what, false);
        packDxSeg = rows(buffer(), 1, DirectConv.inputGradPackedSize(f, out), what, false);
        partials = new GradPartials(g, true);
    }

    @Override
    public void forward(MemorySegment x, MemorySegment weight, MemorySegment bias, MemorySegment y, boolean keep) {
        if (forwardLast) {
            ChannelsLastConv.pack(weight, g.out, g.k, packLastSeg);
        } else {
            DirectConv.packWeights(weight, 0, g.out, g.k, packSeg);
        }
        this.x = x;
        this.y = y;
        this.bias = bias;
        Engine.get().threads().parallelFor(g.n, forwardTask);
        this.x = this.y = this.bias = null;
    }

    @Override
    public void backward(MemorySegment x, MemorySegment dy, MemorySegment weight, MemorySegment dW, MemorySegment dB,
                         MemorySegment dx) {
        if (dx != null) {
            DirectConv.packForInputGrad(weight, g.out, f, packDxSeg);
        }
        this.x = x;
        this.dy = dy;
        this.dx = dx;
        partials.begin(dW, dB);
        Engine.get().threads().parallelFor(g.n, backwardTask);
        partials.reduce();
        this.x = this.dy = this.dx = null;
    }

    private void forwardImages(int start, int end, int worker) {
        long xp = worker * padSize;
        for (int i = start; i < end; i++) {
            DirectConv.scatter(x, i * g.inImage, g.in, g.h, g.w, padSeg, xp + f.origin(), (long) f.hp * f.wp, f.wp);
            if (forwardLast) {
                long ol = worker * outLastSize;
                ChannelsLastConv.forward(f, g.out, packLastSeg, padSeg, xp, outLastSeg, ol);
                ChannelsLastConv.untranspose(outLastSeg, ol, g.out, g.p, bias, y, i * g.outImage);
            } else {
                long wo = worker * wideOutSize;
                DirectConv.forward(f, packSeg, g.out, padSeg, xp, wideOutSeg, wo);
                // y[o, oy, ox] = wide[o][oy Wp + ox] + bias[o]
                DirectConv.gather(wideOutSeg, wo, f.colsPad, f.wp, g.out, g.oh, g.ow, bias, y, i * g.outImage);
            }
        }
    }

    private void backwardImages(int start, int end, int worker) {
        int out = g.out;
        partials.start(worker);
        MemorySegment dw = partials.weights(worker), db = partials.biases(worker);
        long dwOff = partials.weightOffset(worker), dbOff = partials.biasOffset(worker);
        long xp = worker * padSize, dyw = worker * wideGradSize, dyl = worker * gradLastSize;
        long acc = worker * partialSize, dxp = worker * padDxSize;
        PlaneOps.zero(partialSeg, acc, partialSize);
        for (int i = start; i < end; i++) {
            long dyOff = i * g.outImage;
            DirectConv.scatter(x, i * g.inImage, g.in, g.h, g.w, padSeg, xp + f.origin(), (long) f.hp * f.wp, f.wp);
            if (!forwardLast || dx != null) {
                DirectConv.scatter(dy, dyOff, out, g.oh, g.ow, wideGradSeg, dyw, f.colsPad, f.wp);
            }
            // dW[o, t] += sum over output pixels j of dY[o, j] xp[off(t) + pixel(j)]
            if (forwardLast) {
                ChannelsLastConv.transpose(dy, dyOff, out, g.p, gradLastSeg, dyl);
                ChannelsLastConv.weightGrad(f, out, gradLastSeg, dyl, padSeg, xp, partialSeg, acc);
            } else {
                DirectConv.weightGrad(f, out, wideGradSeg, dyw, padSeg, xp, partialSeg, acc);
            }
            if (db != null) {
                PlaneOps.addPlaneSums(dy, dyOff, out, g.p, db, dbOff);
            }
            if (dx != null) {
                // dX[c, pixel] = sum over the outputs that read the pixel of W[o, c, tap] dY[o, output]
                PlaneOps.zero(padDxSeg, dxp, padDxSize);
                DirectConv.inputGrad(f, out, packDxSeg, wideGradSeg, dyw, padDxSeg, dxp);
                DirectConv.gather(padDxSeg, dxp + f.origin(), (long) f.hp * f.wp, f.wp, g.in, g.h, g.w, null, dx, i * g.inImage);
            }
        }
        if (forwardLast) {
            ChannelsLastConv.addGrad(f, out, partialSeg, acc, dw, dwOff);
        } else {
            DirectConv.reducePartials(f, out, partialSeg, acc, dw, dwOff);
        }
    }

    @Override
    public void close() {
        partials.close();
        super.close();
    }
}
