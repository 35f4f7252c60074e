package dev.isthmus.nn;

import dev.isthmus.tensor.Rng;
import dev.isthmus.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An inference pass ({@code forward(x, state, false)}) computes what an evaluation-mode forward computes, bit
 * for bit, and keeps nothing for backward: every layer then refuses a backward through that state, and max
 * pooling records no winners.
 */
class InferencePassTest {

    private static Sequential everyLayer() {
        return new Sequential(
                new Conv2d(2, 4, 3, 1, 1), new ReLU(), new MaxPool2d(2), new Conv2d(4, 4, 3, 2, 1), new Tanh(),
                new Upsample(2), new AvgPool2d(3, 1, 1), new LeakyReLU(0.1f), new Dropout(0.3f),
                new Flatten(), new Linear(4 * 4 * 4, 16), new ReLU(), new Sigmoid(),
                new Unflatten(1, 4, 4), new Reshape(16), new Linear(16, 5), new Softmax());
    }

    @Test
    void anInferencePassMatchesEvaluationModeAndKeepsNothing() {
        try (Sequential model = everyLayer(); Tensor x = Tensor.randn(new Rng(1), 3, 2, 8, 8)) {
            model.reset(new Rng(2));
            model.eval();
            float[] want = model.forward(x).toArray();
            model.train(); // an inference pass ignores the mode: dropout stays off
            try (LayerState state = model.newState()) {
                assertArrayEquals(want, model.forward(x, state, false).toArray());
                Sequential.State s = (Sequential.State) state;
                List<Layer> layers = model.layers();
                for (int i = 0; i < layers.size(); i++) {
                    Layer layer = layers.get(i);
                    int[] outShape = model.shapes(x.shape()).get(i);
                    layer.setInputGradNeeded(true);
                    LayerState own = s.layers[i];
                    try (Tensor dy = Tensor.zeros(outShape)) {
                        IllegalStateException e = assertThrows(IllegalStateException.class, () -> layer.backward(dy, own),
                                layer.describe() + " kept something for backward");
                        assertTrue(e.getMessage().endsWith("backward before forward"), e.getMessage());
                    }
                    if (layer instanceof MaxPool2d) {
                        assertNull(((Pool2d.State) s.layers[i]).argmax, "no winners recorded");
                    }
                }
            }
        }
    }

    @Test
    void aStateFromAnotherLayerIsRefused() {
        try (Linear a = new Linear(3, 2); Conv2d c = new Conv2d(1, 1, 1); LayerState wrong = c.newState();
             LayerState right = a.newState(); Tensor x = Tensor.zeros(1, 3)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.forward(x, wrong, false));
            assertTrue(e.getMessage().startsWith("Linear(3 -> 2): expected a state made by its newState()"), e.getMessage());
            assertEquals(2, a.forward(x, right, false).dim(1));
        }
    }
}
