package dev.isthmus.jpms;

import dev.isthmus.infer.Predictor;
import dev.isthmus.io.SafeTensors;
import dev.isthmus.loss.CrossEntropyLoss;
import dev.isthmus.models.CourseModels;
import dev.isthmus.nn.Layer;
import dev.isthmus.nn.ModelSpec;
import dev.isthmus.nn.Sequential;
import dev.isthmus.optim.Adam;
import dev.isthmus.kernel.Engine;
import dev.isthmus.tensor.Rng;
import dev.isthmus.tensor.Tensor;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * Run by {@link ModulePathTest} in a JVM where Isthmus is on the module path: one Adam step of LeNet-5,
 * a model file written and read back (Jackson from a named module) and served by a Predictor, the same
 * logits from all.
 */
public final class ModulePathProbe {

    private ModulePathProbe() {
    }

    public static void main(String[] args) throws Exception {
        System.out.println("modules " + Engine.class.getModule().getName() + " " + dev.isthmus.natives.OpenBlas.class.getModule().getName()
                + " " + dev.isthmus.bindings.cblas.cblas_h.class.getModule().getName());
        System.out.print(Engine.get().describe());
        Rng rng = new Rng(3);
        Path file = Files.createTempFile("probe-", ".safetensors");
        try (Sequential net = CourseModels.lenet5(10, 1); CrossEntropyLoss ce = new CrossEntropyLoss();
             Tensor x = Tensor.randn(rng, 4, 1, 28, 28); Tensor y = Tensor.of(new float[]{1, 2, 3, 4}, 4)) {
            Adam adam = new Adam(net.parameters(), 1e-3);
            adam.zeroGrad();
            ce.forward(net.forward(x), y);
            net.backward(ce.backward());
            adam.step();
            net.eval();
            float[] logits = net.forward(x).toArray();
            SafeTensors.save(file, net.stateDict(), Map.of(ModelSpec.METADATA_KEY, ModelSpec.toJson(net),
                    ModelSpec.INPUT_SHAPE_KEY, "[1,28,28]"));
            try (Layer back = ModelSpec.fromJson(SafeTensors.readHeader(file).metadata().get(ModelSpec.METADATA_KEY))) {
                SafeTensors.loadInto(file, back.stateDict());
                back.eval();
                float[] again = back.forward(x).toArray();
                System.out.println(Arrays.equals(logits, again) ? "round trip: same logits" : "round trip: DIFFERENT logits");
            }
            try (Predictor p = Predictor.load(file)) {
                float[] served = p.predict(x.toArray(), 4);
                System.out.println(Arrays.equals(logits, served) ? "predictor: same logits" : "predictor: DIFFERENT logits");
            }
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
