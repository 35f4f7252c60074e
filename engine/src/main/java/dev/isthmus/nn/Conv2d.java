package dev.isthmus.nn;

import dev.isthmus.kernel.Window;
import dev.isthmus.kernel.conv.ConvGeometry;
import dev.isthmus.kernel.conv.ConvPass;
import dev.isthmus.kernel.conv.DirectPass;
import dev.isthmus.kernel.conv.Im2colBatched;
import dev.isthmus.kernel.conv.Im2colPerImage;
import dev.isthmus.kernel.conv.ReferenceConv;
import dev.isthmus.kernel.Engine;
import dev.isthmus.tensor.Rng;
import dev.isthmus.tensor.Tensor;
import dev.isthmus.tensor.TensorBuffer;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;

/**
 * 2-D convolution (cross-correlation, as in every framework), PyTorch's {@code nn.Conv2d}: input
 * {@code [N, C, H, W]}, weight {@code [O, C, kh, kw]}, bias {@code [O]}, output {@code [N, O, OH, OW]} with
 * {@code OH = floor((H + 2 ph - kh) / sh) + 1} (likewise OW), zero padding.
 *
 * <p>The layer holds the parameters, the shape and the choice of algorithm; each algorithm lives in
 * {@code dev.isthmus.kernel.conv} with its own buffers and parallel tasks, made per batch shape in the call's
 * {@link LayerState}:
 * <ul>
 *   <li>{@link Im2colPerImage} ({@link Strategy#PER_IMAGE}): im2col plus single-threaded GEMMs, the batch
 *       split over the engine's workers, weight gradients summed per worker in a fixed order;</li>
 *   <li>{@link Im2colBatched} ({@link Strategy#BATCHED}): all images' columns in one matrix and one big GEMM
 *       on all OpenBLAS threads, for batches smaller than the thread count;</li>
 *   <li>{@link DirectPass} ({@link Algorithm#DIRECT}): for stride 1 and few taps per output ({@code C kh kw},
 *       LeNet-5's layers), an implicit GEMM that reads the padded image in place;</li>
 *   <li>{@link ReferenceConv} ({@link Algorithm#REFERENCE}): the definition as plain loops, which the tests
 *       hold every fast path to.</li>
 * </ul>
 * {@link Strategy#AUTO} and {@link Algorithm#AUTO} pick per batch shape ({@link #chooseStrategy},
 * {@link #chooseAlgorithm}). Initialised like PyTorch: weight by Kaiming-uniform with {@code a = sqrt(5)},
 * i.e. uniform in {@code +-1/sqrt(fan_in)} with {@code fan_in = C kh kw}, and bias likewise.
 */
public class Conv2d extends Layer {

    /** How a batch is spread over the threads; see the class comment. */
    public enum Strategy { AUTO, PER_IMAGE, BATCHED }

    /** How one image's product is computed; see the class comment. */
    public enum Algorithm { AUTO, IM2COL, DIRECT, REFERENCE }

    /**
     * {@link Algorithm#AUTO} takes the direct path up to this many taps per output ({@code C kh kw}). Measured:
     * on LeNet-5's layers (25 and 150 taps) the direct path runs forward 1.8-2.5x and backward 1.4-1.5x faster
     * than im2col with OpenBLAS (LayerProfile, one thread). Large layers stay with OpenBLAS, whose packed GEMM
     * keeps its operands in cache where the direct tiles would stream the whole image per tap (AlexNet's
     * stride-1 layers have 2,304 taps and more); between the two the limit is an estimate, not a measurement.
     */
    static final int DIRECT_MAX_TAPS = 512;

    private final int in, out, k;
    private final Window window;
    private final Parameter weight;
    private final Parameter bias;
    private Strategy strategy = Strategy.AUTO;
    private Algorithm algorithm = Algorithm.AUTO;
    /** What the last forward ran with, in any state (diagnostics and tests). */
    private volatile Strategy lastStrategy;
    private volatile Algorithm lastAlgorithm;

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
        Window win = new Window(kh, kw, sh, sw, ph, pw);
        String name = describe(in, out, win, bias);
        if (in < 1 || out < 1) {
            throw new IllegalArgumentException(name + ": channel counts must be >= 1");
        }
        this.in = in;
        this.out = out;
        this.window = win.checkedFor(name);
        this.k = Math.multiplyExact(Math.multiplyExact(in, kh), kw);
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
        return new int[]{window.kh(), window.kw()};
    }

    public int[] stride() {
        return new int[]{window.sh(), window.sw()};
    }

    public int[] padding() {
        return new int[]{window.ph(), window.pw()};
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
        return lastStrategy;
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
        return lastAlgorithm;
    }

    private boolean directPossible() {
        return window.sh() == 1 && window.sw() == 1
                && !(window.kh() == 1 && window.kw() == 1 && window.ph() == 0 && window.pw() == 0);
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
        return algorithm == Algorithm.DIRECT || k <= DIRECT_MAX_TAPS && Engine.get().useVectors();
    }

    /**
     * The strategy AUTO picks for a batch of {@code batch} images on {@code threads} threads: per-image
     * work while there are at least as many images as threads (each worker then has whole images and its
     * GEMMs stay in cache), one big GEMM on all threads otherwise. Measured on the LeNet-5 and AlexNet
     * shapes: on one thread the two are within a few percent for AlexNet and per-image is 15-25% faster for
     * LeNet; on two threads per-image was never slower, and 2-8x faster where OpenBLAS's threads competed.
     */
    protected Strategy chooseStrategy(int batch, int threads) {
        if (strategy != Strategy.AUTO) {
            return strategy;
        }
        return batch >= threads ? Strategy.PER_IMAGE : Strategy.BATCHED;
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
        if (!window.fits(s[2], s[3])) {
            int kh = window.kh(), kw = window.kw(), ph = window.ph(), pw = window.pw();
            String kernel = kh == kw ? "kernel " + kh : "kernel " + kh + "x" + kw;
            String pad = ph == pw ? Integer.toString(ph) : ph + "x" + pw;
            throw shapeError("[N, " + in + ", H, W] with " + window.minInput() + " after padding", s,
                    "the " + kernel + " must fit the input padded by " + pad);
        }
        return new int[]{s[0], out, window.outHeight(s[2]), window.outWidth(s[3])};
    }

    /** Per-call state: the output and input-gradient buffers, the saved input, and the algorithm of the batch shape. */
    static final class State extends LayerState {
        final TensorBuffer output = buffer();
        final TensorBuffer gradInput = buffer();
        int[] inShape, outShape;
        ConvPass pass;
        Algorithm passAlgorithm;
        Strategy passStrategy;
        Tensor input;

        @Override
        public void close() {
            if (pass != null) {
                pass.close();
                pass = null;
            }
            super.close();
        }
    }

    @Override
    public LayerState newState() {
        return new State();
    }

    @Override
    public Tensor forward(Tensor x, LayerState state, boolean keep) {
        State s = stateOf(state, State.class);
        int threads = Engine.get().threads().threads();
        if (!x.hasShape(s.inShape) || s.pass == null || s.pass.geometry().threads != threads) {
            s.outShape = outputShape(x.shape());
            s.inShape = x.shape();
            dropPass(s);
        }
        boolean direct = algorithm != Algorithm.REFERENCE && chooseAlgorithm(strategy);
        Algorithm a = algorithm == Algorithm.REFERENCE ? Algorithm.REFERENCE : direct ? Algorithm.DIRECT : Algorithm.IM2COL;
        Strategy st = direct || a == Algorithm.REFERENCE ? Strategy.PER_IMAGE : chooseStrategy(s.inShape[0], threads);
        if (s.pass == null || s.passAlgorithm != a || s.passStrategy != st) {
            dropPass(s);
            ConvGeometry g = new ConvGeometry(in, out, window, s.inShape[0], s.inShape[2], s.inShape[3], threads);
            s.pass = switch (a) {
                case REFERENCE -> new ReferenceConv(g);
                case DIRECT -> new DirectPass(g);
                default -> st == Strategy.BATCHED ? new Im2colBatched(g) : new Im2colPerImage(g);
            };
            s.passAlgorithm = a;
            s.passStrategy = st;
        }
        lastStrategy = st;
        lastAlgorithm = a;
        Tensor y = s.output.get(s.outShape);
        s.pass.forward(x.segment(), weight.data().segment(), bias == null ? null : bias.data().segment(), y.segment(), keep);
        s.input = keep ? x : null;
        return y;
    }

    private static void dropPass(State s) {
        if (s.pass != null) {
            s.pass.close();
            s.pass = null;
        }
    }

    @Override
    public Tensor backward(Tensor dy, LayerState state) {
        State s = stateOf(state, State.class);
        if (s.input == null) {
            throw new IllegalStateException(describe() + ": backward before forward");
        }
        if (!dy.hasShape(s.outShape)) {
            throw shapeError("gradient " + Arrays.toString(s.outShape), dy.shape(), "it must match the last forward output");
        }
        Tensor dx = inputGradNeeded() ? s.gradInput.get(s.inShape) : null;
        MemorySegment db = bias == null ? null : bias.grad().segment();
        s.pass.backward(s.input.segment(), dy.segment(), weight.data().segment(), weight.grad().segment(), db,
                dx == null ? null : dx.segment());
        return dx;
    }

    @Override
    public String describe() {
        return describe(in, out, window, bias != null);
    }

    private static String describe(int in, int out, Window window, boolean bias) {
        return "Conv2d(" + in + " -> " + out + ", " + window.describe(false) + (bias ? "" : ", bias=false") + ")";
    }
}
