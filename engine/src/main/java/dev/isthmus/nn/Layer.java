package dev.isthmus.nn;

import dev.isthmus.tensor.Rng;
import dev.isthmus.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A layer or a network of layers (PyTorch's {@code nn.Module}; named {@code Layer} so that it does not clash
 * with {@code java.lang.Module}) with an explicit forward and backward pass, as in Caffe and llm.c:
 * {@link #forward} computes the output and keeps what backward needs; {@link #backward} receives
 * dL/d(output), adds dL/d(parameters) into the parameters' gradients and returns dL/d(input).
 *
 * <p>Outputs and input gradients are buffers owned by the module and reused from step to step
 * (valid until the next call of the same method); a caller must not close them. Parameter names and
 * layouts follow PyTorch, so {@link #stateDict()} maps 1:1 onto a PyTorch {@code state_dict}.
 */
public abstract class Layer implements AutoCloseable {
    private boolean training = true;
    private boolean inputGradNeeded = true;
    private Parameters store;

    /** Computes the output for {@code input}; validates the input shape and names the layer if it does not fit. */
    public abstract Tensor forward(Tensor input);

    /**
     * Back-propagates {@code gradOutput} (dL/d(output) of the last forward): accumulates parameter gradients
     * and returns dL/d(input), or {@code null} when {@link #inputGradNeeded()} is false.
     */
    public abstract Tensor backward(Tensor gradOutput);

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
        collect("", out);
        return out;
    }

    private void collect(String prefix, Map<String, Parameter> out) {
        for (Parameter p : localParameters()) {
            out.put(prefix + p.name(), p);
        }
        for (Map.Entry<String, Layer> e : children().entrySet()) {
            e.getValue().collect(prefix + e.getKey() + ".", out);
        }
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

    /** Parameter values by state_dict name (views: writing them changes the model). */
    public final Map<String, Tensor> stateDict() {
        return parameters().stateDict();
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

    /** Frees the module's buffers, its children's, and the flat parameter store if gathered. */
    @Override
    public void close() {
        for (Layer child : children().values()) {
            child.close();
        }
        if (store != null) {
            store.close();
            store = null;
        }
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
