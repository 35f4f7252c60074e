package dev.isthmus.onnx;

import dev.isthmus.infer.LoadedModel;
import dev.isthmus.infer.ModelFormat;
import dev.isthmus.models.CourseModels;
import dev.isthmus.nn.AvgPool2d;
import dev.isthmus.nn.Conv2d;
import dev.isthmus.nn.Dropout;
import dev.isthmus.nn.Flatten;
import dev.isthmus.nn.Layer;
import dev.isthmus.nn.LeakyReLU;
import dev.isthmus.nn.Linear;
import dev.isthmus.nn.ModelSpec;
import dev.isthmus.nn.Reshape;
import dev.isthmus.nn.Sequential;
import dev.isthmus.nn.Sigmoid;
import dev.isthmus.nn.Softmax;
import dev.isthmus.nn.Tanh;
import dev.isthmus.nn.Unflatten;
import dev.isthmus.nn.Upsample;
import dev.isthmus.onnx.proto.Onnx.ModelProto;
import dev.isthmus.tensor.Rng;
import dev.isthmus.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ServiceLoader;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Isthmus -> ONNX -> Isthmus gives the same outputs bit for bit, and exports of PyTorch's networks keep PyTorch's outputs. */
class RoundTripTest {
    @TempDir
    Path dir;

    /** Every layer the exporter writes, with non-default settings where a layer has them. */
    static Sequential everyLayer() {
        Sequential m = new Sequential(
                new Conv2d(2, 4, 3, 3, 1, 1, 1, 1, false), new LeakyReLU(0.2f),
                new AvgPool2d(3, 3, 2, 2, 1, 1, false), new Upsample(3), new Tanh(),
                new dev.isthmus.nn.MaxPool2d(2, 2, 1, 1, 0, 0), new Sigmoid(), new Flatten(),
                new Dropout(0.3f), new Unflatten(1, 4, 196), new Reshape(784), new Linear(784, 6, false),
                new dev.isthmus.nn.ReLU(), new Linear(6, 5), new Softmax(1));
        m.reset(new Rng(3));
        m.eval();
        return m;
    }

    static Sequential model(String name) {
        return switch (name) {
            case "calculator" -> CourseModels.calculator(2, 16, 3, CourseModels.Activation.RELU, 11);
            case "digits_mlp" -> CourseModels.digitsMlp(10, 12);
            case "lenet5" -> CourseModels.lenet5(10, 13);
            case "alexnet_small" -> CourseModels.alexnetSmall(10, 14);
            default -> everyLayer();
        };
    }

    static int[] sample(String name) {
        return switch (name) {
            case "calculator" -> new int[]{2};
            case "every_layer" -> new int[]{2, 9, 9};
            default -> new int[]{1, 28, 28};
        };
    }

    @ParameterizedTest
    @ValueSource(strings = {"calculator", "digits_mlp", "lenet5", "alexnet_small", "every_layer"})
    void exportThenImportGivesBitIdenticalOutputs(String name) throws IOException {
        Path file = dir.resolve(name + ".onnx");
        int[] sample = sample(name);
        try (Sequential original = model(name)) {
            original.eval();
            OnnxExporter.export(original, sample, file);
            LoadedModel back = OnnxImporter.read(file);
            try (Layer again = back.model()) {
                assertArrayEquals(sample, back.inputShape());
                // Unflatten goes out as a Reshape and comes back as one; everything else comes back as it was
                assertEquals(ModelSpec.toJson(original).replace("{\"type\":\"Unflatten\",\"dim\":1,\"sizes\":[4,196]}",
                        "{\"type\":\"Reshape\",\"shape\":[4,196]}"), ModelSpec.toJson(again), "same layers after the round trip");
                for (int batch : new int[]{1, 5}) {
                    float[] x = input(batch, sample, batch);
                    assertArrayEquals(run(original, x, batch, sample), run(again, x, batch, sample),
                            name + ": outputs differ after the round trip (batch " + batch + ")");
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"calculator", "digits_mlp", "lenet5", "alexnet_small", "conv_bn", "operators_opset13"})
    void exportOfAPyTorchNetworkKeepsPyTorchsOutputs(String name) throws IOException {
        Fixture f = Fixture.load(name);
        Path file = dir.resolve(name + ".onnx");
        try (Layer imported = OnnxImporter.read(f.onnx()).model()) {
            OnnxExporter.export(imported, f.sampleShape(), file);
            try (Layer again = OnnxImporter.read(file).model()) {
                float[] got = f.run(again);
                assertArrayEquals(f.run(imported), got);
                double err = Fixture.relativeError(got, f.output());
                assertTrue(err <= 1e-5, name + ": relative error " + err);
            }
        }
    }

    @Test
    void exportIsOpset13WithADynamicBatchAndNamedInitializers() {
        try (Sequential m = CourseModels.lenet5(10, 1)) {
            ModelProto p = OnnxExporter.toProto(m, new int[]{1, 28, 28});
            assertEquals(13, p.getOpsetImport(0).getVersion());
            assertEquals("", p.getOpsetImport(0).getDomain());
            assertEquals("batch", p.getGraph().getInput(0).getType().getTensorType().getShape().getDim(0).getDimParam());
            assertEquals("batch", p.getGraph().getOutput(0).getType().getTensorType().getShape().getDim(0).getDimParam());
            assertEquals(10, p.getGraph().getOutput(0).getType().getTensorType().getShape().getDim(1).getDimValue());
            assertEquals(java.util.List.of("0.weight", "0.bias", "3.weight", "3.bias", "7.weight", "7.bias", "9.weight",
                    "9.bias", "11.weight", "11.bias"), p.getGraph().getInitializerList().stream().map(t -> t.getName()).toList());
            assertEquals("Gemm", p.getGraph().getNode(7).getOpType());
        }
    }

    @Test
    void aLayerWithoutAnOnnxFormIsRefusedByName() {
        try (Sequential m = new Sequential(new Linear(3, 3), new dev.isthmus.nn.Flatten(0, 1))) {
            var e = assertThrows(IllegalArgumentException.class, () -> OnnxExporter.toProto(m, new int[]{3}));
            assertTrue(e.getMessage().contains("layer 1"), e.getMessage());
        }
    }

    @Test
    void predictorFormatIsFoundThroughTheServiceLoader() throws IOException {
        ModelFormat onnx = ServiceLoader.load(ModelFormat.class).stream().map(ServiceLoader.Provider::get)
                .filter(f -> f.accepts(Path.of("model.ONNX"))).findFirst().orElseThrow();
        assertTrue(!onnx.accepts(Path.of("model.safetensors")));
        LoadedModel m = onnx.read(Fixture.resource("calculator.onnx"));
        try (Layer model = m.model()) {
            assertArrayEquals(new int[]{2}, m.inputShape());
            assertTrue(m.metadata().get(ModelSpec.METADATA_KEY).contains("Linear"));
        }
    }

    private static float[] input(int batch, int[] sample, long seed) {
        long n = batch;
        for (int d : sample) {
            n *= d;
        }
        Rng rng = new Rng(seed);
        float[] x = new float[(int) n];
        for (int i = 0; i < x.length; i++) {
            x[i] = rng.nextFloat() * 2 - 1;
        }
        return x;
    }

    private static float[] run(Layer m, float[] x, int batch, int[] sample) {
        int[] shape = new int[sample.length + 1];
        shape[0] = batch;
        System.arraycopy(sample, 0, shape, 1, sample.length);
        try (Tensor t = Tensor.of(x, shape)) {
            return m.forward(t).toArray();
        }
    }
}
