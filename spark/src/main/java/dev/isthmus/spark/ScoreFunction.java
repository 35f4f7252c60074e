package dev.isthmus.spark;

import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

import dev.isthmus.infer.Classification;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * Scores one partition: rows are read in batches of {@code batch}, run through the executor JVM's shared
 * {@link BatchScorer}, a Predictor (loaded from the broadcast model file on the JVM's first task), and returned with the
 * top class and the probabilities appended. Lazy: a partition is never held in memory whole.
 */
final class ScoreFunction implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;

    private final Broadcast<byte[]> modelFile;
    private final String modelId;
    private final RowReader reader;
    private final int batch;

    ScoreFunction(Broadcast<byte[]> modelFile, String modelId, RowReader reader, int batch) {
        this.modelFile = modelFile;
        this.modelId = modelId;
        this.reader = reader;
        this.batch = batch;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        BatchScorer scorer = ExecutorCache.scorer(modelId, () -> BatchScorer.load(modelFile.value(), "model " + modelId));
        int partition = TaskContext.getPartitionId();
        int len = reader.featureLength();
        float[] x = new float[batch * len];
        return new Iterator<>() {
            private final List<Row> pending = new ArrayList<>(batch);
            private final List<Row> ready = new ArrayList<>(batch);
            private int next;
            private long index;

            @Override
            public boolean hasNext() {
                if (next < ready.size()) {
                    return true;
                }
                fill();
                return next < ready.size();
            }

            @Override
            public Row next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return ready.get(next++);
            }

            private void fill() {
                ready.clear();
                next = 0;
                pending.clear();
                while (pending.size() < batch && rows.hasNext()) {
                    Row r = rows.next();
                    reader.features(r, partition, index++, x, pending.size() * len);
                    pending.add(r);
                }
                int n = pending.size();
                if (n == 0) {
                    return;
                }
                Classification[] answers = scorer.classify(n == batch ? x : Arrays.copyOf(x, n * len), n);
                for (int i = 0; i < n; i++) {
                    Row r = pending.get(i);
                    float[] p = answers[i].probabilities();
                    Object[] values = new Object[r.length() + 2];
                    for (int c = 0; c < r.length(); c++) {
                        values[c] = r.get(c);
                    }
                    values[r.length()] = answers[i].label();
                    values[r.length() + 1] = p;
                    ready.add(RowFactory.create(values));
                }
            }
        };
    }
}
