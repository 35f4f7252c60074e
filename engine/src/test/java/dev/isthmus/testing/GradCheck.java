package dev.isthmus.testing;

import dev.isthmus.loss.Loss;
import dev.isthmus.nn.Layer;
import dev.isthmus.nn.Parameter;
import dev.isthmus.tensor.Rng;
import dev.isthmus.tensor.Tensor;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Finite-difference gradient checks for modules and losses. The scalar checked is
 * {@code L = sum(forward(x) * R)} with a fixed random {@code R}, so backward receives {@code R}; every
 * analytic input and parameter gradient is compared with the central difference
 * {@code (L(v + eps) - L(v - eps)) / 2 eps} (sums in double), element by element, or on a sample of
 * elements for large tensors.
 */
public final class GradCheck {
    private GradCheck() {
    }

    /** Largest number of elements checked per tensor (chosen evenly plus the first and last). */
    public static final int MAX_CHECKED = 300;

    /** Checks input and parameter gradients of {@code m} at {@code x}. */
    public static void check(Layer m, Tensor x, double eps, double rtol, double atol) {
        m.setInputGradNeeded(true);
        Map<String, Parameter> params = m.namedParameters();
        for (Parameter p : params.values()) {
            p.grad().fill(0f);
        }
        Tensor out = m.forward(x);
        Tensor r = Tensor.randn(new Rng(1234), out.shape());
        Tensor dx = m.backward(r);
        float[] analyticX = dx.toArray();
        compare(m.describe() + " input", x, analyticX, () -> weighted(m.forward(x), r), eps, rtol, atol);
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            float[] analytic = e.getValue().grad().toArray();
            compare(m.describe() + " " + e.getKey(), e.getValue().data(), analytic, () -> weighted(m.forward(x), r), eps, rtol, atol);
        }
        r.close();
    }

    /** Checks dL/d(input) of a loss at {@code input} against {@code target}. */
    public static void checkLoss(Loss loss, Tensor input, Tensor target, double eps, double rtol, double atol) {
        loss.forward(input, target);
        float[] analytic = loss.backward().toArray();
        compare(loss.describe() + " input", input, analytic, () -> loss.forward(input, target), eps, rtol, atol);
    }

    private static double weighted(Tensor out, Tensor r) {
        double s = 0;
        for (long i = 0; i < out.size(); i++) {
            s += (double) out.getFlat(i) * r.getFlat(i);
        }
        return s;
    }

    private static void compare(String what, Tensor v, float[] analytic, java.util.function.DoubleSupplier f,
                                double eps, double rtol, double atol) {
        long n = v.size();
        long step = Math.max(1, n / MAX_CHECKED);
        for (long i = 0; i < n; i += step) {
            check(what, v, analytic, f, eps, rtol, atol, i);
        }
        if (n > 0) {
            check(what, v, analytic, f, eps, rtol, atol, n - 1);
        }
    }

    private static void check(String what, Tensor v, float[] analytic, java.util.function.DoubleSupplier f,
                              double eps, double rtol, double atol, long i) {
        float orig = v.getFlat(i);
        v.setFlat(i, (float) (orig + eps));
        double plus = f.getAsDouble();
        v.setFlat(i, (float) (orig - eps));
        double minus = f.getAsDouble();
        v.setFlat(i, orig);
        double hPlus = (double) (float) (orig + eps) - orig, hMinus = orig - (double) (float) (orig - eps);
        double numeric = (plus - minus) / (hPlus + hMinus);
        double a = analytic[(int) i];
        if (Math.abs(a - numeric) > atol + rtol * Math.abs(numeric)) {
            fail(what + " gradient at element " + i + " of " + v.shapeString() + ": analytic " + a + ", numeric " + numeric);
        }
    }
}
