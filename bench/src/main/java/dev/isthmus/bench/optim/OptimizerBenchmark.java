package dev.isthmus.bench.optim;

import dev.isthmus.nn.Parameter;
import dev.isthmus.nn.Parameters;
import dev.isthmus.optim.Adam;
import dev.isthmus.optim.AdamW;
import dev.isthmus.optim.Optimizer;
import dev.isthmus.optim.SGD;
import dev.isthmus.kernel.Engine;
import dev.isthmus.tensor.Tensor;
import org.openjdk.jmh.annotations.AuxCounters;
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

import java.lang.foreign.ValueLayout;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One optimizer step over a flat parameter store of 1M and 62M parameters (AlexNet's size), for plain SGD,
 * SGD with momentum, Adam and AdamW, on 1 thread and on the whole engine pool. The score is steps per
 * second; the {@code paramsPerSec} and {@code bytesPerSec} counters turn it into parameters and memory
 * traffic per second (ns/param = 1e9 / paramsPerSec). Bytes per parameter per step: SGD reads p, g and
 * writes p (12), momentum adds the buffer (20), Adam/AdamW read p, g, m, v and write p, m, v (28); the
 * 62M store does not fit any cache, so that case is memory-bound.
 *
 * <p>The fork skips the engine's Vector API self-check ({@code -Disthmus.selfcheck=false}), so the vector
 * path is measured even on a loaded machine. Run e.g.
 * {@code java -cp 'bench/target/classes:bench/target/lib/*' org.openjdk.jmh.Main OptimizerBenchmark -p size=1000000}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-Disthmus.selfcheck=false"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class OptimizerBenchmark {

    @Param({"1000000", "62000000"})
    public int size;

    @Param({"sgd", "sgd_momentum", "adam", "adamw"})
    public String optimizer;

    /** Engine threads; 0 means all available processors. */
    @Param({"1", "0"})
    public int threads;

    private Parameters params;
    private Optimizer opt;
    private long bytesPerStep;

    /** Per-invocation counters JMH normalises to rates per second, like the score. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Traffic {
        public long paramsPerSec;
        public long bytesPerSec;
    }

    @Setup(Level.Trial)
    public void setUp() {
        int t = threads == 0 ? Runtime.getRuntime().availableProcessors() : threads;
        Engine.configure(t, Engine.Backend.VECTOR);
        params = Parameters.gather(Map.of("w", new Parameter("w", true, size)));
        Tensor g = params.grad();
        for (long i = 0; i < g.size(); i++) {
            // small gradients, so 10^4 steps keep every value finite
            g.segment().setAtIndex(ValueLayout.JAVA_FLOAT, i, ((i * 2654435761L) % 2001 - 1000) * 1e-6f);
        }
        opt = switch (optimizer) {
            case "sgd" -> new SGD(params, 1e-3);
            case "sgd_momentum" -> SGD.builder(params, 1e-3).momentum(0.9).weightDecay(5e-4).build();
            case "adam" -> Adam.builder(params).lr(1e-3).weightDecay(5e-4).build();
            case "adamw" -> new AdamW(params, 1e-3);
            default -> throw new IllegalArgumentException("unknown optimizer " + optimizer);
        };
        int perParam = switch (optimizer) {
            case "sgd" -> 12;
            case "sgd_momentum" -> 20;
            default -> 28;
        };
        bytesPerStep = (long) perParam * size;
        System.out.printf("%n[optim bench] %s, %d params, %d threads, vectors %s%n", opt.describe(), size, t,
                Engine.get().useVectors());
    }

    @Benchmark
    public void step(Traffic traffic) {
        opt.step();
        traffic.paramsPerSec += size;
        traffic.bytesPerSec += bytesPerStep;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        opt.close();
        params.close();
    }
}
