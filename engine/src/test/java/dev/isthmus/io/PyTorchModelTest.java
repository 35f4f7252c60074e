package dev.isthmus.io;

import dev.isthmus.nn.Linear;
import dev.isthmus.nn.ModelSpec;
import dev.isthmus.nn.Layer;
import dev.isthmus.nn.ReLU;
import dev.isthmus.nn.Sequential;
import dev.isthmus.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A state_dict that PyTorch saved from {@code nn.Sequential(Linear(4,3), ReLU(), Linear(3,2))} (the
 * fixture of {@code fixtures/gen_safetensors.py}) loads into the same Isthmus Sequential and predicts
 * PyTorch's outputs; and a model Isthmus saves with its architecture rebuilds and predicts the same.
 */
class PyTorchModelTest {

    private static Path fixture(String name) throws URISyntaxException {
        return Path.of(PyTorchModelTest.class.getResource("/fixtures/safetensors/" + name).toURI());
    }

    @Test
    void pytorchStateDictLoadsAndPredictsTheSameOutputs() throws Exception {
        try (Sequential model = new Sequential(new Linear(4, 3), new ReLU(), new Linear(3, 2));
             SafeTensors.Contents io = SafeTensors.load(fixture("mlp_io.safetensors"))) {
            SafeTensors.LoadReport report = SafeTensors.loadInto(fixture("mlp.safetensors"), model.stateDict());
            assertTrue(report.missing().isEmpty() && report.unexpected().isEmpty(), report.toString());
            model.eval();
            Tensor y = model.forward(io.get("input"));
            float[] expected = io.get("output").toArray();
            float[] got = y.toArray();
            assertEquals(expected.length, got.length);
            for (int i = 0; i < got.length; i++) {
                assertEquals(expected[i], got[i], 1e-6f * Math.max(1f, Math.abs(expected[i])), "output " + i);
            }
        }
    }

    @Test
    void aModelSavedWithItsArchitectureRebuildsAndPredictsTheSame(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("model.safetensors");
        try (Sequential model = new Sequential(new Linear(4, 3), new ReLU(), new Linear(3, 2));
             Tensor x = Tensor.of(new float[]{1, -2, 3, 0.5f, 0, 1, -1, 2}, 2, 4)) {
            SafeTensors.save(file, model.stateDict(), Map.of(ModelSpec.METADATA_KEY, ModelSpec.toJson(model), "format", "pt"));
            float[] before = model.forward(x).toArray();
            SafeTensors.Header h = SafeTensors.readHeader(file);
            try (Layer back = ModelSpec.fromJson(h.metadata().get(ModelSpec.METADATA_KEY))) {
                SafeTensors.loadInto(file, back.stateDict());
                assertArrayEquals(before, back.forward(x).toArray());
            }
        }
    }
}
