package dev.isthmus.bench.kernel;

import dev.isthmus.kernel.Gemm;
import dev.isthmus.kernel.Engine;
import dev.isthmus.tensor.Rng;
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
import org.openjdk.jmh.infra.BenchmarkParams;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;

/**
 * Time per operation of the two GEMMs on every {@link GemmShape}, at 1 and 2 threads:
 * {@code openblas} is {@code Engine.get().gemm()} with OpenBLAS loaded (FFM downcalls into
 * {@code cblas_sgemm}), {@code vector} is the pure-Java {@code Engine.get().vectorGemm()} on an engine
 * configured with the Vector API backend (so no OpenBLAS threads exist in that fork).
 *
 * <p>Scores are ns per operation; {@code GemmReport} turns them into GFLOP/s with
 * {@link GemmShape#flops()} (one operation is {@code count} products, so a fixed
 * {@code @OperationsPerInvocation} cannot express it). Matrices are off-heap, 64-byte aligned, in a
 * shared arena so the engine's workers may read them. The warm-up is long for a GEMM: the Vector API
 * kernels are slow (allocating, interpreted or C1-compiled) until C2 compiles them, which took 3-4 s
 * for the small shapes on a busy 2-core machine. Run through {@code bench/run-gemm.sh}, or e.g.
 * {@code java -cp 'bench/target/classes:bench/target/lib/*' org.openjdk.jmh.Main GemmBenchmark -p shape=SQ_512}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 200, timeUnit = TimeUnit.MILLISECONDS)
public class GemmBenchmark {

    @Param
    public GemmShape shape;

    @Param({"1", "2"})
    public int threads;

    private Arena arena;
    private Gemm gemm;
    private MemorySegment a;
    private MemorySegment b;
    private MemorySegment c;
    private boolean transA;
    private boolean transB;
    private int m;
    private int n;
    private int k;
    private int lda;
    private int ldb;
    private int ldc;
    private int count;
    private long aStride;
    private long bStride;
    private long cStride;
    private float beta;

    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) {
        boolean vector = params.getBenchmark().endsWith(".vector");
        Engine engine = Engine.configure(threads, vector ? Engine.Backend.VECTOR : Engine.Backend.OPENBLAS);
        if (engine.threads().deterministic()) {
            throw new IllegalStateException("GemmBenchmark: isthmus.deterministic/ISTHMUS_DETERMINISTIC is set, which keeps "
                    + "OpenBLAS on one thread; unset it to measure " + threads + " threads");
        }
        gemm = vector ? engine.vectorGemm() : engine.gemm();
        if (!gemm.name().equals(vector ? "vector" : "openblas")) {
            throw new IllegalStateException("GemmBenchmark: expected the " + (vector ? "vector" : "openblas")
                    + " GEMM, the engine gave " + gemm.name());
        }
        arena = Arena.ofShared();
        Rng rng = new Rng(42);
        a = filled(shape.aElements(), rng);
        b = filled(shape.bElements(), rng);
        c = arena.allocate(shape.cElements() * Float.BYTES, 64);
        transA = shape.transA;
        transB = shape.transB;
        m = shape.m;
        n = shape.n;
        k = shape.k;
        lda = shape.lda();
        ldb = shape.ldb();
        ldc = shape.ldc();
        count = shape.count;
        aStride = shape.aStride;
        bStride = shape.bStride;
        cStride = shape.cStride;
        beta = shape.beta;
    }

    private MemorySegment filled(long elements, Rng rng) {
        MemorySegment s = arena.allocate(elements * Float.BYTES, 64);
        for (long i = 0; i < elements; i++) {
            s.setAtIndex(ValueLayout.JAVA_FLOAT, i, rng.nextFloat() * 2f - 1f);
        }
        return s;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public void openblas() {
        run();
    }

    @Benchmark
    public void vector() {
        run();
    }

    private void run() {
        for (int r = 0; r < count; r++) {
            gemm.sgemm(transA, transB, m, n, k, 1f, a, r * aStride, lda, b, r * bStride, ldb, beta, c, r * cStride, ldc);
        }
    }
}
