package dev.isthmus.nn;

import dev.isthmus.tensor.Rng;
import dev.isthmus.tensor.Tensor;
import dev.isthmus.testing.Fixtures;
import dev.isthmus.testing.GradCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ActivationLayersTest {

    private static Layer forFixture(String name, Fixtures f) {
        return switch (name) {
            case "relu" -> new ReLU();
            case "leaky_relu", "leaky_relu_negative" -> new LeakyReLU((float) f.scalar("negative_slope"));
            case "sigmoid" -> new Sigmoid();
            case "tanh" -> new Tanh();
            case "softmax", "softmax_channels", "softmax_last" -> new Softmax((int) f.scalar("dim"));
            default -> throw new IllegalArgumentException(name);
        };
    }

    @ParameterizedTest
    @ValueSource(strings = {"relu", "leaky_relu", "leaky_relu_negative", "sigmoid", "tanh", "softmax", "softmax_channels", "softmax_last"})
    void matchesPyTorch(String name) {
        Fixtures f = Fixtures.load("activations/" + name + ".json");
        try (Layer m = forFixture(name, f); Tensor x = f.tensor("x"); Tensor r = f.tensor("r")) {
            float[] before = x.toArray();
            // softmax's backward subtracts a row dot product: float rounding differs from PyTorch's order at ~1e-5
            double rtol = name.startsWith("softmax") ? 1e-4 : 1e-5;
            f.assertClose("y", m.forward(x), rtol);
            f.assertClose("dx", m.backward(r), rtol);
            assertArrayEquals(before, x.toArray(), name + " must not write over its input");
        }
    }

    /** Inputs with |x| >= 0.1 so that finite differences never straddle the kink of the ReLU family. */
    private static Tensor awayFromZero(long seed, int... shape) {
        Tensor x = Tensor.randn(new Rng(seed), shape);
        for (long i = 0; i < x.size(); i++) {
            float v = x.getFlat(i);
            x.setFlat(i, v + Math.copySign(0.1f, v));
        }
        return x;
    }

    @ParameterizedTest
    @ValueSource(strings = {"relu", "leaky", "leakyNegative", "sigmoid", "tanh", "softmax", "softmaxChannels", "softmaxLast"})
    void gradientsMatchFiniteDifferences(String which) {
        Supplier<Layer> make = switch (which) {
            case "relu" -> ReLU::new;
            case "leaky" -> () -> new LeakyReLU(0.2f);
            case "leakyNegative" -> () -> new LeakyReLU(-0.7f);
            case "sigmoid" -> Sigmoid::new;
            case "tanh" -> Tanh::new;
            case "softmax" -> Softmax::new;
            case "softmaxChannels" -> () -> new Softmax(1);
            case "softmaxLast" -> () -> new Softmax(-1);
            default -> throw new IllegalArgumentException(which);
        };
        int[] shape = which.equals("softmaxChannels") ? new int[]{2, 3, 2, 3} : which.equals("softmaxLast") ? new int[]{2, 2, 9} : new int[]{3, 11};
        try (Layer m = make.get(); Tensor x = awayFromZero(7, shape)) {
            GradCheck.check(m, x, 1e-2, 1e-2, 1e-3);
        }
    }

    @Test
    void softmaxOfHugeLogitsIsFiniteAndSumsToOne() {
        try (Softmax s = new Softmax(); Tensor x = Tensor.of(new float[]{1000f, 999f, 990f, -1000f, -1000f, -1e30f}, 2, 3)) {
            Tensor y = s.forward(x);
            for (long i = 0; i < y.size(); i++) {
                assertTrue(Float.isFinite(y.getFlat(i)), "softmax output " + i + " = " + y.getFlat(i));
            }
            assertEquals(1.0, y.getFlat(0) + y.getFlat(1) + y.getFlat(2), 1e-6);
            assertEquals(0.5f, y.getFlat(3), 1e-7);
            assertEquals(0f, y.getFlat(5));
            assertEquals(1 / (1 + Math.exp(-1) + Math.exp(-10)), y.getFlat(0), 1e-6);
        }
    }

    @Test
    void badArgumentsAndShapesNameTheLayer() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new LeakyReLU(Float.NaN));
        assertEquals("LeakyReLU: negativeSlope must be a finite number, got NaN", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new LeakyReLU(Float.POSITIVE_INFINITY));
        try (Softmax s = new Softmax(1); Tensor v = Tensor.zeros(5)) {
            e = assertThrows(IllegalArgumentException.class, () -> s.forward(v));
            assertEquals("Softmax(dim=1) expects a tensor with dimension 1, got [5]", e.getMessage());
        }
        try (Tanh t = new Tanh(); Tensor x = Tensor.zeros(2, 3); Tensor g = Tensor.zeros(3, 2)) {
            assertThrows(IllegalStateException.class, () -> t.backward(g), "backward before forward");
            t.forward(x);
            e = assertThrows(IllegalArgumentException.class, () -> t.backward(g));
            assertEquals("Tanh() expects gradient [2, 3], got [3, 2]: it must match the last forward output", e.getMessage());
        }
    }

    @Test
    void inputGradientIsSkippedWhenNotNeededAndBuffersAreReused() {
        try (Sigmoid s = new Sigmoid(); Tensor x = Tensor.randn(new Rng(1), 4, 5); Tensor g = Tensor.full(1f, 4, 5)) {
            Tensor y1 = s.forward(x);
            Tensor dx1 = s.backward(g);
            assertTrue(s.forward(x) == y1 && s.backward(g) == dx1, "same shape, same buffers");
            s.setInputGradNeeded(false);
            s.forward(x);
            assertNull(s.backward(g));
        }
    }

    @Test
    void describeFollowsPyTorch() {
        assertEquals("ReLU()", new ReLU().describe());
        assertEquals("LeakyReLU(negativeSlope=0.01)", new LeakyReLU().describe());
        assertEquals("Sigmoid()", new Sigmoid().describe());
        assertEquals("Softmax(dim=1)", new Softmax().describe());
    }
}
