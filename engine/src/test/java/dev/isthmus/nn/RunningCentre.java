package dev.isthmus.nn;

import dev.isthmus.tensor.Rng;
import dev.isthmus.tensor.Tensor;
import dev.isthmus.tensor.TensorBuffer;

import java.util.List;

/**
 * A layer with a buffer, written as a user would add one: {@code y = (x - running_mean) * weight} per feature,
 * where a training pass first moves {@code running_mean} towards the batch mean by {@code momentum} (as
 * BatchNorm's running statistics do) and an inference pass only reads it. The running mean is treated as a
 * constant in backward. It touches nothing but this file and one {@link LayerTypes#register} call.
 */
final class RunningCentre extends Layer {
    static final String TYPE = "RunningCentre";
    private final int features;
    private final float momentum;
    private final Parameter weight;
    private final Tensor runningMean;

    static void register() {
        LayerTypes.register(TYPE, RunningCentre.class, new LayerTypes.Codec<>() {
            @Override
            public void write(RunningCentre layer, com.fasterxml.jackson.databind.node.ObjectNode json) {
                json.put("features", layer.features);
                json.put("momentum", layer.momentum);
            }

            @Override
            public RunningCentre read(LayerTypes.Fields f) {
                return new RunningCentre(f.integer("features"), (float) f.number("momentum"));
            }
        });
    }

    RunningCentre(int features, float momentum) {
        if (features < 1 || features > 1 << 20 || !(momentum > 0 && momentum <= 1)) {
            throw new IllegalArgumentException("RunningCentre: features in [1, 2^20] and momentum in (0, 1], got "
                    + features + ", " + momentum);
        }
        this.features = features;
        this.momentum = momentum;
        this.weight = new Parameter("weight", false, features);
        this.weight.data().fill(1);
        this.runningMean = registerBuffer("running_mean", features);
    }

    Tensor runningMean() {
        return runningMean;
    }

    static final class State extends LayerState {
        final TensorBuffer out = buffer();
        final TensorBuffer centred = buffer();
        final TensorBuffer gradIn = buffer();
    }

    @Override
    public LayerState newState() {
        return new State();
    }

    @Override
    protected List<Parameter> localParameters() {
        return List.of(weight);
    }

    @Override
    public void reset(Rng rng) {
        weight.data().fill(1);
        runningMean.fill(0);
    }

    @Override
    public Tensor forward(Tensor x, LayerState state, boolean keep) {
        State s = stateOf(state, State.class);
        outputShape(x.shape());
        int n = x.dim(0);
        if (keep && isTraining()) {
            for (int f = 0; f < features; f++) {
                double sum = 0;
                for (int i = 0; i < n; i++) {
                    sum += x.get(i, f);
                }
                runningMean.setFlat(f, (float) ((1 - momentum) * runningMean.getFlat(f) + momentum * sum / n));
            }
        }
        Tensor y = s.out.get(n, features);
        Tensor c = s.centred.get(n, features);
        Tensor w = weight.data();
        for (int i = 0; i < n; i++) {
            for (int f = 0; f < features; f++) {
                float v = x.get(i, f) - runningMean.getFlat(f);
                c.set(v, i, f);
                y.set(v * w.getFlat(f), i, f);
            }
        }
        return y;
    }

    @Override
    public Tensor backward(Tensor g, LayerState state) {
        State s = stateOf(state, State.class);
        int n = g.dim(0);
        Tensor c = s.centred.get(n, features);
        Tensor w = weight.data(), dw = weight.grad();
        for (int f = 0; f < features; f++) {
            double sum = 0;
            for (int i = 0; i < n; i++) {
                sum += g.get(i, f) * c.get(i, f);
            }
            dw.setFlat(f, dw.getFlat(f) + (float) sum);
        }
        if (!inputGradNeeded()) {
            return null;
        }
        Tensor dx = s.gradIn.get(n, features);
        for (int i = 0; i < n; i++) {
            for (int f = 0; f < features; f++) {
                dx.set(g.get(i, f) * w.getFlat(f), i, f);
            }
        }
        return dx;
    }

    @Override
    public int[] outputShape(int... in) {
        if (in.length != 2 || in[1] != features) {
            throw shapeError("[N, " + features + "]", in, null);
        }
        return in.clone();
    }

    @Override
    public String describe() {
        return "RunningCentre(" + features + ")";
    }
}
