package dev.isthmus.nn;

import dev.isthmus.tensor.Rng;
import dev.isthmus.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * LeNet-5's convolutional part (C1, S2, C3, S4, C5 as a 5x5 convolution to 10 channels) learns to map 4
 * random 28x28 images to their one-hot targets: a half-squared-error loss and plain SGD on the flat
 * parameter store (losses and optimizers live elsewhere; this keeps the test to the layers under test).
 */
class LeNetFeaturesTest {

    @Test
    void overfitsASmallBatch() {
        int n = 4;
        try (Sequential net = new Sequential(
                new Conv2d(1, 6, 5, 1, 2), new MaxPool2d(2), new Conv2d(6, 16, 5), new AvgPool2d(2), new Conv2d(16, 10, 5));
             Tensor x = Tensor.randn(new Rng(7), n, 1, 28, 28); Tensor target = Tensor.zeros(n, 10, 1, 1);
             Tensor grad = Tensor.zeros(n, 10, 1, 1)) {
            net.reset(new Rng(8));
            assertEquals(156 + 2416 + 4010, net.parameterCount());
            assertArrayEquals(new int[]{n, 10, 1, 1}, net.outputShape(n, 1, 28, 28));
            for (int i = 0; i < n; i++) {
                target.set(1f, i, i % 10, 0, 0);
            }
            var params = net.parameters();
            double first = Double.NaN, loss = Double.NaN;
            for (int step = 0; step < 30; step++) {
                Tensor y = net.forward(x);
                loss = 0;
                for (long i = 0; i < y.size(); i++) {
                    float d = y.getFlat(i) - target.getFlat(i);
                    loss += 0.5 * d * d / n;
                    grad.setFlat(i, d / n);
                }
                if (step == 0) {
                    first = loss;
                }
                params.zeroGrad();
                net.backward(grad);
                for (long i = 0; i < params.data().size(); i++) {
                    params.data().setFlat(i, params.data().getFlat(i) - 0.03f * params.grad().getFlat(i));
                }
            }
            assertTrue(loss < 0.05 * first, "loss went from " + first + " to " + loss);
            Tensor y = net.forward(x);
            for (int i = 0; i < n; i++) {
                int best = 0;
                for (int c = 1; c < 10; c++) {
                    if (y.get(i, c, 0, 0) > y.get(i, best, 0, 0)) {
                        best = c;
                    }
                }
                assertEquals(i % 10, best, "image " + i + " is classified as its target");
            }
        }
    }
}
