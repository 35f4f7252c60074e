package dev.isthmus.bench.kernel;

import dev.isthmus.bindings.cblas.cblas_h;
import dev.isthmus.kernel.GemmChecks;
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

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.concurrent.TimeUnit;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The cost of one 8x8x8 {@code cblas_sgemm} call from Java without the engine in between: the
 * bindings' own {@code cblas_h.cblas_sgemm} (linked as a critical downcall) and an ordinary downcall
 * linked here from the same address and descriptor, a critical downcall taking raw addresses, and the
 * engine's argument checks on their own.
 * Set beside {@code GemmBenchmark.openblas} at
 * {@code SQ_8} (through {@code OpenBlasGemm}) and the C program, it splits the per-call cost into the
 * C call itself, the FFM transition, and the engine's checks.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 200, timeUnit = TimeUnit.MILLISECONDS)
public class GemmCallBenchmark {

    private static final int N = 8;

    /** Initialised on first use, after the setup has loaded OpenBLAS (cblas_h resolves symbols when loaded). */
    private static final class Plain {
        static final MethodHandle SGEMM = Linker.nativeLinker()
                .downcallHandle(cblas_h.cblas_sgemm$address(), cblas_h.cblas_sgemm$descriptor());
    }

    /**
     * A critical downcall that takes the three matrices as raw addresses ({@code long} in place of
     * {@code float*}: the same register on LP64). FFM then has no segment to check or keep alive, which
     * isolates what passing segments of a shared arena costs (a session acquire/release per pointer).
     */
    private static final class Address {
        static final MethodHandle SGEMM = Linker.nativeLinker().downcallHandle(cblas_h.cblas_sgemm$address(),
                FunctionDescriptor.ofVoid(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_FLOAT,
                        JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_FLOAT, JAVA_LONG, JAVA_INT),
                Linker.Option.critical(false));
    }

    @Param({"1", "2"})
    public int threads;

    private Arena arena;
    private MemorySegment a;
    private MemorySegment b;
    private MemorySegment c;

    @Setup(Level.Trial)
    public void setUp() {
        Engine.configure(threads, Engine.Backend.OPENBLAS);
        arena = Arena.ofShared();
        Rng rng = new Rng(42);
        a = arena.allocate(N * N * Float.BYTES, 64);
        b = arena.allocate(N * N * Float.BYTES, 64);
        c = arena.allocate(N * N * Float.BYTES, 64);
        for (int i = 0; i < N * N; i++) {
            a.setAtIndex(ValueLayout.JAVA_FLOAT, i, rng.nextFloat() * 2f - 1f);
            b.setAtIndex(ValueLayout.JAVA_FLOAT, i, rng.nextFloat() * 2f - 1f);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    /** The jextract-shaped binding, a critical downcall. */
    @Benchmark
    public void cblasCritical() {
        cblas_h.cblas_sgemm(cblas_h.CblasRowMajor(), cblas_h.CblasNoTrans(), cblas_h.CblasNoTrans(), N, N, N,
                1f, a, N, b, N, 0f, c, N);
    }

    /** Raw addresses instead of segments (see {@link Address}). */
    @Benchmark
    public void cblasAddress() throws Throwable {
        Address.SGEMM.invokeExact(cblas_h.CblasRowMajor(), cblas_h.CblasNoTrans(), cblas_h.CblasNoTrans(), N, N, N,
                1f, a.address(), N, b.address(), N, 0f, c.address(), N);
    }

    /** The engine's argument validation alone, as {@code OpenBlasGemm} runs it before every call. */
    @Benchmark
    public void checksOnly() {
        GemmChecks.check(false, false, N, N, N, a, 0, N, b, 0, N, c, 0, N);
    }

    /** An ordinary downcall (with the thread-state transition a critical one skips). */
    @Benchmark
    public void cblasPlain() throws Throwable {
        Plain.SGEMM.invokeExact(cblas_h.CblasRowMajor(), cblas_h.CblasNoTrans(), cblas_h.CblasNoTrans(), N, N, N,
                1f, a, N, b, N, 0f, c, N);
    }
}
