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
import java.util.Iterator;
import java.util.List;

/**
 * MNIST digits from an IDX pair (the repository's bundled subset by default, read by path so this module does
 * not depend on the samples), as arrays and as a DataFrame {@code id: long, features: array<float> (784 pixels in
 * [0, 1], row-major 1x28x28), label: int}.
 *
 * @param source the directory of the IDX pair
 * @param from   the index in the pair of the first digit here
 * @param images one 784-float array per digit
 * @param labels the digits' classes, 0 to 9
 */
public record Digits(Path source, int from, float[][] images, int[] labels) {
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
            return new Digits(dir, 0, images, Arrays.copyOf(y, n));
        }
    }

    public int size() {
        return labels.length;
    }

    /** Digits {@code [from, to)}. */
    public Digits slice(int from, int to) {
        return new Digits(source, this.from + from, Arrays.copyOfRange(images, from, to), Arrays.copyOfRange(labels, from, to));
    }

    /** All pixels in one array, digit after digit ({@code [N, 1, 28, 28]}). */
    public float[] flat() {
        float[] out = new float[size() * 784];
        for (int i = 0; i < size(); i++) {
            System.arraycopy(images[i], 0, out, i * 784, 784);
        }
        return out;
    }

    /**
     * These digits in order as a DataFrame of {@code partitions} contiguous partitions. Each task reads its
     * range from the IDX files (the path must be readable where the tasks run, as with any file source), so the
     * tasks carry a path and two numbers rather than the pixels.
     */
    public Dataset<Row> toDataFrame(SparkSession spark, int partitions) {
        List<int[]> ranges = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            ranges.add(new int[] {from + (int) ((long) size() * p / partitions), from + (int) ((long) size() * (p + 1) / partitions)});
        }
        String dir = source.toAbsolutePath().toString();
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        return spark.createDataFrame(sc.parallelize(ranges, partitions).flatMap(r -> rows(Path.of(dir), r[0], r[1])), SCHEMA);
    }

    private static Iterator<Row> rows(Path dir, int lo, int hi) throws IOException {
        Digits d = read(dir, hi).slice(lo, hi);
        List<Row> rows = new ArrayList<>(d.size());
        for (int i = 0; i < d.size(); i++) {
            rows.add(RowFactory.create((long) (lo + i), d.images[i], d.labels[i]));
        }
        return rows.iterator();
    }
}
