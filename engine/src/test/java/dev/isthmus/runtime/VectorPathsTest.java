package dev.isthmus.runtime;

import dev.isthmus.kernel.Engine;

import dev.isthmus.loss.CrossEntropyLoss;
import dev.isthmus.models.CourseModels;
import dev.isthmus.nn.Sequential;
import dev.isthmus.optim.SGD;
import dev.isthmus.tensor.Rng;
import dev.isthmus.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The engine computes the same LeNet-5 training and inference whichever way the Vector API question is
 * answered: the self-check on a normal JIT, the paths switched off ({@code -Disthmus.vector=off}, what a
 * native image without Vector API support runs), and a JIT that cannot intrinsify vectors at all (C1 only,
 * {@code -XX:TieredStopAtLevel=1}), where the self-check must decide for the scalar paths by itself. Each
 * run is a child JVM, since the verdict is taken once per JVM. Scalar and vector kernels add in different
 * orders, so the runs agree to float rounding, not bit for bit.
 */
class VectorPathsTest {

    /** Child JVM: five SGD steps of LeNet-5 on a seeded batch, then eval-mode logits; prints all of it. */
    public static void main(String[] args) {
        Engine e = Engine.get();
        System.out.println("useVectors=" + e.useVectors());
        System.out.println(e.describe().lines().filter(l -> l.startsWith("vector api")).findFirst().orElseThrow());
        Rng rng = new Rng(7);
        float[] labels = new float[8];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = rng.nextInt(10);
        }
        try (Sequential net = CourseModels.lenet5(10, 3); CrossEntropyLoss ce = new CrossEntropyLoss();
             Tensor x = Tensor.randn(rng, 8, 1, 28, 28); Tensor y = Tensor.of(labels, 8)) {
            SGD sgd = new SGD(net.parameters(), 0.05);
            StringBuilder losses = new StringBuilder("losses=");
            for (int step = 0; step < 5; step++) {
                sgd.zeroGrad();
                float loss = ce.forward(net.forward(x), y);
                net.backward(ce.backward());
                sgd.step();
                losses.append(step == 0 ? "" : ",").append(loss);
            }
            System.out.println(losses);
            net.eval();
            System.out.println("logits=" + Arrays.toString(net.forward(x).toArray()));
        }
    }

    record Run(boolean useVectors, String info, float[] losses, float[] logits) {
    }

    private static Run run(String... jvmArgs) throws Exception {
        List<String> props = new ArrayList<>(List.of(jvmArgs));
        FallbackTest.Result r = FallbackTest.runJava(props, VectorPathsTest.class.getName());
        assertEquals(0, r.code(), r.err());
        String out = r.out();
        return new Run(Boolean.parseBoolean(value(out, "useVectors=")), value(out, "vector api"),
                floats(value(out, "losses=")), floats(value(out, "logits=").replaceAll("[\\[\\]]", "")));
    }

    private static String value(String out, String prefix) {
        return out.lines().filter(l -> l.startsWith(prefix)).findFirst()
                .orElseThrow(() -> new AssertionError("no '" + prefix + "' in:\n" + out)).substring(prefix.length()).trim();
    }

    private static float[] floats(String csv) {
        String[] parts = csv.split(",");
        float[] v = new float[parts.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = Float.parseFloat(parts[i].trim());
        }
        return v;
    }

    private static void assertSameComputation(Run expected, Run actual, String what) {
        assertEquals(expected.losses().length, actual.losses().length);
        for (int i = 0; i < expected.losses().length; i++) {
            assertEquals(expected.losses()[i], actual.losses()[i], 1e-4 * Math.abs(expected.losses()[i]) + 1e-6,
                    what + ": loss at step " + i);
        }
        assertEquals(80, actual.logits().length);
        for (int i = 0; i < expected.logits().length; i++) {
            assertEquals(expected.logits()[i], actual.logits()[i], 2e-4 * Math.max(1, Math.abs(expected.logits()[i])),
                    what + ": logit " + i);
        }
        assertTrue(actual.losses()[4] < actual.losses()[0], what + ": the loss went down " + Arrays.toString(actual.losses()));
    }

    @Test
    void trainingAndInferenceAgreeWithTheVectorPathOffOrNotIntrinsified() throws Exception {
        Run normal = run("-Disthmus.selfcheck=false");
        assertTrue(normal.useVectors(), normal.info());

        Run off = run("-Disthmus.vector=off");
        assertFalse(off.useVectors());
        assertTrue(off.info().contains("off, disabled (isthmus.vector=off): kernels take their scalar paths"), off.info());
        assertSameComputation(normal, off, "isthmus.vector=off");

        // C1 cannot intrinsify the Vector API: the self-check itself must pick the scalar paths.
        Run c1 = run("-XX:TieredStopAtLevel=1");
        assertFalse(c1.useVectors(), "the self-check under C1 said: " + c1.info());
        assertTrue(c1.info().contains("NOT intrinsified"), c1.info());
        assertSameComputation(normal, c1, "C1 only");
    }

    @Test
    void aWrongSwitchValueIsNamed() throws Exception {
        FallbackTest.Result r = FallbackTest.runJava(List.of("-Disthmus.vector=maybe"), VectorPathsTest.class.getName());
        assertTrue(r.code() != 0, r.out());
        assertTrue(r.err().contains("isthmus.vector must be auto or off, got 'maybe'"), r.err());
    }
}
