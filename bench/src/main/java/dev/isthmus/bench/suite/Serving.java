package dev.isthmus.bench.suite;

import dev.isthmus.bench.e2e.Workload;
import dev.isthmus.infer.Predictor;
import dev.isthmus.models.CourseModels;
import dev.isthmus.nn.Sequential;
import dev.isthmus.tensor.Rng;

/**
 * Inference the way an application serves it: a course model behind a {@link Predictor}, fed a fixed batch of
 * random inputs from a float array and writing into a caller array ({@link Predictor#predict(float[], int, float[])},
 * which allocates nothing once warm). The inference rows and the single-stream latencies time {@link #call()}.
 */
final class Serving implements AutoCloseable {
    private final Sequential model;
    private final Predictor predictor;
    private final float[] input;
    /** The last call's outputs {@code [batch, classes]}. */
    final float[] output;
    private final int batch;

    Serving(Workload.Model kind, int batch) {
        this.batch = batch;
        int[] shape;
        switch (kind) {
            case MLP -> {
                model = CourseModels.digitsMlp(10, 1);
                shape = new int[]{1, 28, 28};
            }
            case LENET5 -> {
                model = CourseModels.lenet5(10, 1);
                shape = new int[]{1, 28, 28};
            }
            default -> {
                model = CourseModels.alexnet(1000, 1);
                shape = new int[]{3, 224, 224};
            }
        }
        model.eval();
        predictor = Predictor.of(model, shape);
        int sample = 1;
        for (int d : shape) {
            sample *= d;
        }
        input = new float[batch * sample];
        Rng rng = new Rng(7);
        for (int i = 0; i < input.length; i++) {
            input[i] = (float) rng.nextGaussian();
        }
        output = new float[batch * predictor.outputShape()[0]];
    }

    /** One prediction of the whole batch. */
    void call() {
        predictor.predict(input, batch, output);
    }

    @Override
    public void close() {
        predictor.close();
        model.close();
    }
}
