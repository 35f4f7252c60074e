package dev.isthmus.train;

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
}
