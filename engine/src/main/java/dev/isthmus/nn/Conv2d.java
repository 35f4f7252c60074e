package dev.isthmus.nn;

import dev.isthmus.kernel.ChannelsLastConv;
import dev.isthmus.kernel.DirectConv;
import dev.isthmus.kernel.Gemm;
import dev.isthmus.kernel.Im2col;
import dev.isthmus.kernel.PlaneOps;
import dev.isthmus.runtime.Engine;
import dev.isthmus.runtime.ThreadPool;
import dev.isthmus.tensor.Rng;
import dev.isthmus.tensor.Tensor;
import dev.isthmus.tensor.TensorBuffer;

import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * 2-D convolution (cross-correlation, as in every framework), PyTorch's {@code nn.Conv2d}: input
 * {@code [N, C, H, W]}, weight {@code [O, C, kh, kw]}, bias {@code [O]}, output {@code [N, O, OH, OW]} with
 * {@code OH = floor((H + 2 ph - kh) / sh) + 1} (likewise OW), zero padding.
 *
 * <p>Forward is im2col plus a GEMM: with {@code K = C kh kw} and {@code P = OH OW}, image {@code n}'s output
 * is {@code W[O, K] @ col_n[K, P]}, already in NCHW order. Backward is {@code dW += dY_n @ col_n^T} and
 * {@code dcol_n = W^T @ dY_n} followed by col2im. A 1x1 kernel with stride 1 and no padding skips
 * im2col: the image itself is the column matrix.
 *
 * <p>Two ways to spread the work over the thread budget ({@link Strategy}):
 * <ul>
 *   <li>{@link Strategy#PER_IMAGE}: the batch is split over the engine's workers; each runs im2col into its
 *       own column buffer and single-threaded GEMMs per image (recomputing the columns in backward).
 *       Weight gradients go into per-worker partial buffers that are added in worker order, so results
 *       are the same from run to run (for a given thread count).</li>
 *   <li>{@link Strategy#BATCHED}: all images' columns go side by side into one {@code [K, N P]} matrix, and
 *       each product is one big GEMM on all OpenBLAS threads; the output is moved into NCHW order with the
 *       bias added in the same pass, and the columns are kept for backward.</li>
 * </ul>
 * {@link Strategy#AUTO} picks per batch shape (see {@link #chooseStrategy}). Buffers are sized once per
 * batch shape and reused, so a steady training step allocates nothing of its own.
 *
 * <p>Per image, the product itself is computed one of two ways ({@link Algorithm}): im2col plus a GEMM as
 * above, or, for stride 1 and few taps per output ({@code C kh kw}, LeNet-5's layers), {@link DirectConv}'s
 * implicit GEMM that reads the padded image in place instead of copying it {@code kh kw} times; its backward
 * computes {@code dW} from the same padded image and {@code dX} by sending each output's gradient back to the
 * pixels it read, tap by tap, with no col2im. {@link Algorithm#AUTO} picks per layer (see
 * {@link #chooseAlgorithm}).
 *
 * <p>Initialised like PyTorch: weight by Kaiming-uniform with {@code a = sqrt(5)}, i.e. uniform in
 * {@code +-1/sqrt(fan_in)} with {@code fan_in = C kh kw}, and bias uniform in {@code +-1/sqrt(fan_in)}.
 */
public class Conv2d extends Layer {

    /** How a batch is spread over the threads; see the class comment. */
    public enum Strategy { AUTO, PER_IMAGE, BATCHED }

    /** How one image's product is computed; see the class comment. */
    public enum Algorithm { AUTO, IM2COL, DIRECT }

    /**
     * {@link Algorithm#AUTO} takes the direct path up to this many taps per output ({@code C kh kw}). Measured:
     * on LeNet-5's layers (25 and 150 taps) the direct path runs forward 1.8-2.5x and backward 1.4-1.5x faster
     * than im2col with OpenBLAS (LayerProfile, one thread). Large layers stay with OpenBLAS, whose packed GEMM
     * keeps its operands in cache where the direct tiles would stream the whole image per tap (AlexNet's
     * stride-1 layers have 2,304 taps and more); between the two the limit is an estimate, not a measurement.
     */
    static final int DIRECT_MAX_TAPS = 512;

    private final int in;
    private final int out;
    private final int kh, kw, sh, sw, ph, pw;
    private final int k;
    private final boolean direct;
    private final Parameter weight;
    private final Parameter bias;

    private Strategy strategy = Strategy.AUTO;
    private Algorithm algorithm = Algorithm.AUTO;
    /** What the last forward ran with, in any state (diagnostics and tests). */
    private volatile Strategy lastUsed;
    private volatile boolean lastDirect;

    /** Square kernel, stride 1, no padding, with bias. */
    public Conv2d(int in, int out, int kernel) {
        this(in, out, kernel, 1, 0);
    }

    /** Square kernel, stride and padding, with bias. */
    public Conv2d(int in, int out, int kernel, int stride, int padding) {
        this(in, out, kernel, stride, padding, true);
    }

    public Conv2d(int in, int out, int kernel, int stride, int padding, boolean bias) {
        this(in, out, kernel, kernel, stride, stride, padding, padding, bias);
    }

    /** Kernel {@code kh x kw}, stride {@code (sh, sw)}, padding {@code (ph, pw)}. */
    public Conv2d(int in, int out, int kh, int kw, int sh, int sw, int ph, int pw, boolean bias) {
        String name = describe(in, out, kh, kw, sh, sw, ph, pw, bias);
        if (in < 1 || out < 1) {
            throw new IllegalArgumentException(name + ": channel counts must be >= 1");
        }
        if (kh < 1 || kw < 1) {
            throw new IllegalArgumentException(name + ": kernel size must be >= 1");
        }
        if (sh < 1 || sw < 1) {
            throw new IllegalArgumentException(name + ": stride must be >= 1");
        }
        if (ph < 0 || pw < 0) {
            throw new IllegalArgumentException(name + ": padding must be >= 0");
        }
        this.in = in;
        this.out = out;
        this.kh = kh;
        this.kw = kw;
        this.sh = sh;
        this.sw = sw;
        this.ph = ph;
        this.pw = pw;
        this.k = Math.multiplyExact(Math.multiplyExact(in, kh), kw);
        this.direct = kh == 1 && kw == 1 && sh == 1 && sw == 1 && ph == 0 && pw == 0;
        this.weight = new Parameter("weight", true, out, in, kh, kw);
        this.bias = bias ? new Parameter("bias", false, out) : null;
        reset(new Rng(0));
    }

    public int inChannels() {
        return in;
    }

    public int outChannels() {
        return out;
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

    public Parameter weight() {
        return weight;
    }

    /** The bias, or null when built without one. */
    public Parameter bias() {
        return bias;
    }

    /** Forces a way of spreading the work (benchmarks, tests); {@link Strategy#AUTO} by default. */
    public void setStrategy(Strategy s) {
        this.strategy = s;
    }

    /** The strategy the last forward pass ran with (null before the first). */
    public Strategy lastStrategy() {
        return lastUsed;
    }

    /** Forces how each image's product is computed (benchmarks, tests); {@link Algorithm#AUTO} by default. */
    public void setAlgorithm(Algorithm a) {
        if (a == Algorithm.DIRECT && !directPossible()) {
            throw new IllegalArgumentException(describe() + ": the direct algorithm needs stride 1 and a kernel larger than 1x1");
        }
        this.algorithm = a;
    }

    /** The algorithm the last forward pass ran with (null before the first). */
    public Algorithm lastAlgorithm() {
        return lastUsed == null ? null : lastDirect ? Algorithm.DIRECT : Algorithm.IM2COL;
    }

    private boolean directPossible() {
        return sh == 1 && sw == 1 && !direct;
    }

    /**
     * Whether the next forward pass takes the direct path, given the strategy asked for: when forced, or for
     * AUTO when the taps are few ({@link #DIRECT_MAX_TAPS}) and the Vector API is intrinsified; never when one
     * big batched GEMM was asked for. The direct path spreads whole images over the workers, even for a
     * batch smaller than the thread count: its products are too small for OpenBLAS's threads to pay off.
     */
    protected boolean chooseAlgorithm(Strategy requested) {
        if (requested == Strategy.BATCHED || algorithm == Algorithm.IM2COL || !directPossible()) {
            return false;
        }
        if (algorithm == Algorithm.DIRECT) {
            return true;
        }
        return k <= DIRECT_MAX_TAPS && Engine.get().useVectors();
    }

    @Override
    protected List<Parameter> localParameters() {
        return bias == null ? List.of(weight) : List.of(weight, bias);
    }

    @Override
    public void reset(Rng rng) {
        Init.kaimingUniform(weight.data(), Init.FanMode.FAN_IN, "leaky_relu", Math.sqrt(5), rng);
        if (bias != null) {
            float bound = (float) (1.0 / Math.sqrt(k));
            Init.uniform(bias.data(), -bound, bound, rng);
        }
    }

    @Override
    public int[] outputShape(int... s) {
        String expected = "[N, " + in + ", H, W]";
        if (s.length != 4) {
            throw shapeError(expected, s, s.length == 2 ? "reshape flat rows to [N, C, H, W] first" : null);
        }
        if (s[1] != in) {
            throw shapeError(expected, s, in + " input channels, got " + s[1]);
        }
        int minH = Math.max(1, kh - 2 * ph), minW = Math.max(1, kw - 2 * pw);
        if (s[2] < minH || s[3] < minW) {
            String bound = minH == minW ? "H, W >= " + minH : "H >= " + minH + ", W >= " + minW;
            String kernel = kh == kw ? "kernel " + kh : "kernel " + kh + "x" + kw;
            String pad = ph == pw ? Integer.toString(ph) : ph + "x" + pw;
            throw shapeError("[N, " + in + ", H, W] with " + bound + " after padding", s,
                    "the " + kernel + " must fit the input padded by " + pad);
        }
        return new int[]{s[0], out, Im2col.outSize(s[2], kh, sh, ph), Im2col.outSize(s[3], kw, sw, pw)};
    }

    /**
     * The strategy AUTO picks for a batch of {@code batch} images on {@code threads} threads: per-image
     * work while there are at least as many images as threads (each worker then has whole images and its
     * GEMMs stay in cache), one big GEMM on all threads otherwise (a single image, or a batch smaller than
     * the thread count, would leave workers idle).
     *
     * <p>Measured on the LeNet-5 and AlexNet shapes (ConvBenchmark and interleaved runs): on one thread the
     * two are within a few percent for AlexNet, and per-image is 15-25% faster for LeNet (no layout passes);
     * on two threads per-image was never slower, and much faster wherever OpenBLAS's own threads had to
     * compete for cores (forward and backward of LeNet's small GEMMs, 2-8x).
     */
    protected Strategy chooseStrategy(int batch, int threads) {
        if (strategy != Strategy.AUTO) {
            return strategy;
        }
        return batch >= threads ? Strategy.PER_IMAGE : Strategy.BATCHED;
    }

    @Override
    public LayerState newState() {
        return new State();
    }

    @Override
    public Tensor forward(Tensor x, LayerState state, boolean keep) {
        return stateOf(state, State.class).forward(x, keep);
    }

    @Override
    public Tensor backward(Tensor dy, LayerState state) {
        return stateOf(state, State.class).backward(dy);
    }

    /** Per-call state: buffers sized once per batch shape, the saved input, and the parallel tasks of a pass. */
    final class State extends LayerState {
        private final TensorBuffer output = buffer();
        private final TensorBuffer gradInput = buffer();
        private final TensorBuffer columns = buffer();
        private final TensorBuffer wide = buffer();
        private final TensorBuffer partialW = buffer();
        private final TensorBuffer partialB = buffer();
        private final TensorBuffer scratch = buffer();
        private final TensorBuffer padded = buffer();
        private final TensorBuffer wideOut = buffer();
        private final TensorBuffer wideGrad = buffer();
        private final TensorBuffer gradLast = buffer();
        private final TensorBuffer outLast = buffer();
        private final TensorBuffer packedLast = buffer();
        private final TensorBuffer paddedDx = buffer();
        private final TensorBuffer gradPartials = buffer();
        private final TensorBuffer packedW = buffer();
        private final TensorBuffer packedDx = buffer();

        // Direct-path layout of the current geometry and the per-worker sizes of its buffers; forwardLast says
        // whether the forward pass and dW run channels-last (more than one vector of output channels) or on the
        // wide grid.
        private DirectConv.Plan fwdPlan;
        private boolean forwardLast;
        private long padSize, wideOutSize, outLastSize, wideGradSize, gradLastSize, partialSize, padDxSize;
        private MemorySegment padSeg, wideOutSeg, outLastSeg, wideGradSeg, gradLastSeg, partialSeg, padDxSeg;
        private MemorySegment packSeg, packLastSeg, packDxSeg;
        private Strategy used;
        private boolean directUsed;
        private boolean columnsHoldInput;
        private Tensor input;

        // State of the current pass, read by the parallel tasks below (created once, so a step allocates nothing).
        private int n, h, w, oh, ow, p;
        private long inImage, outImage, colSize, scratchSize;
        private int[] inShape, outShape, perImageColumns, batchColumns, wideShape, partialWShape, partialBShape;
        private int geometryThreads;
        private MemorySegment scratchSeg;
        private MemorySegment xSeg, ySeg, dySeg, dxSeg, colSeg, wideSeg, partWSeg, partBSeg;
        private boolean needDx;
        private boolean[] ran = new boolean[0];
        private final ThreadPool.RangeTask forwardImages = this::forwardImages;
        private final ThreadPool.RangeTask forwardDirect = this::forwardDirect;
        private final ThreadPool.RangeTask backwardDirect = this::backwardDirect;
        private final ThreadPool.RangeTask backwardImages = this::backwardImages;
        private final ThreadPool.RangeTask gatherColumns = this::gatherColumns;
        private final ThreadPool.RangeTask scatterOutput = this::scatterOutput;
        private final ThreadPool.RangeTask gatherGradient = this::gatherGradient;
        private final ThreadPool.RangeTask scatterGradInput = this::scatterGradInput;

        Tensor forward(Tensor x, boolean keep) {
            setGeometry(x);
            Tensor y = output.get(outShape);
            xSeg = x.segment();
            ySeg = y.segment();
            directUsed = chooseAlgorithm(strategy);
            used = directUsed ? Strategy.PER_IMAGE : chooseStrategy(n, geometryThreads);
            lastUsed = used;
            lastDirect = directUsed;
            if (directUsed) {
                setDirectGeometry();
                if (forwardLast) {
                    ChannelsLastConv.pack(weight.data().segment(), out, k, packLastSeg);
                } else {
                    DirectConv.packWeights(weight.data().segment(), 0, out, k, packSeg);
                }
                Engine.get().threads().parallelFor(n, forwardDirect);
                columnsHoldInput = false;
            } else if (used == Strategy.PER_IMAGE) {
                if (!direct) {
                    colSeg = columns.get(perImageColumns).segment();
                }
                Engine.get().threads().parallelFor(n, forwardImages);
                columnsHoldInput = false;
            } else {
                checkBatched();
                colSeg = columns.get(batchColumns).segment();
                wideSeg = wide.get(wideShape).segment();
                ThreadPool pool = Engine.get().threads().pool();
                pool.parallelFor(n, gatherColumns);
                Engine.get().gemm().sgemm(false, false, out, n * p, k, 1f, weight.data().segment(), 0, k,
                        colSeg, 0, n * p, 0f, wideSeg, 0, n * p);
                pool.parallelFor(n, scatterOutput);
                columnsHoldInput = true;
            }
            input = keep ? x : null;
            xSeg = ySeg = null;
            return y;
        }

        Tensor backward(Tensor dy) {
            if (input == null) {
                throw new IllegalStateException(describe() + ": backward before forward");
            }
            setGeometry(input);
            if (!dy.hasShape(outShape)) {
                throw shapeError("gradient " + java.util.Arrays.toString(outShape), dy.shape(), "it must match the last forward output");
            }
            needDx = inputGradNeeded();
            Tensor dx = needDx ? gradInput.get(inShape) : null;
            xSeg = input.segment();
            dySeg = dy.segment();
            dxSeg = needDx ? dx.segment() : null;
            int active = Math.min(geometryThreads, n);
            if (active > 1) {
                partBSeg = bias == null ? null : partialB.get(partialBShape).segment();
            }
            if (ran.length < active) {
                ran = new boolean[active];
            }
            java.util.Arrays.fill(ran, false);
            if (directUsed) {
                setDirectGeometry();
                if (active > 1) {
                    partWSeg = partialW.get(partialWShape).segment();
                }
                if (needDx) {
                    DirectConv.packForInputGrad(weight.data().segment(), out, fwdPlan, packDxSeg);
                }
                Engine.get().threads().parallelFor(n, backwardDirect);
                for (int wk = 1; wk < active; wk++) {
                    if (ran[wk]) {
                        PlaneOps.add(partWSeg, (long) (wk - 1) * out * k, weight.grad().segment(), 0, (long) out * k);
                    }
                }
            } else if (used == Strategy.PER_IMAGE) {
                if (!direct) {
                    colSeg = columns.get(perImageColumns).segment();
                }
                if (active > 1) {
                    partWSeg = partialW.get(partialWShape).segment();
                }
                Engine.get().threads().parallelFor(n, backwardImages);
                for (int wk = 1; wk < active; wk++) {
                    if (ran[wk]) {
                        PlaneOps.add(partWSeg, (long) (wk - 1) * out * k, weight.grad().segment(), 0, (long) out * k);
                    }
                }
            } else {
                checkBatched();
                colSeg = columns.get(batchColumns).segment();
                wideSeg = wide.get(wideShape).segment();
                ThreadPool pool = Engine.get().threads().pool();
                if (!columnsHoldInput) {
                    pool.parallelFor(n, gatherColumns);
                }
                pool.parallelFor(n, gatherGradient);
                Gemm gemm = Engine.get().gemm();
                int np = n * p;
                gemm.sgemm(false, true, out, k, np, 1f, wideSeg, 0, np, colSeg, 0, np, 1f, weight.grad().segment(), 0, k);
                if (needDx) {
                    gemm.sgemm(true, false, k, np, out, 1f, weight.data().segment(), 0, k, wideSeg, 0, np, 0f, colSeg, 0, np);
                    columnsHoldInput = false;
                    pool.parallelFor(n, scatterGradInput);
                }
            }
            if (bias != null) {
                for (int wk = 1; wk < active; wk++) {
                    if (ran[wk]) {
                        PlaneOps.add(partBSeg, (long) (wk - 1) * out, bias.grad().segment(), 0, out);
                    }
                }
            }
            xSeg = dySeg = dxSeg = null;
            return dx;
        }

        /**
         * Validates {@code x} and works out the geometry and buffer shapes of its batch shape; a no-op (and no
         * allocation) while the shape and the thread count stay the same.
         */
        private void setGeometry(Tensor x) {
            int threads = Engine.get().threads().threads();
            if (x.hasShape(inShape) && threads == geometryThreads) {
                return;
            }
            int[] shape = x.shape();
            int[] o = outputShape(shape);
            n = shape[0];
            h = shape[2];
            w = shape[3];
            oh = o[2];
            ow = o[3];
            p = Math.multiplyExact(oh, ow);
            inImage = (long) in * h * w;
            outImage = (long) out * p;
            colSize = (long) k * p;
            scratchSize = Im2col.scratchSize(in, h, w, sh, sw, ph, pw);
            if (colSize > Integer.MAX_VALUE || scratchSize > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(describe() + ": an image of " + h + "x" + w + " needs a column matrix of "
                        + k + "x" + p + ", more than 2^31 floats");
            }
            int workers = Math.max(1, Math.min(threads, n));
            perImageColumns = new int[]{workers, (int) colSize};
            long np = (long) n * p;
            batchColumns = np > Integer.MAX_VALUE ? null : new int[]{k, (int) np};
            wideShape = np > Integer.MAX_VALUE ? null : new int[]{out, (int) np};
            partialWShape = new int[]{Math.max(1, workers - 1), out * k};
            partialBShape = new int[]{Math.max(1, workers - 1), out};
            scratchSeg = scratchSize == 0 ? null : scratch.get(workers, (int) scratchSize).segment();
            inShape = shape;
            outShape = o;
            geometryThreads = threads;
            fwdPlan = null;
        }

        /**
         * Plan and buffers of the direct path for the current geometry, made on its first use: per worker a
         * padded image, the wide output, the output gradient on the wide grid (and channels-last), the weight
         * gradient's partial sums and the padded input gradient. The padding, the thrown-away columns and the
         * padding channels are zeroed here once; the passes only ever write inside them.
         */
        private void setDirectGeometry() {
            if (fwdPlan != null) {
                return;
            }
            int workers = Math.max(1, Math.min(geometryThreads, n));
            DirectConv.Plan f = new DirectConv.Plan(in, h, w, kh, kw, ph, pw);
            forwardLast = ChannelsLastConv.fits(out);
            padSize = f.paddedSize;
            wideOutSize = forwardLast ? 0 : (long) Math.ceilDiv(out, DirectConv.MR) * DirectConv.MR * f.colsPad;
            outLastSize = forwardLast ? ChannelsLastConv.outputSize(f, out) : 0;
            wideGradSize = (long) Math.ceilDiv(out, DirectConv.GM) * DirectConv.GM * f.colsPad;
            gradLastSize = forwardLast ? (long) p * ChannelsLastConv.width(out) : 0;
            partialSize = forwardLast ? ChannelsLastConv.gradSize(f, out) : DirectConv.partialSize(f, out);
            padDxSize = DirectConv.inputGradSize(f);
            padSeg = padded.zeros(workers, checkedInt(padSize)).segment();
            if (forwardLast) {
                outLastSeg = outLast.get(workers, checkedInt(outLastSize)).segment();
                packLastSeg = packedLast.get(checkedInt(ChannelsLastConv.packedSize(f, out))).segment();
            } else {
                wideOutSeg = wideOut.get(workers, checkedInt(wideOutSize)).segment();
                packSeg = packedW.get(checkedInt(f.packedSize(out))).segment();
            }
            wideGradSeg = wideGrad.zeros(workers, checkedInt(wideGradSize)).segment();
            gradLastSeg = forwardLast ? gradLast.zeros(workers, checkedInt(gradLastSize)).segment() : null;
            partialSeg = gradPartials.get(workers, checkedInt(partialSize)).segment();
            padDxSeg = paddedDx.get(workers, checkedInt(padDxSize)).segment();
            packDxSeg = packedDx.get(checkedInt(DirectConv.inputGradPackedSize(f, out))).segment();
            fwdPlan = f;
        }

        private int checkedInt(long size) {
            if (size > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(describe() + ": an image of " + h + "x" + w + " needs a direct-path buffer of "
                        + size + " floats, more than 2^31; use Algorithm.IM2COL");
            }
            return (int) size;
        }

        private void checkBatched() {
            if (batchColumns == null) {
                throw new IllegalArgumentException(describe() + ": " + n + " images of " + oh + "x" + ow
                        + " outputs are more columns than one matrix can have; use the PER_IMAGE strategy");
            }
        }

        // ------------------------------------------------------------------ per-image strategy

        private void forwardImages(int start, int end, int worker) {
            Gemm gemm = Engine.get().gemm();
            MemorySegment wt = weight.data().segment();
            for (int i = start; i < end; i++) {
                long yOff = i * outImage;
                MemorySegment b = direct ? xSeg : colSeg;
                long bOff = direct ? i * inImage : worker * colSize;
                if (!direct) {
                    Im2col.im2col(xSeg, i * inImage, in, h, w, kh, kw, sh, sw, ph, pw, colSeg, bOff, p, scratchSeg, worker * scratchSize);
                }
                // The bias is written first and the GEMM adds onto it (beta = 1): that write replaces the zeroing
                // sweep BLAS makes for beta = 0, so the bias costs no pass of its own over the output.
                float beta = 0f;
                if (bias != null) {
                    PlaneOps.fillPlanes(ySeg, yOff, out, p, bias.data().segment());
                    beta = 1f;
                }
                gemm.sgemm(false, false, out, p, k, 1f, wt, 0, k, b, bOff, p, beta, ySeg, yOff, p);
            }
        }

        private void backwardImages(int start, int end, int worker) {
            Gemm gemm = Engine.get().gemm();
            MemorySegment wt = weight.data().segment();
            MemorySegment dw = worker == 0 ? weight.grad().segment() : partWSeg;
            long dwOff = worker == 0 ? 0 : (long) (worker - 1) * out * k;
            MemorySegment db = bias == null ? null : worker == 0 ? bias.grad().segment() : partBSeg;
            long dbOff = worker == 0 ? 0 : (long) (worker - 1) * out;
            ran[worker] = true;
            if (worker > 0) {
                PlaneOps.zero(partWSeg, dwOff, (long) out * k);
                if (db != null) {
                    PlaneOps.zero(db, dbOff, out);
                }
            }
            for (int i = start; i < end; i++) {
                long dyOff = i * outImage;
                MemorySegment b = direct ? xSeg : colSeg;
                long bOff = direct ? i * inImage : worker * colSize;
                if (!direct) {
                    Im2col.im2col(xSeg, i * inImage, in, h, w, kh, kw, sh, sw, ph, pw, colSeg, bOff, p, scratchSeg, worker * scratchSize);
                }
                // dW[O, K] += dY_i[O, P] col_i^T[P, K]
                gemm.sgemm(false, true, out, k, p, 1f, dySeg, dyOff, p, b, bOff, p, 1f, dw, dwOff, k);
                if (db != null) {
                    PlaneOps.addPlaneSums(dySeg, dyOff, out, p, db, dbOff);
                }
                if (needDx) {
                    // dcol_i[K, P] = W^T[K, O] dY_i[O, P], then summed back onto the image (col2im)
                    if (direct) {
                        gemm.sgemm(true, false, k, p, out, 1f, wt, 0, k, dySeg, dyOff, p, 0f, dxSeg, i * inImage, p);
                    } else {
                        gemm.sgemm(true, false, k, p, out, 1f, wt, 0, k, dySeg, dyOff, p, 0f, colSeg, bOff, p);
                        Im2col.col2im(colSeg, bOff, p, in, h, w, kh, kw, sh, sw, ph, pw, dxSeg, i * inImage, scratchSeg, worker * scratchSize);
                    }
                }
            }
        }

        // ------------------------------------------------------------------ direct algorithm (per image)

        private void forwardDirect(int start, int end, int worker) {
            DirectConv.Plan f = fwdPlan;
            long xp = worker * padSize;
            MemorySegment b = bias == null ? null : bias.data().segment();
            for (int i = start; i < end; i++) {
                DirectConv.scatter(xSeg, i * inImage, in, h, w, padSeg, xp + f.origin(), (long) f.hp * f.wp, f.wp);
                if (forwardLast) {
                    long ol = worker * outLastSize;
                    ChannelsLastConv.forward(f, out, packLastSeg, padSeg, xp, outLastSeg, ol);
                    ChannelsLastConv.untranspose(outLastSeg, ol, out, p, b, ySeg, i * outImage);
                } else {
                    long wo = worker * wideOutSize;
                    DirectConv.forward(f, packSeg, out, padSeg, xp, wideOutSeg, wo);
                    // y[o, oy, ox] = wide[o][oy Wp + ox] + bias[o]
                    DirectConv.gather(wideOutSeg, wo, f.colsPad, f.wp, out, oh, ow, b, ySeg, i * outImage);
                }
            }
        }

        private void backwardDirect(int start, int end, int worker) {
            DirectConv.Plan f = fwdPlan;
            MemorySegment dw = worker == 0 ? weight.grad().segment() : partWSeg;
            long dwOff = worker == 0 ? 0 : (long) (worker - 1) * out * k;
            MemorySegment db = bias == null ? null : worker == 0 ? bias.grad().segment() : partBSeg;
            long dbOff = worker == 0 ? 0 : (long) (worker - 1) * out;
            ran[worker] = true;
            if (worker > 0) {
                PlaneOps.zero(partWSeg, dwOff, (long) out * k);
                if (db != null) {
                    PlaneOps.zero(db, dbOff, out);
                }
            }
            long xp = worker * padSize, dyw = worker * wideGradSize, dyl = worker * gradLastSize;
            long acc = worker * partialSize, dxp = worker * padDxSize;
            PlaneOps.zero(partialSeg, acc, partialSize);
            for (int i = start; i < end; i++) {
                long dyOff = i * outImage;
                DirectConv.scatter(xSeg, i * inImage, in, h, w, padSeg, xp + f.origin(), (long) f.hp * f.wp, f.wp);
                if (!forwardLast || needDx) {
                    DirectConv.scatter(dySeg, dyOff, out, oh, ow, wideGradSeg, dyw, f.colsPad, f.wp);
                }
                // dW[o, t] += sum over output pixels j of dY[o, j] xp[off(t) + pixel(j)]
                if (forwardLast) {
                    ChannelsLastConv.transpose(dySeg, dyOff, out, p, gradLastSeg, dyl);
                    ChannelsLastConv.weightGrad(f, out, gradLastSeg, dyl, padSeg, xp, partialSeg, acc);
                } else {
                    DirectConv.weightGrad(f, out, wideGradSeg, dyw, padSeg, xp, partialSeg, acc);
                }
                if (db != null) {
                    PlaneOps.addPlaneSums(dySeg, dyOff, out, p, db, dbOff);
                }
                if (needDx) {
                    // dX[c, pixel] = sum over the outputs that read the pixel of W[o, c, tap] dY[o, output]
                    PlaneOps.zero(padDxSeg, dxp, padDxSize);
                    DirectConv.inputGrad(f, out, packDxSeg, wideGradSeg, dyw, padDxSeg, dxp);
                    DirectConv.gather(padDxSeg, dxp + f.origin(), (long) f.hp * f.wp, f.wp, in, h, w, null, dxSeg, i * inImage);
                }
            }
            if (forwardLast) {
                ChannelsLastConv.addGrad(f, out, partialSeg, acc, dw, dwOff);
            } else {
                DirectConv.reducePartials(f, out, partialSeg, acc, dw, dwOff);
            }
        }

        // ------------------------------------------------------------------ batched strategy

        private void gatherColumns(int start, int end, int worker) {
            for (int i = start; i < end; i++) {
                Im2col.im2col(xSeg, i * inImage, in, h, w, kh, kw, sh, sw, ph, pw, colSeg, (long) i * p, n * p,
                        scratchSeg, worker * scratchSize);
            }
        }

        private void scatterOutput(int start, int end, int worker) {
            MemorySegment b = bias == null ? null : bias.data().segment();
            for (int i = start; i < end; i++) {
                PlaneOps.copyRowsAddBias(wideSeg, (long) i * p, (long) n * p, ySeg, i * outImage, p, out, p, b);
            }
        }

        private void gatherGradient(int start, int end, int worker) {
            MemorySegment db = bias == null ? null : worker == 0 ? bias.grad().segment() : partBSeg;
            long dbOff = worker == 0 ? 0 : (long) (worker - 1) * out;
            ran[worker] = true;
            if (worker > 0 && db != null) {
                PlaneOps.zero(db, dbOff, out);
            }
            for (int i = start; i < end; i++) {
                PlaneOps.copyRowsAddSums(dySeg, i * outImage, p, wideSeg, (long) i * p, (long) n * p, out, p, db, dbOff);
            }
        }

        private void scatterGradInput(int start, int end, int worker) {
            for (int i = start; i < end; i++) {
                Im2col.col2im(colSeg, (long) i * p, n * p, in, h, w, kh, kw, sh, sw, ph, pw, dxSeg, i * inImage,
                        scratchSeg, worker * scratchSize);
            }
        }

    }

    @Override
    public String describe() {
        return describe(in, out, kh, kw, sh, sw, ph, pw, bias != null);
    }

    private static String describe(int in, int out, int kh, int kw, int sh, int sw, int ph, int pw, boolean bias) {
        StringBuilder sb = new StringBuilder("Conv2d(").append(in).append(" -> ").append(out);
        sb.append(", kernel=").append(pair(kh, kw));
        if (sh != 1 || sw != 1) {
            sb.append(", stride=").append(pair(sh, sw));
        }
        if (ph != 0 || pw != 0) {
            sb.append(", padding=").append(pair(ph, pw));
        }
        if (!bias) {
            sb.append(", bias=false");
        }
        return sb.append(')').toString();
    }

    static String pair(int a, int b) {
        return a == b ? Integer.toString(a) : "(" + a + ", " + b + ")";
    }
}
