package dev.isthmus.spark;

import dev.isthmus.io.SafeTensors;
import dev.isthmus.nn.Layer;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A classifier trained by {@link IsthmusClassifier}: the trained Isthmus model on the driver, which writes the
 * normal Isthmus model file ({@link #save}) and scores DataFrames on the executors ({@link #transform}).
 */
public final class IsthmusClassificationModel implements AutoCloseable {
    /** Rows per forward pass when scoring. */
    public static final int SCORING_BATCH = 256;

    private final Layer model;
    private final int[] inputShape;
    private final int numClasses;
    private final String modelName;
    private final String featuresCol;
    private final List<Double> epochLoss;

    IsthmusClassificationModel(Layer model, int[] inputShape, int numClasses, String modelName, String featuresCol,
                               List<Double> epochLoss) {
        this.model = model;
        this.inputShape = inputShape.clone();
        this.numClasses = numClasses;
        this.modelName = modelName;
        this.featuresCol = featuresCol;
        this.epochLoss = List.copyOf(epochLoss);
    }

    /** The trained model (the one given to {@link IsthmusClassifier#of}). */
    public Layer model() {
        return model;
    }

    public int[] inputShape() {
        return inputShape.clone();
    }

    public int numClasses() {
        return numClasses;
    }

    /** The mean training loss of each epoch. */
    public List<Double> epochLoss() {
        return epochLoss;
    }

    /** The Isthmus model file's metadata (the keys {@code isthmus train} writes). */
    public Map<String, String> metadata() {
        return ModelFiles.metadata(modelName, model, inputShape, null, null);
    }

    /** Writes the normal Isthmus model file: weights by state_dict name, architecture and input shape. */
    public void save(Path file) throws IOException {
        SafeTensors.save(file, model.stateDict(), metadata());
    }

    /** The bytes of the model file ({@link #save} without the file). */
    public byte[] toBytes() {
        return SafeTensors.toBytes(model.stateDict(), metadata());
    }

    /**
     * Scores {@code data} partition by partition: every column of the input plus {@code prediction} (int, the
     * top class) and {@code probability} (array&lt;float&gt;, the softmax of the outputs). Each executor JVM loads
     * the model once and shares it between its tasks.
     */
    public Dataset<Row> transform(Dataset<Row> data) {
        return transform(data, featuresCol);
    }

    /** {@link #transform(Dataset)} reading the features from column {@code features}. */
    public Dataset<Row> transform(Dataset<Row> data, String features) {
        return score(data, toBytes(), features, inputShape, SCORING_BATCH);
    }

    /** Scores {@code data} with the Isthmus model file {@code modelFile} (e.g. one written by {@code isthmus train}). */
    public static Dataset<Row> transform(Dataset<Row> data, Path modelFile, String features) throws IOException {
        byte[] bytes = java.nio.file.Files.readAllBytes(modelFile);
        int[] shape = ModelFiles.parseShape(SafeTensors.readHeader(modelFile).metadata()
                .getOrDefault(dev.isthmus.nn.ModelSpec.INPUT_SHAPE_KEY, "[]"));
        return score(data, bytes, features, shape, SCORING_BATCH);
    }

    private static Dataset<Row> score(Dataset<Row> data, byte[] modelFile, String features, int[] inputShape, int batch) {
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(data.sparkSession().sparkContext());
        RowReader reader = RowReader.forScoring(data.schema(), features, inputShape);
        Broadcast<byte[]> bytes = sc.broadcast(modelFile);
        StructType out = data.schema()
                .add("prediction", DataTypes.IntegerType, false)
                .add("probability", DataTypes.createArrayType(DataTypes.FloatType, false), false);
        ScoreFunction fn = new ScoreFunction(bytes, UUID.nameUUIDFromBytes(modelFile).toString(), reader, batch);
        return data.mapPartitions(fn, Encoders.row(out));
    }

    /** Frees the driver's model. */
    @Override
    public void close() {
        model.close();
    }
}
