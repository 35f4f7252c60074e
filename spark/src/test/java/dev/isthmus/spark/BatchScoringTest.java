package dev.isthmus.spark;

import dev.isthmus.infer.Classification;
import dev.isthmus.infer.Predictor;
import dev.isthmus.io.SafeTensors;
import dev.isthmus.models.CourseModels;
import dev.isthmus.nn.Layer;
import dev.isthmus.nn.ModelSpec;
import dev.isthmus.spark.example.Digits;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A LeNet-5 trained on Spark is written as a normal Isthmus model file (the CLI's metadata keys) and scores a
 * DataFrame of 600 digits in 3 partitions on {@code local[2]}: every probability is bit-identical to the
 * single-machine Predictor's for the same batch, and the executor JVM loaded the model once for all its tasks.
 */
class BatchScoringTest {
    static SparkSession spark;
    static Digits digits;

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() throws IOException {
        spark = LocalSpark.session("local[2]", "BatchScoringTest");
        digits = Digits.read(Digits.locate(System.getProperty("isthmus.digits")), 728);
        trained = IsthmusClassifier.of(CourseModels.lenet5(10, 5), Digits.SHAPE, 10).modelName("lenet5")
                .batchSize(64).epochs(1).seed(3).fit(digits.slice(600, 728).toDataFrame(spark, 2));
    }

    @AfterAll
    static void stop() {
        trained.close();
        spark.stop();
    }

    /** LeNet-5 after one Spark epoch over 128 digits (two steps): trained, not just initialised; shared by the tests. */
    static IsthmusClassificationModel trained;

    @Test
    void modelFileCarriesTheCliMetadataAndTheWeights() throws IOException {
        Path file = dir.resolve("lenet5.safetensors");
        IsthmusClassificationModel m = trained;
        m.save(file);
        Map<String, String> meta = SafeTensors.readHeader(file).metadata();
        assertEquals("pt", meta.get("format"));
        assertEquals("lenet5", meta.get("isthmus.model"));
        assertEquals("classification", meta.get("isthmus.task"));
        assertEquals("[1,28,28]", meta.get(ModelSpec.INPUT_SHAPE_KEY));
        assertEquals(ModelSpec.toJson(m.model()), meta.get(ModelSpec.METADATA_KEY));
        try (Layer back = ModelSpec.fromJson(meta.get(ModelSpec.METADATA_KEY))) {
            SafeTensors.loadInto(file, back.stateDict());
            assertArrayEquals(m.model().parameters().data().toArray(), back.parameters().data().toArray(), 0f);
        }
    }

    @Test
    void scoresBitIdenticalToTheSingleMachineModelWithOneModelPerJvm() throws IOException {
        Path file = dir.resolve("scored.safetensors");
        Digits test = digits.slice(0, 600);
        trained.save(file);
        // The single-machine answers from a Predictor on the same file: batches as Spark forms them (each of the
        // 3 partitions of 200 digits is one batch) must give the same bits; one digit at a time, the GEMM
        // kernels may round the last bit differently, so those agree on the class and to 1e-6.
        Classification[] batched = new Classification[600];
        Classification[] alone = new Classification[600];
        try (Predictor single = Predictor.load(file)) {
            for (int b = 0; b < 3; b++) {
                System.arraycopy(single.classify(test.slice(200 * b, 200 * b + 200).flat(), 200), 0, batched, 200 * b, 200);
            }
            for (int i = 0; i < 600; i++) {
                alone[i] = single.classify(test.images()[i]);
            }
        }
        int before = ExecutorCache.scorerCount();
        Dataset<Row> scored = IsthmusClassificationModel.transform(test.toDataFrame(spark, 3), file, "features");
        List<Row> rows = scored.orderBy("id").collectAsList();
        assertEquals(before + 1, ExecutorCache.scorerCount(), "three tasks, one JVM: the model was loaded once");
        assertEquals(600, rows.size());
        int agree = 0;
        for (Row r : rows) {
            int i = (int) r.getLong(r.fieldIndex("id"));
            List<Float> p = r.getList(r.fieldIndex("probability"));
            for (int c = 0; c < 10; c++) {
                float e = batched[i].probabilities()[c];
                assertEquals(Float.floatToRawIntBits(e), Float.floatToRawIntBits(p.get(c)), "digit " + i + " class " + c);
                assertEquals(alone[i].probabilities()[c], p.get(c), 1e-6, "digit " + i + " class " + c + " scored alone");
            }
            int best = batched[i].label();
            assertEquals(best, r.getInt(r.fieldIndex("prediction")), "digit " + i);
            assertEquals(alone[i].label(), best, "digit " + i + " scored alone");
            agree += best == r.getInt(r.fieldIndex("label")) ? 1 : 0;
        }
        assertTrue(agree > 60, "better than chance after two steps: " + agree + " / 600");
    }
}
