package dev.isthmus.spark.example;

import dev.isthmus.models.CourseModels;
import dev.isthmus.optim.Adam;
import dev.isthmus.spark.IsthmusClassificationModel;
import dev.isthmus.spark.IsthmusClassifier;
import dev.isthmus.spark.LocalSpark;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;

import java.nio.file.Path;
import java.util.Locale;

/**
 * Trains LeNet-5 on the bundled MNIST digits on Spark (default {@code local[2]}, loopback only), scores the
 * held-out digits on the executors, and writes a normal Isthmus model file ({@code ./isthmus eval} and
 * {@code Predictor.load} read it). Run by {@code spark/run-example.sh}; options:
 * {@code --master local[2] --epochs 3 --train 8000 --test 2000 --batch 64 --lr 0.001 --partitions 2
 * --out runs/spark-lenet5.safetensors --data DIR}.
 */
public final class TrainLeNet {
    private TrainLeNet() {
    }

    public static void main(String[] args) throws Exception {
        Options o = Options.parse(args);
        Digits all = Digits.read(Digits.locate(o.get("data", null)), o.getInt("train", 8000) + o.getInt("test", 2000));
        int trainN = Math.min(o.getInt("train", 8000), all.size() - 1);
        Digits train = all.slice(0, trainN), test = all.slice(trainN, all.size());
        String master = o.get("master", "local[2]");
        int partitions = o.getInt("partitions", 2);
        Path out = Path.of(o.get("out", "runs/spark-lenet5.safetensors"));
        SparkSession spark = LocalSpark.session(master, "isthmus-lenet5");
        try {
            double lr = Double.parseDouble(o.get("lr", "0.001"));
            long t0 = System.nanoTime();
            int[] steps = {0};
            IsthmusClassificationModel model = IsthmusClassifier.of(CourseModels.lenet5(10, 1), Digits.SHAPE, 10)
                    .modelName("lenet5")
                    .batchSize(o.getInt("batch", 64)).epochs(o.getInt("epochs", 3)).seed(42)
                    .optimizer(p -> new Adam(p, lr))
                    .onStep(s -> {
                        if (++steps[0] % 25 == 0) {
                            System.out.printf(Locale.ROOT, "epoch %d step %d: loss %.4f, step %.1f ms (slowest task %.1f ms)%n",
                                    s.epoch() + 1, s.step() + 1, s.loss(), s.wallNanos() / 1e6, s.slowestTaskNanos() / 1e6);
                        }
                    })
                    .fit(train.toDataFrame(spark, partitions));
            double seconds = (System.nanoTime() - t0) / 1e9;
            System.out.printf(Locale.ROOT, "trained on %s: %d digits x %d epochs in %.1f s (%.0f images/s), epoch losses %s%n",
                    master, train.size(), model.epochLoss().size(), seconds, train.size() * model.epochLoss().size() / seconds,
                    model.epochLoss());
            java.nio.file.Files.createDirectories(out.toAbsolutePath().getParent());
            model.save(out);
            Dataset<Row> scored = IsthmusClassificationModel.transform(test.toDataFrame(spark, partitions), out, "features");
            long right = scored.filter(functions.col("prediction").equalTo(functions.col("label"))).count();
            System.out.printf(Locale.ROOT, "test accuracy on %d held-out digits (scored on the executors): %.2f %%%n",
                    test.size(), 100.0 * right / test.size());
            System.out.println("wrote " + out);
            model.close();
        } finally {
            spark.stop();
        }
    }
}
