package dev.isthmus.nn;

import dev.isthmus.tensor.Rng;
import dev.isthmus.tensor.Tensor;

/**
 * Weight initialisation, PyTorch's {@code nn.init}: uniform, normal, Kaiming/He (uniform and normal, for
 * ReLU-family activations), Xavier/Glorot (for tanh and sigmoid), zeros; all drawn from a seeded
 * {@link Rng}, so the same seed gives the same network.
 *
 * <p>Fans follow PyTorch: for a weight {@code [out, in, k...]}, fan_in = in * prod(k) and
 * fan_out = out * prod(k).
 */
public final class Init {
    private Init() {
    }

    /** Which fan Kaiming initialisation preserves: the forward pass's variance or the backward pass's. */
    public enum FanMode { FAN_IN, FAN_OUT }

    public static void uniform(Tensor t, float lo, float hi, Rng rng) {
        for (long i = 0; i < t.size(); i++) {
            t.setFlat(i, rng.uniform(lo, hi));
        }
    }

    public static void normal(Tensor t, float mean, float std, Rng rng) {
        for (long i = 0; i < t.size(); i++) {
            t.setFlat(i, (float) (mean + std * rng.nextGaussian()));
        }
    }

    public static void zeros(Tensor t) {
        t.fill(0f);
    }

    public static void constant(Tensor t, float v) {
        t.fill(v);
    }

    /** Gain of an activation for the Kaiming/Xavier formulas ({@code nn.init.calculate_gain}). */
    public static double gain(String nonlinearity, double negativeSlope) {
        return switch (nonlinearity.toLowerCase()) {
            case "linear", "identity", "sigmoid", "conv" -> 1.0;
            case "tanh" -> 5.0 / 3.0;
            case "relu" -> Math.sqrt(2.0);
            case "leaky_relu" -> Math.sqrt(2.0 / (1 + negativeSlope * negativeSlope));
            default -> throw new IllegalArgumentException("unknown nonlinearity '" + nonlinearity + "'");
        };
    }

    /** Kaiming/He uniform: U(-b, b), b = gain * sqrt(3 / fan). */
    public static void kaimingUniform(Tensor w, FanMode mode, String nonlinearity, double negativeSlope, Rng rng) {
        double std = gain(nonlinearity, negativeSlope) / Math.sqrt(fan(w, mode));
        float bound = (float) (Math.sqrt(3.0) * std);
        uniform(w, -bound, bound, rng);
    }

    /** Kaiming/He normal: N(0, gain / sqrt(fan)). */
    public static void kaimingNormal(Tensor w, FanMode mode, String nonlinearity, double negativeSlope, Rng rng) {
        double std = gain(nonlinearity, negativeSlope) / Math.sqrt(fan(w, mode));
        normal(w, 0f, (float) std, rng);
    }

    /** Xavier/Glorot uniform: U(-b, b), b = gain * sqrt(6 / (fan_in + fan_out)). */
    public static void xavierUniform(Tensor w, double gain, Rng rng) {
        float bound = (float) (gain * Math.sqrt(6.0 / (fanIn(w) + fanOut(w))));
        uniform(w, -bound, bound, rng);
    }

    /** Xavier/Glorot normal: N(0, gain * sqrt(2 / (fan_in + fan_out))). */
    public static void xavierNormal(Tensor w, double gain, Rng rng) {
        normal(w, 0f, (float) (gain * Math.sqrt(2.0 / (fanIn(w) + fanOut(w)))), rng);
    }

    public static long fanIn(Tensor w) {
        checkRank(w);
        return w.size() / w.dim(0);
    }

    public static long fanOut(Tensor w) {
        checkRank(w);
        return w.size() / w.dim(1);
    }

    private static long fan(Tensor w, FanMode mode) {
        return mode == FanMode.FAN_IN ? fanIn(w) : fanOut(w);
    }

    private static void checkRank(Tensor w) {
        if (w.rank() < 2) {
            throw new IllegalArgumentException("fan in/out need a weight of rank >= 2, got " + w.shapeString());
        }
    }
}
