package dev.isthmus.nn;

import dev.isthmus.loss.CrossEntropyLoss;
import dev.isthmus.loss.Loss;
import dev.isthmus.loss.MSELoss;
import dev.isthmus.tensor.Rng;
import dev.isthmus.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * End to end: an MLP (Linear/ReLU, fused) drives the loss of one mini-batch to near zero with a plain
 * SGD loop {@code w -= lr * g} over the model's flat parameter and gradient buffers.
 */
class OverfitTest {

    private static float train(Sequential net, Loss loss, Tensor x, Tensor y, float lr, int steps) {
        Parameters p = net.parameters();
        Tensor w = p.data(), g = p.grad();
        float first = Float.NaN, last = Float.NaN;
        for (int step = 0; step < steps; step++) {
            p.zeroGrad();
            last = loss.forward(net.forward(x), y);
            if (step == 0) {
                first = last;
            }
            net.backward(loss.backward());
            for (long i = 0; i < w.size(); i++) {
                w.setFlat(i, w.getFlat(i) - lr * g.getFlat(i));
            }
        }
        assertTrue(last < first, "loss went down: " + first + " -> " + last);
        return last;
    }

    @Test
    void classifierOverfitsOneBatch() {
        Rng rng = new Rng(21);
        float[] labels = new float[16];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = rng.nextInt(3);
        }
        try (Sequential net = new Sequential(new Linear(4, 32), new ReLU(), new Linear(32, 32), new ReLU(), new Linear(32, 3));
             CrossEntropyLoss ce = new CrossEntropyLoss();
             Tensor x = Tensor.randn(rng, 16, 4); Tensor y = Tensor.of(labels, 16)) {
            net.reset(new Rng(1));
            float loss = train(net, ce, x, y, 0.2f, 600);
            assertTrue(loss < 0.01f, "cross-entropy after 600 steps: " + loss);
            Tensor p = ce.probabilities();
            for (int i = 0; i < 16; i++) {
                assertTrue(p.get(i, (int) labels[i]) > 0.95f, "sample " + i + " is classified right");
            }
        }
    }

    @Test
    void regressorOverfitsOneBatch() {
        Rng rng = new Rng(22);
        try (Sequential net = new Sequential(new Linear(3, 32), new ReLU(), new Linear(32, 32), new ReLU(), new Linear(32, 2));
             MSELoss mse = new MSELoss();
             Tensor x = Tensor.randn(rng, 12, 3); Tensor y = Tensor.randn(rng, 12, 2)) {
            net.reset(new Rng(2));
            float loss = train(net, mse, x, y, 0.1f, 1500);
            assertTrue(loss < 1e-3f, "MSE after 1500 steps: " + loss);
        }
    }
}
