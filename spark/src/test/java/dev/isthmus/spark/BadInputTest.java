package dev.isthmus.spark;

import dev.isthmus.models.CourseModels;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A DataFrame that does not fit the model fails with one line naming the partition, the row's index in it
 * and the expected shape, in training and in scoring; the executor survives (the same session then runs the
 * next job).
 */
class BadInputTest {
    static final StructType SCHEMA = new StructType()
            .add("features", DataTypes.createArrayType(DataTypes.DoubleType, false), true)
            .add("label", DataTypes.LongType, false);
    static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = LocalSpark.session("local[2]", "BadInputTest");
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    /** 10 rows in 2 partitions of 5; row {@code badRow} of partition 1 gets {@code length} values and label {@code label}. */
    static Dataset<Row> frame(int badRow, int length, long label) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            boolean bad = i == 5 + badRow;
            rows.add(RowFactory.create(new double[bad ? length : 784], bad ? label : i % 10));
        }
        return spark.createDataFrame(JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(rows, 2), SCHEMA);
    }

    static IsthmusClassifier lenet() {
        return IsthmusClassifier.of(CourseModels.lenet5(10, 1), new int[] {1, 28, 28}, 10).batchSize(4).epochs(1);
    }

    @Test
    void wrongFeatureLengthNamesPartitionRowAndShape() {
        BadRowException e = assertThrows(BadRowException.class, () -> lenet().fit(frame(3, 783, 1)));
        assertEquals("partition 1, row 3: column 'features' has 783 values; expected 784 floats per row (input shape [1, 28, 28])",
                e.getMessage());
        assertEquals(10, frame(0, 784, 1).count(), "the executor is still there");
    }

    @Test
    void labelOutOfRangeNamesPartitionRowAndClasses() {
        BadRowException e = assertThrows(BadRowException.class, () -> lenet().fit(frame(2, 784, 10)));
        assertEquals("partition 1, row 2: label column 'label' = 10.0 is not a class index in [0, 10)", e.getMessage());
    }

    @Test
    void scoringAWrongLengthRowFailsTheSameWay() {
        try (IsthmusClassificationModel m = lenet().fit(frame(0, 784, 1))) {
            BadRowException e = assertThrows(BadRowException.class, () -> {
                try {
                    m.transform(frame(4, 785, 1)).collectAsList();
                } catch (Exception ex) { // SparkException is checked, thrown undeclared by Scala
                    throw SparkErrors.unwrap(ex);
                }
            });
            assertEquals("partition 1, row 4: column 'features' has 785 values; expected 784 floats per row (input shape [1, 28, 28])",
                    e.getMessage());
        }
    }
}
