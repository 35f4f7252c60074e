package dev.isthmus.cli;

import dev.isthmus.data.Batch;
import dev.isthmus.data.DataLoader;
import dev.isthmus.data.Dataset;
import dev.isthmus.data.MinMaxScaler;
import dev.isthmus.data.Subset;
import dev.isthmus.nn.Layer;
import dev.isthmus.tensor.Tensor;
import dev.isthmus.train.ConfusionMatrix;
import dev.isthmus.train.LatencyRecorder;
import dev.isthmus.train.RegressionMetrics;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** Test-set evaluation for the reports: predictions, metrics, and inference latency per batch and per sample. */
final class Reports {
    private static final int LATENCY_SAMPLES = 200;

    private Reports() {
    }

    /** Classification results on a test split. */
    record Classification(ConfusionMatrix cm, int[] predicted, LatencyRecorder.Summary perBatch,
                          LatencyRecorder.Summary perSample, int batch) {
        String text() {
            return "test accuracy " + String.format(Locale.ROOT, "%.4f", cm.accuracy()) + " on " + cm.total() + " samples\n\n"
                    + "classification report\n" + cm.report() + "\nconfusion matrix (rows: true, columns: predicted)\n"
                    + cm.matrixString() + "\n" + latency(perBatch, perSample, batch);
        }
    }

    /** Regression results in original units. */
    record Regression(float[] truth, float[] predicted, RegressionMetrics metrics, LatencyRecorder.Summary perBatch,
                      LatencyRecorder.Summary perSample) {
        String line(String what) {
            return String.format(Locale.ROOT, "%s: MSE %.6g  MAE %.6g  R2 %.6f  (%d samples)", what, metrics.mse(),
                    metrics.mae(), metrics.r2(), metrics.count());
        }
    }

    static String latency(LatencyRecorder.Summary perBatch, LatencyRecorder.Summary perSample, int batch) {
        return String.format(Locale.ROOT, "inference latency: per sample (batch 1) %.4f ms (p50 %.4f ms); per batch of %d "
                        + "%.3f ms (p50 %.3f ms), %,.0f samples/s%n",
                perSample.meanBatchMs(), perSample.p50BatchMs(), batch,
                perBatch.meanBatchMs(), perBatch.p50BatchMs(), perBatch.samplesPerSecond());
    }

    static Classification classify(Layer model, Dataset test, List<String> names, int batch) {
        ConfusionMatrix cm = new ConfusionMatrix(names);
        int[] predicted = new int[test.size()];
        LatencyRecorder.Summary lat = timed(model, test, batch, (b, out, first) -> {
            int[] labels = b.labels();
            for (int i = 0; i < b.size(); i++) {
                predicted[first + i] = argmax(out, i);
                cm.add(predicted[first + i], labels[i]);
            }
        });
        return new Classification(cm, predicted, lat, perSample(model, test), batch);
    }

    static Regression regress(Layer model, Dataset test, MinMaxScaler yScaler, int batch) {
        int n = test.size();
        float[] pred = new float[n];
        float[] truth = new float[n];
        LatencyRecorder.Summary lat = timed(model, test, batch, (b, out, first) -> {
            System.arraycopy(out.toArray(), 0, pred, first, b.size());
            System.arraycopy(b.y().toArray(), 0, truth, first, b.size());
        });
        inverse(yScaler, pred);
        inverse(yScaler, truth);
        RegressionMetrics m = new RegressionMetrics(1);
        m.add(pred, truth);
        return new Regression(truth, pred, m, lat, perSample(model, test));
    }

    /** What an evaluation does with one batch's output; {@code first} is the index of the batch's first sample. */
    private interface BatchSink {
        void accept(Batch b, Tensor out, int first);
    }

    /**
     * Runs {@code model} over {@code test} in batches of {@code batch}, in evaluation mode (its mode restored after),
     * timing each forward pass; returns the latency summary.
     */
    private static LatencyRecorder.Summary timed(Layer model, Dataset test, int batch, BatchSink sink) {
        boolean was = model.isTraining();
        model.eval();
        LatencyRecorder lat = new LatencyRecorder(test.size() / batch + 2);
        try (DataLoader loader = DataLoader.builder(test).batchSize(batch).prefetch(0).build()) {
            loader.startEpoch(0);
            int first = 0;
            for (Batch b = loader.next(); b != null; b = loader.next()) {
                long t0 = System.nanoTime();
                Tensor out = model.forward(b.x());
                lat.record(System.nanoTime() - t0, b.size());
                sink.accept(b, out, first);
                first += b.size();
            }
            return lat.summary();
        } finally {
            model.train(was);
        }
    }

    static void inverse(MinMaxScaler s, float[] values) {
        try (Tensor t = Tensor.of(values, values.length, 1)) {
            s.inverse(t);
            System.arraycopy(t.toArray(), 0, values, 0, values.length);
        }
    }

    /** Batch-1 latency over the first {@value #LATENCY_SAMPLES} samples, measured on a second pass (the first warms up). */
    private static LatencyRecorder.Summary perSample(Layer model, Dataset test) {
        int[] idx = new int[Math.min(LATENCY_SAMPLES, test.size())];
        Arrays.setAll(idx, i -> i);
        Dataset first = new Subset(test, idx);
        timed(model, first, 1, (b, out, at) -> { });
        return timed(model, first, 1, (b, out, at) -> { });
    }

    static int argmax(Tensor out, int row) {
        int cols = out.dim(1);
        int best = 0;
        float bv = out.get(row, 0);
        for (int j = 1; j < cols; j++) {
            float v = out.get(row, j);
            if (v > bv) {
                bv = v;
                best = j;
            }
        }
        return best;
    }

    static float[] softmax(float[] logits) {
        float max = Float.NEGATIVE_INFINITY;
        for (float v : logits) {
            max = Math.max(max, v);
        }
        double sum = 0;
        float[] p = new float[logits.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = (float) Math.exp(logits[i] - max);
            sum += p[i];
        }
        for (int i = 0; i < p.length; i++) {
            p[i] /= (float) sum;
        }
        return p;
    }
}
