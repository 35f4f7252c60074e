package dev.isthmus.bench.kernel;

import dev.isthmus.kernel.Gemm;
import dev.isthmus.kernel.OpenBlasGemm;
import dev.isthmus.kernel.SkinnyGemm;
import dev.isthmus.kernel.Engine;
import dev.isthmus.tensor.Rng;
import dev.isthmus.tensor.Tensor;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Locale;

/**
 * {@link SkinnyGemmBenchmark}'s products timed by the calling thread's CPU time instead of the wall clock, one
 * thread: on a machine shared with other sessions (load 20 on 2 cores) wall-clock JMH scores moved by 10x
 * between iterations, while CPU time still orders the implementations (it counts the cache misses others cause,
 * so absolute figures are a floor). Prints one Markdown row per (layer, batch, pass, impl): median ms of
 * {@code reps} calls after a warm-up, GFLOP/s and weight GB/s ({@code 4 in out} bytes per call).
 *
 * <pre>java ... dev.isthmus.bench.kernel.SkinnyCpuTime [--shapes 16x9216x4096,64x9216x4096] [--reps 15]</pre>
 */
public final class SkinnyCpuTime {
    private SkinnyCpuTime() {
    }

    public static void main(String[] args) {
        String shapes = "16x9216x4096,64x9216x4096,16x4096x4096,1x9216x4096";
        int reps = 15;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--shapes" -> shapes = args[++i];
                case "--reps" -> reps = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("SkinnyCpuTime: unknown option '" + args[i]
                        + "' (options: --shapes BxINxOUT,..., --reps N)");
            }
        }
        Engine engine = Engine.configure(1, Engine.Backend.AUTO);
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        System.out.println("| batch x in x out | pass | impl | ms (CPU) | GFLOP/s | weight GB/s |");
        System.out.println("|---|---|---|---:|---:|---:|");
        for (String shape : shapes.split(",")) {
            String[] d = shape.split("x");
            int batch = Integer.parseInt(d[0]), in = Integer.parseInt(d[1]), out = Integer.parseInt(d[2]);
            Rng rng = new Rng(5);
            try (Tensor x = Tensor.randn(rng, batch, in); Tensor w = Tensor.randn(rng, out, in);
                 Tensor y = Tensor.randn(rng, batch, out)) {
                Gemm blas = new OpenBlasGemm(engine.vectorGemm());
                SkinnyGemm skinny = new SkinnyGemm(engine.threads().pool());
                for (String pass : new String[]{"forward", "inputGrad", "weightGrad"}) {
                    for (String impl : new String[]{"openblas", "skinny", "vector"}) {
                        Runnable call = call(pass, impl, batch, in, out, x, w, y, blas, engine.vectorGemm(), skinny);
                        for (int i = 0; i < 3 * reps; i++) {
                            call.run();
                        }
                        double[] ms = new double[reps];
                        for (int i = 0; i < reps; i++) {
                            long t0 = cpu.getCurrentThreadCpuTime();
                            call.run();
                            ms[i] = (cpu.getCurrentThreadCpuTime() - t0) / 1e6;
                        }
                        Arrays.sort(ms);
                        double med = ms[reps / 2];
                        System.out.printf(Locale.ROOT, "| %s | %s | %s | %.2f | %.1f | %.1f |%n", shape, pass, impl, med,
                                2.0 * batch * in * out / med / 1e6, 4.0 * in * out / med / 1e6);
                    }
                }
            }
        }
    }

    private static Runnable call(String pass, String impl, int batch, int in, int out, Tensor x, Tensor w, Tensor y,
                                 Gemm blas, Gemm vector, SkinnyGemm skinny) {
        Gemm g = impl.equals("vector") ? vector : blas;
        boolean sk = impl.equals("skinny");
        return switch (pass) {
            case "forward" -> () -> run(g, sk, skinny, false, true, batch, out, in, x, in, w, in, 0f, y, out);
            case "inputGrad" -> () -> run(g, sk, skinny, false, false, batch, in, out, y, out, w, in, 0f, x, in);
            default -> () -> run(g, sk, skinny, true, false, out, in, batch, y, out, x, in, 1f, w, in);
        };
    }

    private static void run(Gemm g, boolean sk, SkinnyGemm skinny, boolean ta, boolean tb, int m, int n, int k,
                            Tensor a, int lda, Tensor b, int ldb, float beta, Tensor c, int ldc) {
        // weight-gradient calls add 1e-9 of the product so the weights stay finite over many calls
        float alpha = beta == 1f ? 1e-9f : 1f;
        if (sk) {
            skinny.sgemm(ta, tb, m, n, k, alpha, a.segment(), 0, lda, b.segment(), 0, ldb, beta, c.segment(), 0, ldc);
        } else {
            g.sgemm(ta, tb, m, n, k, alpha, a.segment(), lda, b.segment(), ldb, beta, c.segment(), ldc);
        }
    }
}
