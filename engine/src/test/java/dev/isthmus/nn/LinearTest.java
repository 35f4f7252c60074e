package dev.isthmus.nn;

import dev.isthmus.tensor.Rng;
import dev.isthmus.tensor.Tensor;
import dev.isthmus.testing.Fixtures;
import dev.isthmus.testing.GradCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class LinearTest {

    @Test
    void gradientsMatchFiniteDifferences() {
        try (Linear lin = new Linear(7, 5); Tensor x = Tensor.randn(new Rng(3), 4, 7)) {
            lin.reset(new Rng(9));
            GradCheck.check(lin, x, 1e-2, 1e-2, 1e-3);
        }
        try (Linear lin = new Linear(3, 2, false); Tensor x = Tensor.randn(new Rng(4), 1, 3)) {
            GradCheck.check(lin, x, 1e-2, 1e-2, 1e-3);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"linear_small", "linear_mlp"})
    void matchesPyTorch(String fixture) {
        Fixtures f = Fixtures.load("linear/" + fixture + ".json");
        double rtol = fixture.equals("linear_mlp") ? 1e-4 : 1e-5; // 784-term sums: 1e-4, as the issue allows
        int[] ws = f.shape("weight");
        try (Linear lin = new Linear(ws[1], ws[0]); Tensor x = f.tensor("x"); Tensor r = f.tensor("r")) {
            lin.setInputGradNeeded(true);
            lin.weight().data().copyFrom(f.data("weight"));
            lin.bias().data().copyFrom(f.data("bias"));
            f.assertClose("y", lin.forward(x), rtol);
            f.assertClose("dx", lin.backward(r), rtol);
            f.assertClose("dweight", lin.weight().grad(), rtol);
            f.assertClose("dbias", lin.bias().grad(), rtol);
        }
    }

    @Test
    void aWideLayerAtSmallBatchRunsTheSkinnyKernelAndMatchesADoubleReference() {
        int in = 1800, out = 600, batch = 3;
        // routed when OpenBLAS is the backend and the Vector API is in use (the self-check can say no on a starved machine)
        if (dev.isthmus.kernel.Engine.get().openBlas().isPresent() && dev.isthmus.kernel.Engine.get().useVectors()) {
            assertEquals("skinny", dev.isthmus.kernel.Engine.get().gemmFor(false, true, batch, out, in), "forward route");
            assertEquals("skinny", dev.isthmus.kernel.Engine.get().gemmFor(false, false, batch, in, out), "dX route");
        }
        try (Linear lin = new Linear(in, out); Tensor x = Tensor.randn(new Rng(2), batch, in);
             Tensor g = Tensor.randn(new Rng(3), batch, out)) {
            lin.setInputGradNeeded(true);
            float[] w = lin.weight().data().toArray(), b = lin.bias().data().toArray(), xs = x.toArray(), gs = g.toArray();
            float[] y = lin.forward(x).toArray();
            float[] dx = lin.backward(g).toArray();
            for (int n = 0; n < batch; n++) {
                for (int o = 0; o < out; o++) {
                    double s = b[o];
                    for (int i = 0; i < in; i++) {
                        s += (double) xs[n * in + i] * w[o * in + i];
                    }
                    assertEquals(s, y[n * out + o], 1e-4 * Math.max(1, Math.abs(s)), "y[" + n + "," + o + "]");
                }
                for (int i = 0; i < in; i++) {
                    double s = 0;
                    for (int o = 0; o < out; o++) {
                        s += (double) gs[n * out + o] * w[o * in + i];
                    }
                    assertEquals(s, dx[n * in + i], 1e-4 * Math.max(1, Math.abs(s)), "dx[" + n + "," + i + "]");
                }
            }
        }
    }

    @Test
    void gradientsAccumulateAcrossBackwardCalls() {
        try (Linear lin = new Linear(3, 2); Tensor x = Tensor.randn(new Rng(1), 2, 3); Tensor g = Tensor.full(1f, 2, 2)) {
            lin.forward(x);
            lin.backward(g);
            float[] once = lin.weight().grad().toArray();
            lin.forward(x);
            lin.backward(g);
            float[] twice = lin.weight().grad().toArray();
            for (int i = 0; i < once.length; i++) {
                assertEquals(2 * once[i], twice[i], 1e-6);
            }
        }
    }

    @Test
    void wrongInputShapeNamesTheLayerAndSuggestsFlatten() {
        try (Linear lin = new Linear(784, 40); Tensor x = Tensor.zeros(64, 1, 28, 28)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> lin.forward(x));
            assertEquals("Linear(784 -> 40) expects [N, 784], got [64, 1, 28, 28]: add Flatten before it", e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> new Linear(0, 3));
    }

    @Test
    void firstLayerOfASequentialSkipsTheInputGradient() {
        try (Sequential net = new Sequential(new Linear(2, 16), new Linear(16, 1)); Tensor x = Tensor.zeros(5, 2)) {
            assertEquals(2 * 16 + 16 + 16 + 1, net.parameterCount());
            assertArrayEquals(new String[]{"0.weight", "0.bias", "1.weight", "1.bias"},
                    net.namedParameters().keySet().toArray(new String[0]));
            Tensor y = net.forward(x);
            assertNull(net.backward(Tensor.full(1f, y.shape())));
        }
    }
}
