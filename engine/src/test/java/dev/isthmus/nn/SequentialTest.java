package dev.isthmus.nn;

import dev.isthmus.tensor.Rng;
import dev.isthmus.tensor.Tensor;
import dev.isthmus.testing.GradCheck;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Sequential with the activations: Linear+ReLU fusion, where backward stops, and the non-finite check. */
class SequentialTest {

    private static Sequential mlp(boolean bias) {
        Sequential net = new Sequential(new Linear(6, 9, bias), new ReLU(), new Linear(9, 9, bias), new ReLU(),
                new Linear(9, 3, bias), new Tanh());
        net.reset(new Rng(17));
        return net;
    }

    @Test
    void linearFollowedByReluIsFusedAndGivesTheSameResults() {
        for (boolean bias : new boolean[]{true, false}) {
            try (Sequential fused = mlp(bias); Sequential plain = mlp(bias);
                 Tensor x = Tensor.randn(new Rng(2), 5, 6); Tensor g = Tensor.randn(new Rng(3), 5, 3)) {
                plain.setFusion(false);
                assertTrue(((Linear) fused.get(0)).fusedRelu() && ((ReLU) fused.get(1)).isFused());
                assertTrue(((Linear) fused.get(2)).fusedRelu());
                assertFalse(((Linear) fused.get(4)).fusedRelu(), "Linear followed by Tanh is not fused");
                assertFalse(((Linear) plain.get(0)).fusedRelu() || ((ReLU) plain.get(1)).isFused());
                fused.setInputGradNeeded(true);
                plain.setInputGradNeeded(true);
                assertArrayEquals(plain.forward(x).toArray(), fused.forward(x).toArray(), 0f);
                assertSame(fused.get(0).forward(x), fused.get(1).forward(fused.get(0).forward(x)),
                        "the fused ReLU hands the Linear's output through");
                fused.forward(x);
                assertArrayEquals(plain.backward(g).toArray(), fused.backward(g).toArray(), 0f);
                assertArrayEquals(plain.parameters().grad().toArray(), fused.parameters().grad().toArray(), 0f);
            }
        }
    }

    @Test
    void fusedNetworkPassesTheGradientCheck() {
        try (Sequential net = mlp(true); Tensor x = Tensor.randn(new Rng(4), 4, 6)) {
            GradCheck.check(net, x, 1e-3, 1e-2, 1e-3);
        }
    }

    @Test
    void backwardStopsAtTheFirstLayerWithParameters() {
        try (Sequential net = new Sequential(new Flatten(), new Dropout(0.2f), new Linear(12, 4), new ReLU(), new Linear(4, 2));
             Tensor x = Tensor.randn(new Rng(5), 3, 3, 4); Tensor g = Tensor.full(1f, 3, 2)) {
            assertFalse(net.get(2).inputGradNeeded(), "the first Linear skips its input gradient");
            assertTrue(net.get(4).inputGradNeeded());
            net.forward(x);
            assertNull(net.backward(g));
            net.setInputGradNeeded(true);
            assertTrue(net.get(0).inputGradNeeded() && net.get(2).inputGradNeeded());
            net.forward(x);
            Tensor dx = net.backward(g);
            assertNotNull(dx);
            assertArrayEquals(new int[]{3, 3, 4}, dx.shape());
            net.setInputGradNeeded(false);
            assertFalse(net.get(2).inputGradNeeded());
        }
        try (Sequential noParams = new Sequential(new Flatten(), new ReLU()); Tensor x = Tensor.randn(new Rng(5), 2, 3, 2)) {
            noParams.forward(x);
            assertNull(noParams.backward(Tensor.zeros(2, 6)));
        }
    }

    @Test
    void checkFiniteNamesTheFirstLayerThatProducedNaN() {
        try (Sequential net = new Sequential(new Linear(3, 4), new ReLU(), new Linear(4, 2)); Tensor x = Tensor.randn(new Rng(6), 2, 3)) {
            net.setCheckFinite(true);
            net.forward(x);
            x.setFlat(4, Float.NaN);
            NonFiniteException e = assertThrows(NonFiniteException.class, () -> net.forward(x));
            assertTrue(e.getMessage().startsWith("layer 0 (Linear(3 -> 4)) produced NaN in its forward output at element "), e.getMessage());
            x.setFlat(4, 1f);
            ((Linear) net.get(2)).weight().data().setFlat(0, Float.POSITIVE_INFINITY);
            e = assertThrows(NonFiniteException.class, () -> net.forward(x));
            assertTrue(e.getMessage().startsWith("layer 2 (Linear(4 -> 2)) produced "), e.getMessage());
        }
        try (Sequential net = new Sequential(new Linear(3, 4), new Sigmoid()); Tensor x = Tensor.randn(new Rng(6), 2, 3)) {
            net.setCheckFinite(true);
            Tensor y = net.forward(x);
            Tensor g = Tensor.full(1f, y.shape());
            g.setFlat(1, Float.NaN);
            NonFiniteException e = assertThrows(NonFiniteException.class, () -> net.backward(g));
            assertEquals("layer 1 (Sigmoid()) produced NaN in its input gradient at element 1 of [2, 4]", e.getMessage());
            g.close();
        }
    }
}
