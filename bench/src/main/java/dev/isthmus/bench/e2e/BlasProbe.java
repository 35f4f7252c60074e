package dev.isthmus.bench.e2e;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.isthmus.kernel.Gemm;
import dev.isthmus.natives.OpenBlasInfo;
import dev.isthmus.kernel.Engine;
import dev.isthmus.tensor.Rng;
import dev.isthmus.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The yardstick {@code bench/run-e2e.sh} holds PyTorch's BLAS to: Isthmus's own 1024 x 1024 x 1024 SGEMM on
 * one thread (GFLOP/s, median of 7 after warm-up), with the library and the OpenBLAS core that ran it.
 * A peer whose matmul reaches less than half of this is not at its real speed (Debian's reference BLAS
 * runs it ~30 times slower), and the script then refuses to print its ratios.
 *
 * <pre>java ... dev.isthmus.bench.e2e.BlasProbe [--json OUT]</pre>
 */
public final class BlasProbe {
    private BlasProbe() {
    }

    /** GFLOP/s of an n x n x n product on the current engine's GEMM (median of {@code reps} after warm-up). */
    public static double sgemmGflops(int n, int reps) {
        Gemm gemm = Engine.get().gemm();
        Rng rng = new Rng(3);
        try (Tensor a = Tensor.randn(rng, n, n); Tensor b = Tensor.randn(rng, n, n); Tensor c = Tensor.zeros(n, n)) {
            double[] secs = Timing.time(() -> gemm.matmul(a, b, c), 1, reps, 1.0);
            return 2.0 * n * n * n / Timing.median(secs) / 1e9;
        }
    }

    public static void main(String[] args) throws IOException {
        Engine engine = Engine.configure(1, Engine.Backend.AUTO);
        Optional<OpenBlasInfo> blas = engine.openBlas();
        ObjectNode o = new ObjectMapper().createObjectNode();
        o.put("gemm", engine.gemm().name());
        o.put("threads", 1);
        o.put("sgemm_1024_gflops", sgemmGflops(1024, 7));
        o.put("libs", blas.map(i -> i.path().toString()).orElse("none (Vector API GEMM)"));
        o.put("openblas_core", blas.map(OpenBlasInfo::coreName).orElse(null));
        o.put("openblas_config", blas.map(OpenBlasInfo::config).orElse(null));
        o.put("openblas_coretype_env", System.getenv("OPENBLAS_CORETYPE"));
        String text = new ObjectMapper().writeValueAsString(o);
        System.out.println(text);
        if (args.length == 2 && args[0].equals("--json")) {
            Files.writeString(Path.of(args[1]), text + "\n");
        }
    }
}
