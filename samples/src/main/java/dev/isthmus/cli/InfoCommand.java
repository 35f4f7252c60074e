package dev.isthmus.cli;

import dev.isthmus.kernel.Gemm;
import dev.isthmus.kernel.Engine;
import dev.isthmus.tensor.Rng;
import dev.isthmus.tensor.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code isthmus info}: the backend, OpenBLAS build and core, threads, vector width, and a quick GEMM check. */
@Command(name = "info", description = "Show the backend, OpenBLAS core, threads and vector width, and run a quick GEMM check.")
final class InfoCommand implements Callable<Integer> {

    @Option(names = "--size", description = "Square size of the GEMM check (default: ${DEFAULT-VALUE}).", defaultValue = "512")
    int size;

    @Override
    public Integer call() {
        if (size < 1 || size > 8192) {
            System.err.println("isthmus info: --size must be in 1..8192, got " + size);
            return 2;
        }
        Engine engine = Engine.get();
        System.out.print(engine.describe());
        Rng rng = new Rng(42);
        int n = size;
        try (Tensor a = Tensor.randn(rng, n, n); Tensor b = Tensor.randn(rng, n, n);
             Tensor c = Tensor.zeros(n, n); Tensor r = Tensor.zeros(n, n)) {
            Gemm fast = engine.gemm();
            Gemm other = engine.vectorGemm();
            fast.matmul(a, b, c);
            other.matmul(a, b, r);
            double maxErr = 0, maxRef = 0;
            for (long i = 0; i < c.size(); i++) {
                maxErr = Math.max(maxErr, Math.abs(c.getFlat(i) - r.getFlat(i)));
                maxRef = Math.max(maxRef, Math.abs(r.getFlat(i)));
            }
            int reps = 0;
            long t0 = System.nanoTime(), elapsed;
            do {
                fast.matmul(a, b, c);
                reps++;
                elapsed = System.nanoTime() - t0;
            } while (elapsed < 300_000_000L);
            double gflops = 2.0 * n * n * (double) n * reps / elapsed;
            System.out.printf(Locale.ROOT, "gemm check     %dx%d: %s vs vector max |diff| %.2e (max |c| %.1f); %s %.1f GFLOP/s%n",
                    n, n, fast.name(), maxErr, maxRef, fast.name(), gflops);
            boolean ok = maxErr <= 1e-4 * Math.max(1, maxRef);
            if (!ok) {
                System.out.println("gemm check     FAILED: the two GEMM paths disagree");
                return 1;
            }
        }
        return 0;
    }
}
