package dev.isthmus.nn;

import dev.isthmus.kernel.Activations;
import dev.isthmus.kernel.Gemm;
import dev.isthmus.kernel.RowOps;
import dev.isthmus.kernel.Engine;
import dev.isthmus.tensor.Rng;
import dev.isthmus.tensor.Tensor;
import dev.isthmus.tensor.TensorBuffer;

import java.util.List;

/**
 * Fully connected layer {@code y = x W^T + b}, PyTorch's {@code nn.Linear}: weight {@code [out, in]},
 * bias {@code [out]}, input {@code [N, in]}, output {@code [N, out]}.
 *
 * <p>Forward is one GEMM plus a bias pass; backward is two GEMMs ({@code dW += dY^T X},
 * {@code dX = dY W}) and a column sum ({@code db += sum_n dY}). Initialised like PyTorch:
 * weight and bias uniform in {@code +-1/sqrt(in)}.
 *
 * <p>When a {@link Sequential} puts a {@link ReLU} right after this layer it fuses the two: this layer's
 * output then already has {@code max(0, .)} applied, in the same pass that adds the bias.
 */
public class Linear extends Layer {
    private final int in;
    private final int out;
    private final Parameter weight;
    private final Parameter bias;
    private boolean fusedRelu;

    /** Per-call state: output and input-gradient buffers, the saved input and the last shapes. */
    static final class State extends LayerState {
        final TensorBuffer output = buffer();
        final TensorBuffer gradInput = buffer();
        Tensor input;
        /** The last {@code [N, out]} and {@code [N, in]} shapes, kept so a step allocates no shape arrays. */
        int[] outShape;
        int[] inShape;
    }

    public Linear(int in, int out) {
        this(in, out, true);
    }

    public Linear(int in, int out, boolean bias) {
        if (in < 1 || out < 1) {
            throw new IllegalArgumentException("Linear(" + in + " -> " + out + "): sizes must be >= 1");
        }
        this.in = in;
        this.out = out;
        this.weight = new Parameter("weight", true, out, in);
        this.bias = bias ? new Parameter("bias", false, out) : null;
        reset(new Rng(0));
    }

    public int inFeatures() {
        return in;
    }

    public int outFeatures() {
        return out;
    }

    public Parameter weight() {
        return weight;
    }

    /** The bias, or null when built without one. */
    public Parameter bias() {
        return bias;
    }

    /** Set by {@link Sequential} when a ReLU follows: apply it in the bias pass over the GEMM output. */
    void setFusedRelu(boolean on) {
        fusedRelu = on;
    }

    boolean fusedRelu() {
        return fusedRelu;
    }

    @Override
    protected List<Parameter> localParameters() {
        return bias == null ? List.of(weight) : List.of(weight, bias);
    }

    @Override
    public void reset(Rng rng) {
        float bound = (float) (1.0 / Math.sqrt(in));
        Init.uniform(weight.data(), -bound, bound, rng);
        if (bias != null) {
            Init.uniform(bias.data(), -bound, bound, rng);
        }
    }

    @Override
    public int[] outputShape(int... s) {
        if (s.length != 2 || s[1] != in) {
            String hint = s.length > 2 ? "add Flatten before it" : null;
            throw shapeError("[N, " + in + "]", s, hint);
        }
        return new int[]{s[0], out};
    }

    @Override
    public LayerState newState() {
        return new State();
    }

    @Override
    public Tensor forward(Tensor x, LayerState state, boolean keep) {
        State s = stateOf(state, State.class);
        if (x.rank() != 2 || x.dim(1) != in) {
            outputShape(x.shape()); // throws, naming the shapes
        }
        int n = x.dim(0);
        if (s.outShape == null || s.outShape[0] != n) {
            s.outShape = new int[]{n, out};
        }
        Tensor y = s.output.get(s.outShape);
        Gemm gemm = Engine.get().gemm();
        gemm.sgemm(false, true, n, out, in, 1f, x.segment(), in, weight.data().segment(), in, 0f, y.segment(), out);
        if (bias != null) {
            RowOps.addBias(y.segment(), n, out, bias.data().segment(), fusedRelu);
        } else if (fusedRelu) {
            Activations.relu(y.segment(), y.segment(), (long) n * out);
        }
        s.input = keep ? x : null;
        return y;
    }

    @Override
    public Tensor backward(Tensor dy, LayerState state) {
        State s = stateOf(state, State.class);
        Tensor input = s.input;
        if (input == null) {
            throw new IllegalStateException(describe() + ": backward before forward");
        }
        int n = input.dim(0);
        if (dy.rank() != 2 || dy.dim(0) != n || dy.dim(1) != out) {
            throw shapeError("gradient [" + n + ", " + out + "]", dy.shape(), "it must match the last forward output");
        }
        Gemm gemm = Engine.get().gemm();
        // dW[out, in] += dY^T[out, N] X[N, in]
        gemm.sgemm(true, false, out, in, n, 1f, dy.segment(), out, input.segment(), in, 1f, weight.grad().segment(), in);
        if (bias != null) {
            RowOps.addColumnSums(dy.segment(), n, out, bias.grad().segment());
        }
        if (!inputGradNeeded()) {
            return null;
        }
        // dX[N, in] = dY[N, out] W[out, in]
        if (s.inShape == null || s.inShape[0] != n) {
            s.inShape = new int[]{n, in};
        }
        Tensor dx = s.gradInput.get(s.inShape);
        gemm.sgemm(false, false, n, in, out, 1f, dy.segment(), out, weight.data().segment(), in, 0f, dx.segment(), in);
        return dx;
    }

    @Override
    public String describe() {
        return "Linear(" + in + " -> " + out + (bias == null ? ", bias=false" : "") + ")";
    }
}
