package dev.isthmus.models;

import dev.isthmus.nn.Layer;
import dev.isthmus.nn.ModelSpec;
import dev.isthmus.nn.Sequential;
import dev.isthmus.nn.Summary;
import dev.isthmus.tensor.Rng;
import dev.isthmus.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The course's networks: parameter counts per layer as the lecture tabulates them, shapes, and round trips. */
class CourseModelsTest {

    @Test
    void calculatorMlpHas609Parameters() {
        try (Sequential m = CourseModels.calculator(2, 16, 3, CourseModels.Activation.RELU, 0)) {
            assertEquals(609, m.parameterCount());
        }
    }

    @Test
    void lenet5Has61706ParametersAndTheLectureShapes() {
        try (Sequential m = CourseModels.lenet5(10, 0)) {
            assertEquals(61_706, m.parameterCount());
            var shapes = m.shapes(1, 1, 28, 28);
            assertArrayEquals(new int[]{1, 6, 28, 28}, shapes.get(0));
            assertArrayEquals(new int[]{1, 6, 14, 14}, shapes.get(2));
            assertArrayEquals(new int[]{1, 16, 10, 10}, shapes.get(3));
            assertArrayEquals(new int[]{1, 16, 5, 5}, shapes.get(5));
            assertArrayEquals(new int[]{1, 400}, shapes.get(6));
            assertArrayEquals(new int[]{1, 10}, shapes.get(11));
        }
    }

    @Test
    void alexnetParameterCountsPerLayerMatchTheLecture() {
        try (Sequential m = CourseModels.alexnet(1000, 0)) {
            long[] expected = {34_944, 614_656, 885_120, 1_327_488, 884_992, 37_752_832, 16_781_312, 4_097_000};
            int[] layers = {0, 3, 6, 8, 10, 15, 18, 20};
            for (int i = 0; i < layers.length; i++) {
                assertEquals(expected[i], m.get(layers[i]).parameterCount(), "layer " + layers[i] + " " + m.get(layers[i]).describe());
            }
            assertEquals(62_378_344, m.parameterCount());
            var shapes = m.shapes(1, 3, 224, 224);
            assertArrayEquals(new int[]{1, 96, 55, 55}, shapes.get(0));
            assertArrayEquals(new int[]{1, 96, 27, 27}, shapes.get(2));
            assertArrayEquals(new int[]{1, 256, 27, 27}, shapes.get(3));
            assertArrayEquals(new int[]{1, 256, 13, 13}, shapes.get(5));
            assertArrayEquals(new int[]{1, 256, 6, 6}, shapes.get(12));
            assertArrayEquals(new int[]{1, 9216}, shapes.get(13));
            assertArrayEquals(new int[]{1, 1000}, shapes.get(20));
            String table = Summary.of(m, 3, 224, 224).toString();
            assertTrue(table.contains("62,378,344") || table.contains("62378344"), table);
        }
    }

    @Test
    void smallAlexnetRunsOn28x28() {
        try (Sequential m = CourseModels.alexnetSmall(10, 1); Tensor x = Tensor.randn(new Rng(1), 2, 1, 28, 28)) {
            Tensor y = m.forward(x);
            assertArrayEquals(new int[]{2, 10}, y.shape());
            m.backward(Tensor.full(1f, 2, 10));
        }
    }

    @Test
    void architectureRoundTripsThroughJson() {
        for (Sequential m : new Sequential[]{CourseModels.lenet5(10, 3), CourseModels.alexnetSmall(10, 3),
                CourseModels.calculator(2, 8, 2, CourseModels.Activation.LEAKY_RELU, 3), CourseModels.digitsMlp(10, 3)}) {
            String json = ModelSpec.toJson(m);
            Layer back = ModelSpec.fromJson(json);
            assertEquals(json, ModelSpec.toJson(back));
            assertEquals(m.parameterCount(), back.parameterCount());
            assertEquals(m.namedParameters().keySet(), back.namedParameters().keySet());
            for (var e : m.namedParameters().entrySet()) {
                assertTrue(Arrays.equals(e.getValue().shape(), back.namedParameters().get(e.getKey()).shape()));
            }
            m.close();
            back.close();
        }
    }

    @Test
    void hostileArchitecturesAreRejectedWithTheLayerNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelSpec.fromJson("{\"type\":\"Sequential\",\"layers\":[{\"type\":\"Linear\",\"in\":4,\"out\":-2}]}"));
        assertTrue(e.getMessage().contains("Linear"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ModelSpec.fromJson("{\"type\":\"Evil\"}"));
        assertTrue(e.getMessage().contains("unknown layer type 'Evil'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ModelSpec.fromJson("[1,2"));
        assertTrue(e.getMessage().contains("not valid JSON"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ModelSpec.fromJson("{\"type\":\"Conv2d\",\"in\":1,\"out\":2,\"kernel\":[3],\"stride\":[1,1],\"padding\":[0,0]}"));
        assertTrue(e.getMessage().contains("[height, width]"), e.getMessage());
    }
}
