package dev.isthmus.bench.train;

import dev.isthmus.bench.e2e.Workload;
import dev.isthmus.kernel.Engine;
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

import java.util.concurrent.TimeUnit;

/**
 * One steady-state training step (forward, cross-entropy, backward, Adam step, zero grad) of the MLP and
 * LeNet-5 at batch 64, the step of {@code bench/pytorch/peer.py} and {@link dev.isthmus.bench.e2e.EndToEnd}.
 * Its point is the allocation figure: run with {@code -prof gc} and {@code gc.alloc.rate.norm} is the heap
 * bytes one step allocates, which should be ~0 (buffers are sized once per batch shape and reused).
 * <pre>java --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
 *   -cp 'bench/target/classes:bench/target/lib/*' org.openjdk.jmh.Main TrainingStepBenchmark -prof gc</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-Disthmus.selfcheck=false"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class TrainingStepBenchmark {

    @Param({"MLP", "LENET5"})
    public String model;

    /** Engine threads; 0 means all available processors. */
    @Param({"1"})
    public int threads;

    private Workload work;

    @Setup(Level.Trial)
    public void setUp() {
        Engine.configure(threads == 0 ? Runtime.getRuntime().availableProcessors() : threads, Engine.Backend.AUTO);
        work = new Workload(Workload.Model.valueOf(model), 64, Workload.Opt.ADAM, 0);
    }

    @Benchmark
    public float step() {
        return work.trainStep();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        work.close();
    }
}
