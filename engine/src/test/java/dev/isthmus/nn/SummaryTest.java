package dev.isthmus.nn;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SummaryTest {

    private static Sequential mlp(int... sizes) {
        List<Layer> layers = new ArrayList<>();
        for (int i = 0; i + 1 < sizes.length; i++) {
            layers.add(new Linear(sizes[i], sizes[i + 1]));
            if (i + 2 < sizes.length) {
                layers.add(new ReLU());
            }
        }
        return new Sequential(layers);
    }

    @Test
    void courseMlpsHaveTheExpectedParameterCounts() {
        try (Sequential small = mlp(2, 16, 16, 16, 1); Sequential mnist = new Sequential(new Flatten(), mlp(784, 40, 40, 40, 40, 40, 10))) {
            Summary s = Summary.of(small, 2);
            assertEquals(609, s.totalParams());
            assertEquals(609, s.trainableParams());
            assertEquals(7, s.rows().size());
            Summary m = Summary.of(mnist, new int[]{1, 28, 28}, 64);
            // 784*40+40 + 4 * (40*40+40) + 40*10+10
            assertEquals(31_400 + 4 * 1_640 + 410, m.totalParams());
            assertEquals(38_370, m.totalParams());
            assertEquals("1.0", m.rows().get(1).name(), "nested Sequential rows carry state_dict prefixes");
            assertArrayEquals(new int[]{-1, 10}, m.rows().get(m.rows().size() - 1).outputShape());
            // activations per sample: input 784, Flatten 784, five (Linear 40 + ReLU 40), last Linear 10
            long acts = 784 + 784 + 5 * 80 + 10;
            assertEquals(acts, m.activationsPerSample());
            double mb = (38_370 + 64.0 * acts) * 4 / (1024 * 1024);
            assertEquals(mb, m.memoryMB(false), 1e-12);
            assertEquals(2 * mb, m.memoryMB(true), 1e-12);
        }
    }

    @Test
    void tableOfASmallModel() {
        try (Sequential net = new Sequential(new Flatten(), new Linear(4, 3), new ReLU(), new Linear(3, 2), new Softmax())) {
            String expected = """
                    --------------------------------------------
                    Layer  Type            Output Shape  Param #
                    ============================================
                    0      Flatten()       [-1, 4]             0
                    1      Linear(4 -> 3)  [-1, 3]            15
                    2      ReLU()          [-1, 3]             0
                    3      Linear(3 -> 2)  [-1, 2]             8
                    4      Softmax(dim=1)  [-1, 2]             0
                    ============================================
                    Total params: 23
                    Trainable params: 23
                    Non-trainable params: 0
                    --------------------------------------------
                    Input shape: [-1, 2, 2]
                    Params size (MB): 0.00
                    Activations, batch 1 (MB): 0.00
                    Estimated total, inference (MB): 0.00
                    Estimated total, training x2 (MB): 0.00
                    --------------------------------------------
                    """;
            assertEquals(expected, Summary.of(net, 2, 2).toString());
        }
    }

    @Test
    void shapesThatDoNotFitNameTheLayer() {
        try (Sequential net = mlp(784, 10)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Summary.of(net, 1, 28, 28));
            assertEquals("Linear(784 -> 10) expects [N, 784], got [1, 1, 28, 28]: add Flatten before it", e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> Summary.of(net, new int[]{784}, 0));
        }
    }
}
