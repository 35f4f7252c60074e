package dev.isthmus.bench.nn;

import dev.isthmus.nn.AvgPool2d;
import dev.isthmus.nn.MaxPool2d;
import dev.isthmus.nn.Layer;
import dev.isthmus.nn.Upsample;
import dev.isthmus.kernel.Engine;
import dev.isthmus.tensor.Rng;
import dev.isthmus.tensor.Tensor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

import java.util.Collection;
import java.util.Locale;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Pooling and upsampling on the LeNet-5 (batch 64) and AlexNet (batch 16) shapes, forward and
 * forward + backward, with the engine's whole thread budget. Scores are microseconds per operation;
 * {@link #main} runs the suite (JMH options pass through) and prints the input read per second (GB/s of
 * input floats), the natural yardstick for a memory-bound kernel.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class PoolBenchmark {

    /** A pooling layer on a batch shape. */
    public enum Shape {
        LENET_S2_MAX(64, 6, 28, 28, "max", 2, 2),
        LENET_S2_AVG(64, 6, 28, 28, "avg", 2, 2),
        LENET_S4_MAX(64, 16, 10, 10, "max", 2, 2),
        ALEX_P1_MAX(16, 96, 55, 55, "max", 3, 2),
        ALEX_P2_MAX(16, 256, 27, 27, "max", 3, 2),
        ALEX_P5_MAX(16, 256, 13, 13, "max", 3, 2),
        UPSAMPLE_2(16, 64, 32, 32, "up", 2, 2);

        final int n, c, h, w, kernel, stride;
        final String kind;

        Shape(int n, int c, int h, int w, String kind, int kernel, int stride) {
            this.n = n;
            this.c = c;
            this.h = h;
            this.w = w;
            this.kind = kind;
            this.kernel = kernel;
            this.stride = stride;
        }

        Layer layer() {
            return switch (kind) {
                case "max" -> new MaxPool2d(kernel, stride);
                case "avg" -> new AvgPool2d(kernel, stride);
                default -> new Upsample(kernel);
            };
        }

        long inputFloats() {
            return (long) n * c * h * w;
        }
    }

    @Param
    public Shape shape;

    private Layer layer;
    private Tensor x;
    private Tensor dy;

    @Setup(Level.Trial)
    public void setUp() {
        if (!Engine.get().useVectors()) {
            System.err.println("[PoolBenchmark] the Vector API self-check failed in this fork, so kernels take their scalar"
                    + " paths; on a loaded machine pass -jvmArgsAppend -Disthmus.selfcheck=false");
        }
        layer = shape.layer();
        layer.setInputGradNeeded(true);
        x = Tensor.randn(new Rng(1), shape.n, shape.c, shape.h, shape.w);
        dy = Tensor.randn(new Rng(2), layer.outputShape(x.shape()));
        layer.forward(x);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        layer.close();
        x.close();
        dy.close();
    }

    @Benchmark
    public Tensor forward() {
        return layer.forward(x);
    }

    @Benchmark
    public Tensor train() {
        layer.forward(x);
        return layer.backward(dy);
    }

    /** Runs the suite (extra arguments are JMH options) and prints microseconds and GB/s of input per shape. */
    public static void main(String[] args) throws RunnerException, CommandLineOptionException {
        Options opts = new OptionsBuilder().parent(new CommandLineOptions(args))
                .include(PoolBenchmark.class.getSimpleName()).build();
        Collection<RunResult> results = new Runner(opts).run();
        TreeMap<String, double[]> rows = new TreeMap<>();
        for (RunResult r : results) {
            Shape s = Shape.valueOf(r.getParams().getParam("shape"));
            String bench = r.getParams().getBenchmark().substring(r.getParams().getBenchmark().lastIndexOf('.') + 1);
            double[] row = rows.computeIfAbsent(s.name(), k -> new double[2]);
            row[bench.equals("forward") ? 0 : 1] = r.getPrimaryResult().getScore();
        }
        System.out.printf(Locale.ROOT, "%n%-14s %12s %14s %12s%n", "shape", "fwd us", "fwd GB/s in", "fwd+bwd us");
        rows.forEach((k, v) -> System.out.printf(Locale.ROOT, "%-14s %12.1f %14.2f %12.1f%n", k, v[0],
                Shape.valueOf(k).inputFloats() * 4.0 / v[0] / 1e3, v[1]));
    }
}
