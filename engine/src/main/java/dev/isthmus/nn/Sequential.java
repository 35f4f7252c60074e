package dev.isthmus.nn;

import dev.isthmus.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Layers applied one after another, named {@code "0"}, {@code "1"}, ... as in PyTorch's
 * {@code nn.Sequential}, so parameter names ({@code 0.weight}, {@code 3.bias}) match a PyTorch
 * state_dict. Backward runs the layers in reverse, feeding each the gradient the next one returned.
 *
 * <p>By default the network's input gets no gradient: backward stops at the first layer with parameters,
 * which skips computing its input gradient (layers before it without parameters, such as
 * {@link Flatten}, are not run backward at all); call {@code setInputGradNeeded(true)} to get it.
 *
 * <p>A {@link Linear} directly followed by a {@link ReLU} is fused at construction: the Linear applies
 * ReLU while adding its bias and the ReLU passes that output through, saving a read and a write of the
 * activation per step (see {@link ReLU}). {@link #setCheckFinite} makes every pass look for NaN or
 * Inf and report the first layer that produced one.
 */
public class Sequential extends Layer {
    private final List<Layer> layers;
    private final Map<String, Layer> named;
    private boolean checkFinite;
    /** Index of the first layer backward runs (layers before it need no gradient); size() if none. */
    private int firstBackward;

    public Sequential(Layer... layers) {
        this(Arrays.asList(layers));
    }

    public Sequential(List<? extends Layer> layers) {
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("Sequential needs at least one layer");
        }
        this.layers = List.copyOf(layers);
        Map<String, Layer> m = new LinkedHashMap<>();
        for (int i = 0; i < this.layers.size(); i++) {
            m.put(Integer.toString(i), this.layers.get(i));
        }
        this.named = Collections.unmodifiableMap(m);
        setFusion(true);
        setInputGradNeeded(false);
    }

    /** Fuses (or unfuses) every Linear directly followed by a ReLU; on by default, off only to compare. */
    void setFusion(boolean on) {
        for (int i = 0; i + 1 < layers.size(); i++) {
            if (layers.get(i) instanceof Linear lin && layers.get(i + 1).getClass() == ReLU.class) {
                lin.setFusedRelu(on);
                ((ReLU) layers.get(i + 1)).setFused(on);
            }
        }
    }

    public List<Layer> layers() {
        return layers;
    }

    public Layer get(int i) {
        return layers.get(i);
    }

    public int size() {
        return layers.size();
    }

    @Override
    protected Map<String, Layer> children() {
        return named;
    }

    @Override
    public void setInputGradNeeded(boolean needed) {
        super.setInputGradNeeded(needed);
        if (layers == null) {
            return;
        }
        int first = 0;
        if (!needed) {
            while (first < layers.size() && layers.get(first).parameterCount() == 0) {
                first++;
            }
        }
        firstBackward = first;
        for (int i = 0; i < layers.size(); i++) {
            layers.get(i).setInputGradNeeded(needed || i > first);
        }
    }

    /** Check each layer's output and input gradient for NaN/Inf and name the first layer that produced one. */
    public void setCheckFinite(boolean on) {
        this.checkFinite = on;
    }

    /** Per-call state: one state per layer, in order. */
    static final class State extends LayerState {
        final LayerState[] layers;

        State(List<Layer> layers) {
            this.layers = new LayerState[layers.size()];
            for (int i = 0; i < this.layers.length; i++) {
                this.layers[i] = own(layers.get(i).newState());
            }
        }
    }

    @Override
    public LayerState newState() {
        return new State(layers);
    }

    @Override
    public Tensor forward(Tensor input, LayerState state, boolean keep) {
        State s = stateOf(state, State.class);
        Tensor x = input;
        for (int i = 0; i < layers.size(); i++) {
            x = layers.get(i).forward(x, s.layers[i], keep);
            if (checkFinite) {
                requireFinite(x, i, "forward output");
            }
        }
        return x;
    }

    @Override
    public Tensor backward(Tensor gradOutput, LayerState state) {
        State s = stateOf(state, State.class);
        Tensor g = gradOutput;
        for (int i = layers.size() - 1; i >= firstBackward; i--) {
            g = layers.get(i).backward(g, s.layers[i]);
            if (checkFinite && g != null) {
                requireFinite(g, i, "input gradient");
            }
            if (g == null && i > firstBackward) {
                throw new IllegalStateException("layer " + i + " (" + layers.get(i).describe()
                        + ") returned no input gradient but layers before it need one");
            }
        }
        return firstBackward == 0 ? g : null;
    }

    @Override
    public int[] outputShape(int... inputShape) {
        int[] s = inputShape;
        for (Layer layer : layers) {
            s = layer.outputShape(s);
        }
        return s;
    }

    /** Output shape after each layer, for summaries. */
    public List<int[]> shapes(int... inputShape) {
        List<int[]> out = new ArrayList<>();
        int[] s = inputShape;
        for (Layer layer : layers) {
            s = layer.outputShape(s);
            out.add(s);
        }
        return out;
    }

    private void requireFinite(Tensor t, int layer, String what) {
        long n = t.size();
        for (long i = 0; i < n; i++) {
            float v = t.getFlat(i);
            if (!Float.isFinite(v)) {
                throw new NonFiniteException("layer " + layer + " (" + layers.get(layer).describe() + ") produced "
                        + v + " in its " + what + " at element " + i + " of " + t.shapeString());
            }
        }
    }

    @Override
    public String describe() {
        return "Sequential(" + layers.size() + " layers)";
    }
}
