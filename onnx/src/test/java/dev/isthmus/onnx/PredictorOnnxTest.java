package dev.isthmus.onnx;

import dev.isthmus.infer.Predictor;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code Predictor.load} opens an {@code .onnx} file through this module's ModelFormat and predicts PyTorch's outputs. */
class PredictorOnnxTest {
    @Test
    void predictorLoadsPyTorchsLeNet5() throws IOException {
        Fixture f = Fixture.load("lenet5");
        try (Predictor p = Predictor.load(f.onnx())) {
            assertArrayEquals(new int[]{1, 28, 28}, p.inputShape());
            float[] out = p.predict(f.input(), f.batch());
            double err = Fixture.relativeError(out, f.output());
            assertTrue(err <= 1e-5, "relative error " + err);
            assertEquals("17", p.metadata().get("onnx.opset"));
        }
    }
}
