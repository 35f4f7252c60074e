package dev.isthmus.nn;

import dev.isthmus.tensor.Rng;
import dev.isthmus.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * A layer or a network of layers (PyTorch's {@code nn.Module}; named {@code Layer} so that it does not clash
 * with {@code java.lang.Module}) with an explicit forward and backward pass, as in Caffe and llm.c:
 * {@link #forward} computes the output and keeps what backward needs; {@link #backward} receives
 * dL/d(output), adds dL/d(parameters) into the parameters' gradients and returns dL/d(input).
 *
 * <p>A layer holds its parameters, shape and dispatch; what one call computes and keeps (outputs, saved
 * inputs, indices, scratch) lives in a {@link LayerState} that the caller passes:
 * {@link #forward(Tensor, LayerState, boolean)} and {@link #backward(Tensor, LayerState)}. The one-argument
 * {@link #forward(Tensor)} and {@link #backward(Tensor)} use the layer's own default state, made on first
 * use and bound to one thread: a call from a second thread throws, naming
 * {@link dev.isthmus.infer.Predictor}, which gives each concurrent call a state of its own. An inference
 * pass ({@code keep = false}) saves nothing for backward and acts as in evaluation mode.
 *
 * <p>Outputs and input gradients are buffers of the state, reused from step to step (valid until the next
 * call of the same method with that state); a caller must not close them. Parameter names and layouts
 * follow PyTorch, so {@link #stateDict()} maps 1:1 onto a PyTorch {@code state_dict}.
 *
 * <p>Non-learnable state that belongs to the model, not to one call (a running mean, say), is a
 * <em>buffer</em>: {@link #registerBuffer} makes it, as PyTorch's {@code register_buffer}. Buffers are in
 * {@link #stateDict()} beside the parameters under the same naming, so they are saved and loaded with the
 * weights, written into and restored from checkpoints, and kept with early stopping's best weights. Only a
 * training pass ({@code keep} and {@link #isTraining()}) may change a buffer; an inference pass reads it.
 */
public abstract class Layer implements AutoCloseable {
    private boolean training = true;
    private boolean inputGradNeeded = true;
    private Parameters store;
    private LayerState own;
    private final CallGuard guard = new CallGuard();
    private final Map<String, Tensor> buffers = new LinkedHashMap<>();

    /**
     * Computes the output for {@code input} in the layer's own state, keeping what {@link #backward(Tensor)}
     * needs; validates the input shape and names the layer if it does not fit. One thread only (see the
     * class comment).
     */
    public final Tensor forward(Tensor input) {
        guard.enter(this);
        try {
            return forward(input, ownState(), true);
        } finally {
            guard.exit();
        }
    }

    /**
     * Back-propagates {@code gradOutput} (dL/d(output) of the last {@link #forward(Tensor)}): accumulates
     * parameter gradients and returns dL/d(input), or {@code null} when {@link #inputGradNeeded()} is false.
     */
    public final Tensor backward(Tensor gradOutput) {
        guard.enter(this);
        try {
            return backward(gradOutput, ownState());
        } finally {
            guard.exit();
        }
    }

    /**
     * Computes the output for {@code input} in {@code state} (made by this layer's {@link #newState()}).
     * With {@code keep} the state keeps what {@link #backward(Tensor, LayerState)} needs and dropout follows
     * {@link #isTraining()}; without it nothing is kept and the pass is an evaluation-mode inference.
     */
    public abstract Tensor forward(Tensor input, LayerState state, boolean keep);

    /** Back-propagates through the last forward that ran with {@code state} and {@code keep = true}. */
    public abstract Tensor backward(Tensor gradOutput, LayerState state);

    /** A fresh per-call state for this layer (and its children); the caller owns it and closes it. */
    public LayerState newState() {
        return new LayerState();
    }

    /** The layer's default state, behind the one-argument forward and backward. */
    final LayerState ownState() {
        LayerState s = own;
        if (s == null || s.isClosed()) {
            s = newState();
            own = s;
        }
        return s;
    }

    /** The default state if a one-argument forward made it, else null (tests and diagnostics). */
    final LayerState ownStateIfAny() {
        return own;
    }

    /** Throws when {@code state} was not made by this layer (a state tree passed to the wrong model). */
    protected final <S extends LayerState> S stateOf(LayerState state, Class<S> type) {
        if (!type.isInstance(state)) {
            throw new IllegalArgumentException(describe() + ": expected a state made by its newState(), got "
                    + (state == null ? "null" : state.getClass().getName()));
        }
        return type.cast(state);
    }

    /**
     * The output shape for an input shape (batch dimension included), or an {@link IllegalArgumentException}
     * naming the layer and both shapes if the input does not fit.
     */
    public abstract int[] outputShape(int... inputShape);

    /** A one-line description in PyTorch's style, e.g. {@code Linear(784 -> 40)}. */
    public String describe() {
        return getClass().getSimpleName();
    }

    /** This module's own parameters, in state_dict order (e.g. weight, bias). */
    protected List<Parameter> localParameters() {
        return List.of();
    }

    /** Child modules, named as in PyTorch (a Sequential's are {@code "0"}, {@code "1"}, ...). */
    protected Map<String, Layer> children() {
        return Map.of();
    }

    /** (Re)initialises the parameters as PyTorch does by default, from {@code rng}. */
    public void reset(Rng rng) {
        for (Layer child : children().values()) {
            child.reset(rng);
        }
    }

    /** Every parameter under this module by state_dict name ({@code 0.weight}, {@code 3.bias}, ...). */
    public final Map<String, Parameter> namedParameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        walk("", out::put, (k, t) -> { });
        return out;
    }


    /**
     * The parameters of this module in one flat value buffer and one flat gradient buffer, gathered on
     * first call. Call it on the model you train (the root) and hand it to the optimizer.
     */
    public final Parameters parameters() {
        if (store == null) {
            store = Parameters.gather(namedParameters());
        }
        return store;
    }

    /**
     * Registers a non-learnable tensor of this layer (zeros of {@code shape}) under the local {@code name}; the
     * layer owns it and frees it on {@link #close()}. Call it from the constructor, once per name.
     */
    protected final Tensor registerBuffer(String name, int... shape) {
        if (name == null || name.isEmpty() || name.contains(".")) {
            throw new IllegalArgumentException(describe() + ": a buffer needs a non-empty name without '.', got " + name);
        }
        for (Parameter p : localParameters()) {
            if (p.name().equals(name)) {
                throw new IllegalArgumentException(describe() + ": buffer '" + name + "' has a parameter's name");
            }
        }
        if (buffers.containsKey(name)) {
            throw new IllegalArgumentException(describe() + ": buffer '" + name + "' is registered twice");
        }
        Tensor t = Tensor.zeros(shape);
        buffers.put(name, t);
        return t;
    }

    /** Every buffer under this module by state_dict name ({@code 1.running_mean}, ...), in model order. */
    public final Map<String, Tensor> namedBuffers() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        walk("", (k, p) -> { }, out::put);
        return out;
    }

    /**
     * Parameter and buffer values by state_dict name, in PyTorch's order (each module's parameters, then its
     * buffers, then its children): views, so writing them changes the model.
     */
    public final Map<String, Tensor> stateDict() {
        parameters();
        Map<String, Tensor> out = new LinkedHashMap<>();
        walk("", (k, p) -> out.put(k, p.data()), out::put);
        return out;
    }

    private void walk(String prefix, BiConsumer<String, Parameter> param,
                      BiConsumer<String, Tensor> buffer) {
        for (Parameter p : localParameters()) {
            param.accept(prefix + p.name(), p);
        }
        buffers.forEach((k, t) -> buffer.accept(prefix + k, t));
        for (Map.Entry<String, Layer> e : children().entrySet()) {
            e.getValue().walk(prefix + e.getKey() + ".", param, buffer);
        }
    }

    /** Number of learnable scalars. */
    public final long parameterCount() {
        long n = 0;
        for (Parameter p : namedParameters().values()) {
            n += p.size();
        }
        return n;
    }

    /** Training mode (dropout active) or evaluation mode; applies to all children. */
    public void train(boolean on) {
        training = on;
        for (Layer child : children().values()) {
            child.train(on);
        }
    }

    public final void train() {
        train(true);
    }

    public final void eval() {
        train(false);
    }

    public final boolean isTraining() {
        return training;
    }

    /**
     * Whether backward must compute dL/d(input). The first layer of a network does not need it
     * (nobody consumes it), which saves the whole col2im of a first convolution.
     */
    public void setInputGradNeeded(boolean needed) {
        this.inputGradNeeded = needed;
    }

    public final boolean inputGradNeeded() {
        return inputGradNeeded;
    }

    /** Frees the default state, the children's, the flat parameter store if gathered, and ungathered parameters. */
    @Override
    public void close() {
        for (Layer child : children().values()) {
            child.close();
        }
        if (own != null) {
            own.close();
            own = null;
        }
        guard.release();
        if (store != null) {
            store.close();
            store = null;
        }
        for (Parameter p : localParameters()) {   // memory of their own until gathered; views afterwards (close is a no-op)
            p.data().close();
            p.grad().close();
        }
        buffers.values().forEach(Tensor::close);
    }

    /** The output shape of a layer that keeps its input's shape (any rank >= 1): a copy of {@code s}. */
    protected final int[] shapeKept(int[] s) {
        if (s.length < 1) {
            throw shapeError("a tensor of rank >= 1", s, null);
        }
        return s.clone();
    }

    /** Throws a shape error in the standard form: {@code Linear(784 -> 40) expects [N, 784], got [64, 1, 28, 28]}. */
    protected final IllegalArgumentException shapeError(String expected, int[] got, String hint) {
        return new IllegalArgumentException(describe() + " expects " + expected + ", got " + Arrays.toString(got)
                + (hint == null || hint.isEmpty() ? "" : ": " + hint));
    }

    /** The direct children in order (empty for a layer). */
    public final List<Layer> childModules() {
        return new ArrayList<>(children().values());
    }
}
