package dev.isthmus.infer;

import dev.isthmus.models.CourseModels;
import dev.isthmus.nn.Sequential;
import dev.isthmus.tensor.Rng;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link Predictor#classify(float[], int)} (what Spark's batch scoring calls): one forward pass for the batch,
 * and each sample's answer is the softmax and top class of its row of that pass, as {@code classify} of one
 * sample computes them.
 */
class PredictorBatchClassifyTest {

    @Test
    void batchAnswersAreTheRowsOfOneForwardPass() {
        Rng rng = new Rng(11);
        float[] x = new float[5 * 784];
        for (int i = 0; i < x.length; i++) {
            x[i] = rng.nextFloat();
        }
        try (Sequential lenet = CourseModels.lenet5(10, 3); Predictor p = Predictor.of(lenet, 1, 28, 28)) {
            Classification[] batch = p.classify(x, 5);
            float[] logits = p.predict(x, 5);
            assertEquals(5, batch.length);
            for (int i = 0; i < 5; i++) {
                float[] row = Arrays.copyOfRange(logits, i * 10, (i + 1) * 10);
                Classification expected = Classification.of(row, false);
                assertArrayEquals(expected.probabilities(), batch[i].probabilities(), 0f, "sample " + i);
                assertEquals(expected.label(), batch[i].label());
                Classification alone = p.classify(Arrays.copyOfRange(x, i * 784, (i + 1) * 784));
                assertEquals(alone.label(), batch[i].label(), "sample " + i + " alone");
                assertArrayEquals(alone.probabilities(), batch[i].probabilities(), 1e-6f, "sample " + i + " alone");
                float sum = 0;
                for (float v : batch[i].probabilities()) {
                    sum += v;
                }
                assertEquals(1f, sum, 1e-5f);
            }
        }
    }
}
