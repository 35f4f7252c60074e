package dev.isthmus.bench.kernel;

import dev.isthmus.kernel.Gemm;
import dev.isthmus.kernel.OpenBlasGemm;
import dev.isthmus.kernel.SkinnyGemm;
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

import java.util.concurrent.TimeUnit;

/**
 * The three products of a fully connected layer at training batch sizes, by each implementation:
 * {@code openblas} (plain {@code cblas_sgemm} through FFM, no skinny routing), {@code skinny}
 * ({@link SkinnyGemm}) and {@code vector} (the pure-Java blocked GEMM). {@code layer} is {@code in x out}
 * (AlexNet's 9216x4096, 4096x4096, 4096x1000, 4096x10 and the MLP's 784x40, 40x40, 40x10); {@code pass} is
 * {@code forward} ({@code y = x W^T}), {@code inputGrad} ({@code dX = dY W}) or {@code weightGrad}
 * ({@code dW += dY^T X}). Scores are microseconds per product; each reads the {@code in x out} weights (or
 * their gradient) once at least, so {@code 4 in out / score} is the weight bandwidth in MB/s, the
 * figure that {@code bench/results/skinny-gemm.md} reports. Run e.g.
 * {@code java -cp 'bench/target/classes:bench/target/lib/*' org.openjdk.jmh.Main SkinnyGemmBenchmark -p layer=9216x4096 -p batch=16}.
 * The OpenBLAS build and core are chosen as usual ({@code ISTHMUS_BLAS_PATH}, {@code OPENBLAS_CORETYPE}), so
 * the same run with those set compares builds and cores per shape.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 5, time = 1)
public class SkinnyGemmBenchmark {

    @Param({"9216x4096", "4096x4096", "4096x1000", "4096x10", "784x40", "40x40", "40x10"})
    public String layer;

    @Param({"16", "64"})
    public int batch;

    @Param({"forward", "inputGrad", "weightGrad"})
    public String pass;

    @Param({"openblas", "skinny", "vector"})
    public String impl;

    @Param({"1"})
    public int threads;

    private Tensor x, w, y;
    private int in, out;
    private Gemm general;
    private SkinnyGemm skinny;

    @Setup(Level.Trial)
    public void setUp() {
        Engine engine = Engine.configure(threads, Engine.Backend.AUTO);
        String[] d = layer.split("x");
        in = Integer.parseInt(d[0]);
        out = Integer.parseInt(d[1]);
        Rng rng = new Rng(5);
        x = Tensor.randn(rng, batch, in);
        w = Tensor.randn(rng, out, in);
        y = Tensor.randn(rng, batch, out);
        general = switch (impl) {
            case "openblas" -> new OpenBlasGemm(engine.vectorGemm());
            case "vector" -> engine.vectorGemm();
            case "skinny" -> null;
            default -> throw new IllegalArgumentException("impl must be openblas, skinny or vector, got " + impl);
        };
        skinny = general == null ? new SkinnyGemm(engine.threads().pool()) : null;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        x.close();
        w.close();
        y.close();
    }

    @Benchmark
    public void product() {
        switch (pass) {
            // y[B, out] = x[B, in] W^T
            case "forward" -> run(false, true, batch, out, in, x, in, w, in, 0f, y, out);
            // dX[B, in] = dY[B, out] W[out, in]
            case "inputGrad" -> run(false, false, batch, in, out, y, out, w, in, 0f, x, in);
            // dW[out, in] += dY^T X
            case "weightGrad" -> run(true, false, out, in, batch, y, out, x, in, 1f, w, in);
            default -> throw new IllegalArgumentException("pass must be forward, inputGrad or weightGrad, got " + pass);
        }
    }

    private void run(boolean ta, boolean tb, int m, int n, int k, Tensor a, int lda, Tensor b, int ldb, float beta,
                     Tensor c, int ldc) {
        if (general != null) {
            general.sgemm(ta, tb, m, n, k, 1f, a.segment(), lda, b.segment(), ldb, beta, c.segment(), ldc);
        } else {
            skinny.sgemm(ta, tb, m, n, k, 1f, a.segment(), 0, lda, b.segment(), 0, ldb, beta, c.segment(), 0, ldc);
        }
    }
}
