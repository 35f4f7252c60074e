package dev.isthmus.spark.example;

import dev.isthmus.data.Idx;
import dev.isthmus.tensor.Tensor;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * MNIST digits from an IDX pair (the repository's bundled subset by default, read by path so this module does
 * not depend on the samples), as arrays and as a DataFrame {@code id: long, features: array<float> (784 pixels in
 * [0, 1], row-major 1x28x28), label: int}.
 *
 * @param images one 784-float array per digit
 * @param labels the digits' classes, 0 to 9
 */
public record Digits(float[][] images, int[] labels) {
    /** The bundled 10,000-digit subset, relative to the repository root. */
    public static final Path BUNDLED = Path.of("samples/src/main/resources/dev/isthmus/samples/data/mnist-subset");
    public static final int[] SHAPE = {1, 28, 28};
    public static final StructType SCHEMA = new StructType()
            .add("id", DataTypes.LongType, false)
            .add("features", DataTypes.createArrayType(DataTypes.FloatType, false), false)
            .add("label", DataTypes.IntegerType, false);

    /** The bundled subset from the repository root or the spark module directory, or {@code dir} if given. */
    public static Path locate(String dir) {
        if (dir != null) {
            return Path.of(dir);
        }
        Path here = BUNDLED;
        return Files.isDirectory(here) ? here : Path.of("..").resolve(BUNDLED);
    }

    /** The first {@code limit} digits of the pair in {@code dir} ({@code images-idx3-ubyte.gz}, {@code labels-idx1-ubyte.gz}). */
    public static Digits read(Path dir, int limit) throws IOException {
        int[] y = Idx.readLabels(dir.resolve("labels-idx1-ubyte.gz"), 10);
        try (Tensor x = Idx.readImages(dir.resolve("images-idx3-ubyte.gz"))) {
            int n = Math.min(limit, y.length);
            float[] all = x.toArray();
            float[][] images = new float[n][];
            for (int i = 0; i < n; i++) {
                images[i] = Arrays.copyOfRange(all, i * 784, (i + 1) * 784);
            }
            return new Digits(images, Arrays.copyOf(y, n));
        }
    }

    public int size() {
        return labels.length;
    }

    /** Digits {@code [from, to)}. */
    public Digits slice(int from, int to) {
        return new Digits(Arrays.copyOfRange(images, from, to), Arrays.copyOfRange(labels, from, to));
    }

    /** All pixels in one array, digit after digit ({@code [N, 1, 28, 28]}). */
    public float[] flat() {
        float[] out = new float[size() * 784];
        for (int i = 0; i < size(); i++) {
            System.arraycopy(images[i], 0, out, i * 784, 784);
        }
        return out;
    }

    /** The digits in order as a DataFrame of {@code partitions} contiguous partitions. */
    public Dataset<Row> toDataFrame(SparkSession spark, int partitions) {
        List<Row> rows = new ArrayList<>(size());
        for (int i = 0; i < size(); i++) {
            rows.add(RowFactory.create((long) i, images[i], labels[i]));
        }
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        return spark.createDataFrame(sc.parallelize(rows, partitions), SCHEMA);
    }
}
