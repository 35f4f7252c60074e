package dev.isthmus.spark;

import dev.isthmus.data.RandomSampler;
import dev.isthmus.io.SafeTensors;
import dev.isthmus.nn.Layer;
import dev.isthmus.nn.ModelSpec;
import dev.isthmus.nn.Parameters;
import dev.isthmus.optim.Adam;
import dev.isthmus.optim.Optimizer;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Trains an Isthmus classifier on a Spark DataFrame by synchronous data parallelism, the pattern of MLlib's
 * MultilayerPerceptronClassifier: every step the driver broadcasts the weights (a safetensors image), each
 * partition computes the summed gradient and loss of its rows of the global mini-batch ({@code mapPartitions}),
 * {@code treeAggregate} adds them up in a fixed order ({@link GradientSum}), and the driver runs the Isthmus
 * optimizer, whose state never leaves the driver.
 *
 * <p>The mini-batches are those of a single-machine {@code DataLoader} with {@code shuffle(true).seed(seed)}
 * over the rows in DataFrame order (partition 0 first): the same seed gives the same batches, so a Spark run
 * matches a single-machine run up to float summation order, and two Spark runs with the same seed and
 * partitioning give the same bits, retried tasks included. Features: an array&lt;float&gt; or
 * array&lt;double&gt; column of {@code prod(inputShape)} values per row; labels: a numeric class-index column.
 */
public final class IsthmusClassifier {
    private final Layer model;
    private final int[] inputShape;
    private final int numClasses;
    private String featuresCol = "features";
    private String labelCol = "label";
    private String modelName = "custom";
    private int batchSize = 64;
    private int epochs = 10;
    private long seed;
    private int depth = 2;
    private Function<Parameters, Optimizer> optimizer = p -> new Adam(p, 1e-3);
    private Consumer<StepStats> listener = s -> { };
    private StepHook hook = StepHook.NONE;

    private IsthmusClassifier(Layer model, int[] inputShape, int numClasses) {
        this.model = Objects.requireNonNull(model, "model");
        this.inputShape = inputShape.clone();
        this.numClasses = numClasses;
        if (numClasses < 2) {
            throw new IllegalArgumentException("a classifier needs >= 2 classes, got " + numClasses);
        }
        int[] batch = new int[inputShape.length + 1];
        batch[0] = 1;
        System.arraycopy(inputShape, 0, batch, 1, inputShape.length);
        int[] out = model.outputShape(batch);
        if (out.length != 2 || out[1] != numClasses) {
            throw new IllegalArgumentException("the model maps " + java.util.Arrays.toString(batch) + " to "
                    + java.util.Arrays.toString(out) + ", expected [1, " + numClasses + "] logits");
        }
    }

    /**
     * Trains {@code model} (initialised by the caller, trained in place on the driver) on samples of
     * {@code inputShape} into {@code numClasses} classes.
     */
    public static IsthmusClassifier of(Layer model, int[] inputShape, int numClasses) {
        return new IsthmusClassifier(model, inputShape, numClasses);
    }

    public IsthmusClassifier featuresCol(String c) {
        this.featuresCol = Objects.requireNonNull(c);
        return this;
    }

    public IsthmusClassifier labelCol(String c) {
        this.labelCol = Objects.requireNonNull(c);
        return this;
    }

    /** The model's name in the file's {@code isthmus.model} metadata (e.g. {@code lenet5}). */
    public IsthmusClassifier modelName(String name) {
        this.modelName = Objects.requireNonNull(name);
        return this;
    }

    /** The global mini-batch, split over the partitions holding its rows. */
    public IsthmusClassifier batchSize(int b) {
        if (b < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + b);
        }
        this.batchSize = b;
        return this;
    }

    public IsthmusClassifier epochs(int e) {
        if (e < 1) {
            throw new IllegalArgumentException("epochs must be >= 1, got " + e);
        }
        this.epochs = e;
        return this;
    }

    /** Seed of the per-epoch shuffle (the model's initial weights are the caller's). */
    public IsthmusClassifier seed(long s) {
        this.seed = s;
        return this;
    }

    /** {@code treeAggregate} depth (2 by default, as MLlib). */
    public IsthmusClassifier aggregationDepth(int d) {
        if (d < 1) {
            throw new IllegalArgumentException("aggregation depth must be >= 1, got " + d);
        }
        this.depth = d;
        return this;
    }

    /** Builds the driver's optimizer over the model's parameters (default Adam, lr 1e-3). */
    public IsthmusClassifier optimizer(Function<Parameters, Optimizer> factory) {
        this.optimizer = Objects.requireNonNull(factory);
        return this;
    }

    /** Called on the driver after every step. */
    public IsthmusClassifier onStep(Consumer<StepStats> l) {
        this.listener = Objects.requireNonNull(l);
        return this;
    }

    IsthmusClassifier hook(StepHook h) {
        this.hook = Objects.requireNonNull(h);
        return this;
    }

    /** Trains for the configured epochs; bad rows fail with a {@link BadRowException} naming the row. */
    public IsthmusClassificationModel fit(Dataset<Row> data) {
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(data.sparkSession().sparkContext());
        RowReader reader = RowReader.forTraining(data.schema(), featuresCol, labelCol, inputShape, numClasses);
        JavaRDD<PartitionBlock> blocks = data.toJavaRDD()
                .mapPartitionsWithIndex((p, rows) -> List.of(PartitionBlock.read(p, rows, reader)).iterator(), true)
                .persist(StorageLevel.MEMORY_AND_DISK());
        String architecture = ModelSpec.toJson(model);
        String runId = UUID.randomUUID().toString();
        List<Double> epochLoss = new ArrayList<>();
        try (Optimizer opt = optimizer.apply(model.parameters())) {
            List<Integer> rows;
            try {
                rows = blocks.map(b -> b.rows).collect();
            } catch (Exception e) {
                throw SparkErrors.unwrap(e);
            }
            long[] starts = new long[rows.size()];
            long n = 0;
            for (int p = 0; p < starts.length; p++) {
                starts[p] = n;
                n += rows.get(p);
            }
            if (n == 0) {
                throw new IllegalArgumentException("the DataFrame has no rows to train on");
            }
            int total = Math.toIntExact(n);
            RandomSampler sampler = new RandomSampler(total, seed);
            int[] order = new int[total];
            long step = 0;
            for (int epoch = 0; epoch < epochs; epoch++) {
                sampler.fill(epoch, order);
                Broadcast<int[]> orderB = sc.broadcast(order.clone());
                double lossSum = 0;
                for (int from = 0; from < total; from += batchSize, step++) {
                    int to = Math.min(total, from + batchSize);
                    StepStats s = step(sc, blocks, opt, architecture, runId, orderB, starts, from, to, epoch, step);
                    lossSum += s.loss() * s.samples();
                    listener.accept(s);
                }
                orderB.destroy();
                epochLoss.add(lossSum / total);
            }
        } finally {
            blocks.unpersist(false);
        }
        return new IsthmusClassificationModel(model, inputShape, numClasses, modelName, featuresCol, epochLoss);
    }

    private StepStats step(JavaSparkContext sc, JavaRDD<PartitionBlock> blocks, Optimizer opt, String architecture,
                           String runId, Broadcast<int[]> order, long[] starts, int from, int to, int epoch, long step) {
        long t0 = System.nanoTime();
        byte[] image = SafeTensors.toBytes(model.stateDict(), Map.of());
        Broadcast<byte[]> weights = sc.broadcast(image);
        int partitions = starts.length;
        GradientStep task = new GradientStep(runId, architecture, inputShape, weights, order, starts,
                AggregationOrder.leafLabels(partitions, depth), from, to,
                (float) (1.0 / (to - from)), step, hook);
        GradientSum.Node sum;
        try {
            sum = blocks.mapPartitions(task)
                    .treeAggregate(new GradientSum(partitions), GradientSum::merge, GradientSum::merge, depth)
                    .total();
        } catch (Exception e) {
            throw SparkErrors.unwrap(e);
        } finally {
            weights.destroy();
        }
        long t1 = System.nanoTime();
        Parameters p = model.parameters();
        if (sum.grad() == null || sum.grad().length != p.grad().size()) {
            throw new IllegalStateException("step " + step + ": the aggregated gradient has "
                    + (sum.grad() == null ? 0 : sum.grad().length) + " floats, the model " + p.grad().size());
        }
        p.grad().copyFrom(sum.grad());
        opt.step();
        long t2 = System.nanoTime();
        return new StepStats(epoch, step, sum.count(), sum.loss() / sum.count(), t2 - t0, sum.maxNanos(), t2 - t1,
                image.length);
    }
}
