package dev.isthmus.onnx;

import dev.isthmus.infer.LoadedModel;
import dev.isthmus.nn.Conv2d;
import dev.isthmus.nn.Linear;
import dev.isthmus.nn.Sequential;
import dev.isthmus.nn.Upsample;
import dev.isthmus.nn.AvgPool2d;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The course's networks exported by PyTorch 1.13 import and give PyTorch's outputs. */
class FixtureImportTest {

    @ParameterizedTest
    @ValueSource(strings = {"calculator", "digits_mlp", "lenet5", "alexnet_small", "conv_bn", "operators", "operators_opset13"})
    void importedFixtureGivesPyTorchOutputs(String name) throws IOException {
        Fixture f = Fixture.load(name);
        LoadedModel loaded = OnnxImporter.read(f.onnx());
        try (var model = loaded.model()) {
            assertArrayEquals(f.sampleShape(), loaded.inputShape());
            double err = Fixture.relativeError(f.run(model), f.output());
            System.out.printf(java.util.Locale.ROOT, "%s: max |Isthmus - PyTorch| / max |PyTorch| = %.3g%n", f.name(), err);
            assertTrue(err <= 1e-5, name + ": relative error " + err + " > 1e-5");
        }
    }

    @Test
    void lenet5HasTheCourseLayersAndParameterCount() throws IOException {
        LoadedModel loaded = OnnxImporter.read(Fixture.resource("lenet5.onnx"));
        try (Sequential m = assertInstanceOf(Sequential.class, loaded.model())) {
            assertEquals(12, m.size());
            assertEquals(61_706, m.parameterCount());
            assertInstanceOf(Conv2d.class, m.get(0));
            assertEquals("17", loaded.metadata().get("onnx.opset"));
        }
    }

    @Test
    void convBatchNormIsFoldedIntoTheConvolutions() throws IOException {
        try (Sequential m = (Sequential) OnnxImporter.read(Fixture.resource("conv_bn.onnx")).model()) {
            // Conv, BN, ReLU, MaxPool, Conv, BN, ReLU, Flatten, Linear -> the two BNs disappear
            assertEquals(7, m.size());
            Conv2d second = assertInstanceOf(Conv2d.class, m.get(3));
            assertTrue(second.bias() != null, "a bias-free Conv gains the folded BN's bias");
        }
    }

    @Test
    void operatorsFixtureMapsMatMulAddPadAndResize() throws IOException {
        try (Sequential m = (Sequential) OnnxImporter.read(Fixture.resource("operators.onnx")).model()) {
            assertInstanceOf(AvgPool2d.class, m.get(2));
            assertInstanceOf(Upsample.class, m.get(3));
            Linear matmul = (Linear) m.layers().stream().filter(l -> l instanceof Linear).findFirst().orElseThrow();
            assertEquals(32, matmul.inFeatures());
            assertEquals(12, matmul.outFeatures());
        }
    }
}
