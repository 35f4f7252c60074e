package dev.isthmus.optim;

import dev.isthmus.nn.Linear;
import dev.isthmus.nn.Parameters;
import dev.isthmus.tensor.Rng;
import dev.isthmus.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.function.IntToDoubleFunction;

import static dev.isthmus.optim.OptimizerTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The range test on linear regression with mini-batch SGD, where the largest stable rate is known:
 * gradient descent on {@code L = mean((Xw + b - y)^2)} diverges above {@code 2 / lambda_max(H)},
 * {@code H = 2/N [X 1]^T [X 1]}.
 */
class LrRangeTestTest {
    private static final int N = 512;
    private static final int D = 8;
    private static final int BATCH = 32;

    /** Features with scales 0.5..2 (an ill-conditioned problem), targets from a fixed linear model plus noise. */
    private static float[][] data() {
        Rng rng = new Rng(8);
        float[] x = new float[N * D];
        float[] y = new float[N];
        for (int n = 0; n < N; n++) {
            double target = 0.3;
            for (int d = 0; d < D; d++) {
                float v = (float) (rng.nextGaussian() * (0.5 + 1.5 * d / (D - 1)));
                x[n * D + d] = v;
                target += v * (d % 2 == 0 ? 1.0 : -0.5);
            }
            y[n] = (float) (target + 0.1 * rng.nextGaussian());
        }
        return new float[][]{x, y};
    }

    /** {@code 2 / lambda_max} of the full-batch Hessian, by power iteration in double. */
    private static double largestStableRate(float[] x) {
        int m = D + 1;
        double[][] h = new double[m][m];
        for (int n = 0; n < N; n++) {
            for (int i = 0; i < m; i++) {
                double ai = i < D ? x[n * D + i] : 1;
                for (int j = 0; j < m; j++) {
                    double aj = j < D ? x[n * D + j] : 1;
                    h[i][j] += 2.0 / N * ai * aj;
                }
            }
        }
        double[] v = new double[m];
        java.util.Arrays.fill(v, 1);
        double lambda = 0;
        for (int it = 0; it < 500; it++) {
            double[] w = new double[m];
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < m; j++) {
                    w[i] += h[i][j] * v[j];
                }
            }
            double norm = 0;
            for (double e : w) {
                norm += e * e;
            }
            norm = Math.sqrt(norm);
            lambda = norm;
            for (int i = 0; i < m; i++) {
                v[i] = w[i] / norm;
            }
        }
        return 2 / lambda;
    }

    /** One mini-batch of forward, MSE and backward; returns the batch loss. */
    private static IntToDoubleFunction trainer(Linear model, Tensor x, Tensor y, Tensor grad) {
        return i -> {
            int b = i % (N / BATCH);
            Tensor out = model.forward(x.slice(b * BATCH, (b + 1) * BATCH));
            Tensor target = y.slice(b * BATCH, (b + 1) * BATCH);
            double sum = 0;
            for (int k = 0; k < BATCH; k++) {
                float d = out.getFlat(k) - target.getFlat(k);
                sum += (double) d * d;
                grad.setFlat(k, 2f * d / BATCH);
            }
            model.backward(grad);
            return sum / BATCH;
        };
    }

    @Test
    void suggestsARateBelowTheDivergenceThresholdAndRestoresTheModel() {
        float[][] xy = data();
        double lrMax = largestStableRate(xy[0]);
        try (Tensor x = Tensor.of(xy[0], N, D); Tensor y = Tensor.of(xy[1], N, 1); Tensor grad = Tensor.zeros(BATCH, 1);
             Linear model = new Linear(D, 1); SGD opt = SGD.builder(model.parameters(), 0.123).momentum(0.5).build()) {
            Parameters params = model.parameters();
            opt.step(); // a non-trivial optimizer state to restore (zero gradients: no change in the weights)
            float[] before = params.data().toArray();
            float[] bufferBefore = opt.state().buffers().get("momentum_buffer").toArray();
            IntToDoubleFunction train = trainer(model, x, y, grad);

            LrRangeTest test = new LrRangeTest(1e-5, 10, 200);
            LrRangeTest.Result r = test.run(opt, train);

            assertTrue(r.diverged(), "a rate of 10 diverges (stable below " + lrMax + ")");
            assertTrue(r.lrs().length < 200, "stops early on divergence");
            assertEquals(1e-5, r.lrs()[0], 1e-18);
            assertEquals(test.lrAt(1) / test.lrAt(0), test.lrAt(2) / test.lrAt(1), 1e-12, "exponential growth");
            double steepest = r.steepestLr();
            double rule = r.minLossLrOver10();
            assertTrue(steepest > lrMax / 100 && steepest < lrMax, "steepest " + steepest + " vs stability limit " + lrMax + ": " + r);
            assertTrue(rule > lrMax / 100 && rule < lrMax / 2, "min-loss/10 " + rule + " vs stability limit " + lrMax + ": " + r);
            assertTrue(r.smoothed()[r.minLossIndex()] < 0.1 * r.smoothed()[0], "the loss fell: " + r);

            assertArrayEquals(before, params.data().toArray(), "parameters restored");
            assertArrayEquals(bufferBefore, opt.state().buffers().get("momentum_buffer").toArray(), "optimizer state restored");
            assertEquals(0.123, opt.lr());
            assertEquals(1, opt.stepCount());

            // the suggestion trains stably: 3 epochs at the steepest rate cut the loss 5-fold
            double first = 0;
            double last = 0;
            opt.setLr(steepest);
            for (int i = 0; i < 3 * N / BATCH; i++) {
                opt.zeroGrad();
                last = train.applyAsDouble(i);
                first = i == 0 ? last : first;
                opt.step();
            }
            assertTrue(last < first / 5, "loss at the suggested rate " + steepest + ": " + first + " -> " + last);
        }
    }

    @Test
    void withoutRestoreTheModelKeepsTheTrainingAndAShortRangeNeedNotDiverge() {
        float[][] xy = data();
        try (Tensor x = Tensor.of(xy[0], N, D); Tensor y = Tensor.of(xy[1], N, 1); Tensor grad = Tensor.zeros(BATCH, 1);
             Linear model = new Linear(D, 1); SGD opt = new SGD(model.parameters(), 0.1)) {
            float[] before = model.parameters().data().toArray();
            LrRangeTest.Result r = new LrRangeTest(1e-4, 1e-2, 20).restore(false).smoothing(0).run(opt, trainer(model, x, y, grad));
            assertFalse(r.diverged());
            assertEquals(20, r.lrs().length);
            assertArrayEquals(r.losses(), r.smoothed(), "smoothing 0 records raw losses");
            assertFalse(java.util.Arrays.equals(before, model.parameters().data().toArray()), "parameters trained");
            assertEquals(0.1, opt.lr(), "the rate is put back");
        }
        assertMessage("LrRangeTest: need 0 < minLr < maxLr (finite), got 1.0 and 0.1", () -> new LrRangeTest(1, 0.1, 10));
        assertMessage("LrRangeTest: steps must be >= 2, got 1", () -> new LrRangeTest(1e-3, 1, 1));
    }
}
