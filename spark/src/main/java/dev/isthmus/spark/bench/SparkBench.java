package dev.isthmus.spark.bench;

import dev.isthmus.models.CourseModels;
import dev.isthmus.nn.Layer;
import dev.isthmus.nn.Linear;
import dev.isthmus.nn.ReLU;
import dev.isthmus.nn.Sequential;
import dev.isthmus.optim.Adam;
import dev.isthmus.spark.IsthmusClassificationModel;
import dev.isthmus.spark.IsthmusClassifier;
import dev.isthmus.spark.LocalSpark;
import dev.isthmus.spark.StepStats;
import dev.isthmus.spark.example.Digits;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Isthmus on Spark, measured: training and scoring images/s of LeNet-5 on the bundled digits at {@code local[1]}
 * and {@code local[2]} (as many partitions as task slots), and the per-step overhead of a synchronous step
 * (wall time minus the slowest task's forward + backward minus the driver's optimizer step: broadcast of the
 * weights, scheduling, task-result serialization, tree aggregation) for LeNet-5 (61,706 parameters) and a
 * 9.9 M-parameter MLP. Medians over the timed steps; the first epoch (or steps) warm the JIT and are not timed.
 * Prints a Markdown table with the load average, and writes it to {@code --out} if given. Run with
 * {@code spark/run-example.sh --main dev.isthmus.spark.bench.SparkBench [--train 2048] [--score 4000] [--out FILE]}.
 */
public final class SparkBench {
    private SparkBench() {
    }

    /** 784 -> 3200 -> 2300 -> 10: 9,899,710 parameters. */
    static Sequential mlp10m() {
        return new Sequential(new Linear(784, 3200), new ReLU(), new Linear(3200, 2300), new ReLU(), new Linear(2300, 10));
    }

    record Run(String master, String model, long params, double trainImagesPerSecond, double medianStepMs,
               double medianTaskMs, double medianOverheadMs, double weightMB, double scoreImagesPerSecond) {
    }

    public static void main(String[] args) throws IOException {
        int trainN = 2048, scoreN = 4000;
        String out = null;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--train" -> trainN = Integer.parseInt(args[i + 1]);
                case "--score" -> scoreN = Integer.parseInt(args[i + 1]);
                case "--out" -> out = args[i + 1];
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Digits all = Digits.read(Digits.locate(null), Math.max(trainN, scoreN));
        List<Run> runs = new ArrayList<>();
        String loadBefore = load();
        for (int slots : new int[] {1, 2}) {
            String master = "local[" + slots + "]";
            SparkSession spark = LocalSpark.session(master, "isthmus-bench");
            try {
                runs.add(run(spark, master, slots, "LeNet-5", CourseModels.lenet5(10, 1), Digits.SHAPE,
                        all.slice(0, trainN), 2, all.slice(0, scoreN)));
                runs.add(run(spark, master, slots, "MLP 9.9M", mlp10m(), new int[] {784}, all.slice(0, 64 * 6), 1, null));
            } finally {
                spark.stop();
            }
        }
        String table = table(runs, loadBefore, load());
        System.out.println(table);
        if (out != null) {
            Files.writeString(Path.of(out), table);
        }
    }

    static Run run(SparkSession spark, String master, int partitions, String name, Layer model, int[] shape,
                   Digits train, int epochs, Digits score) {
        List<StepStats> steps = new ArrayList<>();
        IsthmusClassificationModel m = IsthmusClassifier.of(model, shape, 10).batchSize(64).epochs(epochs).seed(1)
                .optimizer(p -> new Adam(p, 1e-3)).onStep(steps::add)
                .fit(train.toDataFrame(spark, partitions));
        // Timed: the last epoch when there are two, else all steps after the first two.
        List<StepStats> timed = epochs > 1 ? steps.stream().filter(s -> s.epoch() == epochs - 1).toList()
                : steps.subList(Math.min(2, steps.size() - 1), steps.size());
        double wall = timed.stream().mapToLong(StepStats::wallNanos).sum() / 1e9;
        long samples = timed.stream().mapToLong(StepStats::samples).sum();
        double scoring = Double.NaN;
        if (score != null) {
            Dataset<Row> df = score.toDataFrame(spark, partitions).cache();
            df.count();
            m.transform(df).count(); // warm-up: loads the Predictor in this JVM
            long t0 = System.nanoTime();
            m.transform(df).count();
            scoring = score.size() / ((System.nanoTime() - t0) / 1e9);
            df.unpersist();
        }
        Run r = new Run(master, name, model.parameterCount(), samples / wall,
                median(timed, StepStats::wallNanos), median(timed, StepStats::slowestTaskNanos),
                median(timed, StepStats::overheadNanos), timed.getFirst().weightBytes() / 1e6, scoring);
        System.out.println(r);
        m.close();
        return r;
    }

    static double median(List<StepStats> steps, java.util.function.ToLongFunction<StepStats> f) {
        long[] v = steps.stream().mapToLong(f).sorted().toArray();
        return v[v.length / 2] / 1e6;
    }

    static String load() {
        return String.format(Locale.ROOT, "%.2f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }

    static String table(List<Run> runs, String loadBefore, String loadAfter) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "SparkBench: %d cores, load average %s before / %s after, JDK %s, %s%n%n",
                Runtime.getRuntime().availableProcessors(), loadBefore, loadAfter, Runtime.version(), cpu()));
        sb.append("| master | model | parameters | training images/s | step (ms) | slowest task (ms) | overhead/step (ms) | weights broadcast (MB) | scoring images/s |\n");
        sb.append("|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Run r : runs) {
            sb.append(String.format(Locale.ROOT, "| %s | %s | %,d | %,.0f | %.1f | %.1f | %.1f | %.2f | %s |%n", r.master(), r.model(),
                    r.params(), r.trainImagesPerSecond(), r.medianStepMs(), r.medianTaskMs(), r.medianOverheadMs(), r.weightMB(),
                    Double.isNaN(r.scoreImagesPerSecond()) ? "-" : String.format(Locale.ROOT, "%,.0f", r.scoreImagesPerSecond())));
        }
        return sb.toString();
    }

    static String cpu() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name")).findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("?")
                    + (Arrays.asList(Files.readString(Path.of("/proc/cpuinfo")).split("\\s+")).contains("avx512f") ? " (AVX-512)" : " (no AVX-512)");
        } catch (IOException e) {
            return "?";
        }
    }
}
