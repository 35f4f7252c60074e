package dev.isthmus.spark;

import org.apache.spark.sql.Row;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Iterator;

/**
 * One partition's training rows packed into two arrays (features row after row, labels), checked on the way
 * in. The training RDD holds one block per partition and is cached, so every step reads packed floats instead
 * of re-reading rows.
 */
final class PartitionBlock implements Serializable {
    private static final long serialVersionUID = 1L;

    final int partition;
    final int rows;
    final int featureLength;
    final float[] features;
    final int[] labels;

    private PartitionBlock(int partition, int rows, int featureLength, float[] features, int[] labels) {
        this.partition = partition;
        this.rows = rows;
        this.featureLength = featureLength;
        this.features = features;
        this.labels = labels;
    }

    /** Reads and checks every row of {@code partition}. */
    static PartitionBlock read(int partition, Iterator<Row> it, RowReader reader) {
        int len = reader.featureLength();
        float[] x = new float[len * 64];
        int[] y = new int[64];
        int n = 0;
        while (it.hasNext()) {
            Row row = it.next();
            if (n == y.length) {
                y = Arrays.copyOf(y, Math.toIntExact(Math.min(Integer.MAX_VALUE - 8, 2L * n)));
                x = Arrays.copyOf(x, Math.multiplyExact(y.length, len));
            }
            reader.features(row, partition, n, x, n * len);
            y[n] = reader.label(row, partition, n);
            n++;
        }
        return new PartitionBlock(partition, n, len, Arrays.copyOf(x, n * len), Arrays.copyOf(y, n));
    }
}
