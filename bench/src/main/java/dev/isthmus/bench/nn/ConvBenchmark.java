package dev.isthmus.bench.nn;

import dev.isthmus.nn.Conv2d;
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
 * Conv2d on the LeNet-5 layer shapes (batch 64) and the AlexNet ones (batch 16 by default), with the
 * engine's whole thread budget:
 * <ul>
 *   <li>{@code forward}: one forward pass;</li>
 *   <li>{@code train}: forward then backward (weight gradient, bias gradient, and the input gradient unless the
 *       shape is a network's first layer);</li>
 *   <li>{@code gemm}: a plain GEMM of the forward's im2col shape, {@code [O, K] x [K, N * OH * OW]}, on all
 *       threads: the same arithmetic as {@code forward} without im2col, layout or bias, as a yardstick.</li>
 * </ul>
 * Scores are microseconds per operation; {@link #main} runs the suite (JMH options pass through, e.g.
 * {@code -f1 -wi 2 -i 3 -p shape=LENET_C1}) and prints GFLOP/s and forward / GEMM ratios:
 * {@code java --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED
 * -cp 'bench/target/classes:bench/target/lib/*' dev.isthmus.bench.nn.ConvBenchmark -f1 -wi 2 -i 3}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ConvBenchmark {

    @Param
    public ConvShape shape;

    /** Batch size of the AlexNet shapes (LeNet's is 64). */
    @Param({"16"})
    public int alexBatch;

    @Param({"AUTO"})
    public Conv2d.Strategy strategy;

    private Conv2d conv;
    private Tensor x;
    private Tensor dy;
    private Tensor cols;
    private Tensor ybig;
    private int batch;

    @Setup(Level.Trial)
    public void setUp() {
        if (!Engine.get().useVectors()) {
            System.err.println("[ConvBenchmark] the Vector API self-check failed in this fork, so kernels take their scalar"
                    + " paths; on a loaded machine pass -jvmArgsAppend -Disthmus.selfcheck=false");
        }
        batch = shape.lenet() ? 64 : alexBatch;
        conv = new Conv2d(shape.in, shape.out, shape.kernel, shape.stride, shape.padding);
        conv.reset(new Rng(1));
        conv.setStrategy(strategy);
        conv.setInputGradNeeded(!shape.first);
        x = Tensor.randn(new Rng(2), batch, shape.in, shape.h, shape.w);
        dy = Tensor.randn(new Rng(3), conv.outputShape(x.shape()));
        cols = Tensor.randn(new Rng(4), shape.k(), batch * shape.p());
        ybig = Tensor.zeros(shape.out, batch * shape.p());
        conv.forward(x);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        conv.close();
        x.close();
        dy.close();
        cols.close();
        ybig.close();
    }

    @Benchmark
    public Tensor forward() {
        return conv.forward(x);
    }

    @Benchmark
    public Tensor train() {
        conv.forward(x);
        return conv.backward(dy);
    }

    /** The forward's arithmetic as one GEMM: the weights times a column matrix of the batch's im2col shape. */
    @Benchmark
    public Tensor gemm() {
        int np = batch * shape.p();
        Engine.get().gemm().sgemm(false, false, shape.out, np, shape.k(), 1f, conv.weight().data().segment(), 0, shape.k(),
                cols.segment(), 0, np, 0f, ybig.segment(), 0, np);
        return ybig;
    }

    /** Runs the suite (extra arguments are JMH options) and prints GFLOP/s per shape and the forward / GEMM ratio. */
    public static void main(String[] args) throws RunnerException, CommandLineOptionException {
        Options opts = new OptionsBuilder().parent(new CommandLineOptions(args))
                .include(ConvBenchmark.class.getSimpleName()).build();
        Collection<RunResult> results = new Runner(opts).run();
        TreeMap<String, double[]> rows = new TreeMap<>();
        for (RunResult r : results) {
            var p = r.getParams();
            ConvShape s = ConvShape.valueOf(p.getParam("shape"));
            int b = s.lenet() ? 64 : Integer.parseInt(p.getParam("alexBatch"));
            String key = String.format(Locale.ROOT, "%-9s n=%-3d %-9s", s, b, p.getParam("strategy"));
            String bench = p.getBenchmark().substring(p.getBenchmark().lastIndexOf('.') + 1);
            double us = r.getPrimaryResult().getScore();
            double[] row = rows.computeIfAbsent(key, k -> new double[3]);
            switch (bench) {
                case "forward" -> row[0] = s.forwardFlops(b) / us / 1e3;
                case "train" -> row[1] = s.trainFlops(b) / us / 1e3;
                case "gemm" -> row[2] = s.forwardFlops(b) / us / 1e3;
                default -> { }
            }
        }
        System.out.printf(Locale.ROOT, "%n%-33s %10s %10s %10s %10s%n", "shape (threads " + Engine.get().threads().threads() + ")",
                "fwd GF/s", "train GF/s", "gemm GF/s", "fwd/gemm");
        rows.forEach((k, v) -> System.out.printf(Locale.ROOT, "%-33s %10.1f %10.1f %10.1f %9.0f%%%n", k, v[0], v[1], v[2],
                v[2] > 0 ? 100 * v[0] / v[2] : Double.NaN));
    }
}
