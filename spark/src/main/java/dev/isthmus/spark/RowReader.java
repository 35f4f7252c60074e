package dev.isthmus.spark;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.io.Serializable;
import java.util.Arrays;
import java.util.List;

/**
 * Reads one sample from a DataFrame row: the features column (array&lt;float&gt; or array&lt;double&gt;, the
 * values of one sample in row-major order of the input shape) and, for training, the label column (any
 * integral or floating type holding a class index). Every row is checked; a row that does not fit throws a
 * {@link BadRowException} naming the partition, the row's index in it and the expected shape.
 */
final class RowReader implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String featuresCol;
    private final int featuresIndex;
    private final boolean doubles;
    private final String labelCol;
    private final int labelIndex;
    private final int[] inputShape;
    private final int featureLength;
    private final int numClasses;

    private RowReader(StructType schema, String featuresCol, String labelCol, int[] inputShape, int numClasses) {
        this.featuresCol = featuresCol;
        this.featuresIndex = fieldIndex(schema, featuresCol);
        DataType t = schema.fields()[featuresIndex].dataType();
        if (!(t instanceof ArrayType a) || !(a.elementType().equals(DataTypes.FloatType) || a.elementType().equals(DataTypes.DoubleType))) {
            throw new IllegalArgumentException("features column '" + featuresCol + "' must be array<float> or array<double>, got "
                    + t.simpleString());
        }
        this.doubles = ((ArrayType) t).elementType().equals(DataTypes.DoubleType);
        this.labelCol = labelCol;
        this.labelIndex = labelCol == null ? -1 : fieldIndex(schema, labelCol);
        if (labelCol != null && !(schema.fields()[labelIndex].dataType() instanceof org.apache.spark.sql.types.NumericType)) {
            throw new IllegalArgumentException("label column '" + labelCol + "' must be numeric (a class index), got "
                    + schema.fields()[labelIndex].dataType().simpleString());
        }
        this.inputShape = inputShape.clone();
        this.featureLength = Math.toIntExact(Arrays.stream(inputShape).asLongStream().reduce(1, Math::multiplyExact));
        this.numClasses = numClasses;
    }

    /** A reader of features and labels, for training. */
    static RowReader forTraining(StructType schema, String featuresCol, String labelCol, int[] inputShape, int numClasses) {
        return new RowReader(schema, featuresCol, labelCol, inputShape, numClasses);
    }

    /** A reader of features only, for scoring. */
    static RowReader forScoring(StructType schema, String featuresCol, int[] inputShape) {
        return new RowReader(schema, featuresCol, null, inputShape, 0);
    }

    private static int fieldIndex(StructType schema, String name) {
        List<String> names = Arrays.asList(schema.fieldNames());
        int i = names.indexOf(name);
        if (i < 0) {
            throw new IllegalArgumentException("no column '" + name + "'; the DataFrame has " + names);
        }
        return i;
    }

    int featureLength() {
        return featureLength;
    }

    /** Copies row {@code index} of {@code partition}'s features into {@code dst} from {@code offset} on. */
    void features(Row row, int partition, long index, float[] dst, int offset) {
        if (row.isNullAt(featuresIndex)) {
            throw bad(partition, index, "column '" + featuresCol + "' is null");
        }
        List<Object> values = row.getList(featuresIndex);
        if (values.size() != featureLength) {
            throw bad(partition, index, "column '" + featuresCol + "' has " + values.size() + " values");
        }
        for (int i = 0; i < featureLength; i++) {
            Object v = values.get(i);
            if (v == null) {
                throw bad(partition, index, "column '" + featuresCol + "' has a null at position " + i);
            }
            dst[offset + i] = doubles ? (float) (double) (Double) v : (Float) v;
        }
    }

    /** The class index in row {@code index} of {@code partition}. */
    int label(Row row, int partition, long index) {
        if (row.isNullAt(labelIndex)) {
            throw bad(partition, index, "label column '" + labelCol + "' is null");
        }
        double v = ((Number) row.get(labelIndex)).doubleValue();
        if (v != Math.rint(v) || v < 0 || v >= numClasses) {
            throw new BadRowException("partition " + partition + ", row " + index + ": label column '" + labelCol + "' = " + v
                    + " is not a class index in [0, " + numClasses + ")");
        }
        return (int) v;
    }

    private BadRowException bad(int partition, long index, String problem) {
        return new BadRowException("partition " + partition + ", row " + index + ": " + problem + "; expected "
                + featureLength + " floats per row (input shape " + Arrays.toString(inputShape) + ")");
    }
}
