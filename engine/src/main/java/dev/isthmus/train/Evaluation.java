package dev.isthmus.train;

import dev.isthmus.data.Batch;
import dev.isthmus.data.DataLoader;
import dev.isthmus.loss.Loss;
import dev.isthmus.nn.Layer;
import dev.isthmus.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The result of {@link Trainer#evaluate}: mean loss, sample count, wall-clock seconds, named metrics
 * ({@code acc}, {@code macro_f1} or {@code mse}, {@code mae}, {@code r2}) and the full confusion matrix or
 * regression accumulator for detailed reports (either may be null).
 */
public record Evaluation(double loss, long samples, double seconds, Map<String, Double> metrics,
                         ConfusionMatrix confusion, RegressionMetrics regression) {

    /** Samples per second of the evaluation pass (inference throughput, data loading included). */
    public double samplesPerSecond() {
        return samples / seconds;
    }

    /** One pass over {@code data} in evaluation mode: {@code classes > 0} counts a confusion matrix. */
    static Evaluation run(Layer model, Loss loss, int classes, boolean regression, DataLoader data) {
        boolean wasTraining = model.isTraining();
        model.eval();
        try {
            ConfusionMatrix cm = classes > 0 ? new ConfusionMatrix(classes) : null;
            RegressionMetrics rm = null;
            double lossSum = 0;
            long samples = 0;
            long start = System.nanoTime();
            data.startEpoch(0);
            for (Batch b = data.next(); b != null; b = data.next()) {
                Tensor out = model.forward(b.x());
                lossSum += (double) loss.forward(out, b.y()) * b.size();
                samples += b.size();
                if (cm != null) {
                    cm.add(out, b.y());
                } else if (regression) {
                    if (rm == null) {
                        rm = new RegressionMetrics((int) (out.size() / out.dim(0)));
                    }
                    rm.add(out, b.y());
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            Map<String, Double> metrics = new LinkedHashMap<>();
            if (cm != null) {
                metrics.put("acc", cm.accuracy());
                metrics.put("macro_f1", cm.macroAverage().f1());
            }
            if (rm != null) {
                metrics.put("mse", rm.mse());
                metrics.put("mae", rm.mae());
                metrics.put("r2", rm.r2());
            }
            return new Evaluation(lossSum / Math.max(1, samples), samples, seconds, metrics, cm, rm);
        } finally {
            model.train(wasTraining);
        }
    }
}
