package dev.isthmus.kernel;

import dev.isthmus.tensor.Rng;
import dev.isthmus.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The kernels' vector loops against their scalar code: a call on one element never reaches the vector
 * loop (the loop bound is 0), so running each element alone gives the scalar path's result, which must
 * match the full-length (vector) result on the same values, edge values included. Also checks
 * {@link Math}-based references for the values themselves.
 */
class ActivationsTest {
    private static final int N = 67;

    interface Unary {
        void run(MemorySegment x, MemorySegment y, long n);
    }

    interface Binary {
        void run(MemorySegment a, MemorySegment b, MemorySegment out, long n);
    }

    private static Tensor inputs() {
        Tensor x = Tensor.randn(new Rng(5), N);
        float[] edges = {0f, -0f, 1e-7f, -1e-7f, 30f, -30f, 100f, -100f, 1000f, -1000f, Float.NaN, 3f, -3f, 0.5f};
        for (int i = 0; i < edges.length; i++) {
            x.setFlat(i, edges[i]);
        }
        return x;
    }

    private static void assertSame(String what, float expected, float actual, long i) {
        if (Float.isNaN(expected) && Float.isNaN(actual)) {
            return;
        }
        double tol = 2e-6 * Math.max(1e-6, Math.abs(expected)) + 1e-30;
        if (!(Math.abs(expected - actual) <= tol)) {
            fail(what + " element " + i + ": scalar path " + expected + ", vector path " + actual);
        }
    }

    private static void compareUnary(String what, Unary f) {
        try (Tensor x = inputs(); Tensor vec = Tensor.zeros(N); Tensor one = Tensor.zeros(1)) {
            f.run(x.segment(), vec.segment(), N);
            for (long i = 0; i < N; i++) {
                f.run(x.segment().asSlice(i * 4, 4), one.segment(), 1);
                assertSame(what, one.getFlat(0), vec.getFlat(i), i);
            }
        }
    }

    private static void compareBinary(String what, Binary f) {
        try (Tensor a = inputs(); Tensor b = Tensor.randn(new Rng(6), N); Tensor vec = Tensor.zeros(N); Tensor one = Tensor.zeros(1)) {
            f.run(a.segment(), b.segment(), vec.segment(), N);
            for (long i = 0; i < N; i++) {
                f.run(a.segment().asSlice(i * 4, 4), b.segment().asSlice(i * 4, 4), one.segment(), 1);
                assertSame(what, one.getFlat(0), vec.getFlat(i), i);
            }
        }
    }

    @Test
    void vectorAndScalarPathsAgree() {
        compareUnary("relu", Activations::relu);
        compareUnary("leakyRelu", (x, y, n) -> Activations.leakyRelu(x, y, n, 0.1f));
        compareUnary("sigmoid", Activations::sigmoid);
        compareUnary("tanh", Activations::tanh);
        compareBinary("reluBackward", Activations::reluBackward);
        compareBinary("leakyReluBackward", (x, dy, dx, n) -> Activations.leakyReluBackward(x, dy, dx, n, -0.3f));
        compareBinary("sigmoidBackward", Activations::sigmoidBackward);
        compareBinary("tanhBackward", Activations::tanhBackward);
        compareBinary("mul", Activations::mul);
        compareBinary("mseGrad", (x, t, g, n) -> LossKernels.squaredErrorGrad(x, t, g, n, 0.7f));
        compareBinary("l1Grad", (x, t, g, n) -> LossKernels.absErrorGrad(x, t, g, n, 0.7f));
        compareBinary("bceWithLogitsGrad", (x, t, g, n) -> LossKernels.bceWithLogitsGrad(x, t, g, n, 0.7f));
    }

    @Test
    void valuesMatchMathReferences() {
        try (Tensor x = inputs(); Tensor y = Tensor.zeros(N)) {
            Activations.sigmoid(x.segment(), y.segment(), N);
            for (int i = 0; i < N; i++) {
                double ref = 1 / (1 + Math.exp(-(double) x.getFlat(i)));
                assertSame("sigmoid vs Math", (float) ref, y.getFlat(i), i);
            }
            assertEquals(0f, y.getFlat(9), "sigmoid(-1000) saturates to 0");
            assertEquals(1f, y.getFlat(8), "sigmoid(1000) saturates to 1");
            Activations.tanh(x.segment(), y.segment(), N);
            for (int i = 0; i < N; i++) {
                assertSame("tanh vs Math", (float) Math.tanh(x.getFlat(i)), y.getFlat(i), i);
            }
            Activations.relu(x.segment(), y.segment(), N);
            assertTrue(Float.isNaN(y.getFlat(10)), "ReLU keeps NaN visible");
        }
    }

    @Test
    void elementwiseLossSumsAgreeWithScalarSums() {
        try (Tensor x = Tensor.rand(new Rng(8), 1000); Tensor t = Tensor.rand(new Rng(9), 1000)) {
            MemorySegment xs = x.segment(), ts = t.segment();
            double mse = 0, l1 = 0, bce = 0, bcel = 0;
            for (int i = 0; i < 1000; i++) {
                double a = x.getFlat(i), b = t.getFlat(i);
                mse += (a - b) * (a - b);
                l1 += Math.abs(a - b);
                bce -= b * Math.log(a) + (1 - b) * Math.log(1 - a);
                bcel += Math.max(a, 0) - a * b + Math.log1p(Math.exp(-Math.abs(a)));
            }
            assertEquals(mse, LossKernels.squaredErrorSum(xs, ts, 1000), 1e-5 * mse);
            assertEquals(l1, LossKernels.absErrorSum(xs, ts, 1000), 1e-5 * l1);
            assertEquals(bce, LossKernels.bceSum(xs, ts, 1000), 1e-5 * bce);
            assertEquals(bcel, LossKernels.bceWithLogitsSum(xs, ts, 1000), 1e-5 * bcel);
            assertEquals(-1, LossKernels.firstNonProbability(xs, 1000));
            x.setFlat(777, 1.5f);
            assertEquals(777, LossKernels.firstNonProbability(xs, 1000));
            x.setFlat(3, Float.NaN);
            assertEquals(3, LossKernels.firstNonProbability(xs, 1000));
        }
    }
}
