package dev.isthmus.runtime;

import dev.isthmus.kernel.Engine;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * With no loadable OpenBLAS the engine runs on the Vector API path and says so once, naming what it
 * tried. Runs a child JVM, since a library once loaded stays loaded.
 */
class FallbackTest {

    /** Entry point of the child JVM: two engine configurations, two GEMMs. */
    public static void main(String[] args) {
        Engine e = Engine.get();
        dev.isthmus.tensor.Tensor a = dev.isthmus.tensor.Tensor.of(new float[]{1, 2, 3, 4}, 2, 2);
        dev.isthmus.tensor.Tensor c = dev.isthmus.tensor.Tensor.zeros(2, 2);
        e.gemm().matmul(a, a, c);
        Engine.configure(1, Engine.Backend.AUTO).gemm().matmul(a, a, c);
        System.out.println("backend=" + e.gemm().name() + " c=" + java.util.Arrays.toString(c.toArray()));
    }

    @Test
    void missingLibraryFallsBackToVectorApiWithOneWarning() throws Exception {
        Result r = runChild("-Disthmus.blas.path=/nonexistent/libopenblas.so.0");
        assertEquals(0, r.code, r.err);
        assertTrue(r.out.contains("backend=vector c=[7.0, 10.0, 15.0, 22.0]"), r.out);
        long warnings = r.err.lines().filter(l -> l.contains("OpenBLAS could not be loaded")).count();
        assertEquals(1, warnings, "exactly one warning expected:\n" + r.err);
        assertTrue(r.err.contains("/nonexistent/libopenblas.so.0"), "the warning names what was tried:\n" + r.err);
    }

    @Test
    void aFileThatIsNotOpenBlasIsRejectedWithoutPoisoningTheBindings() throws Exception {
        String notBlas = System.getProperty("java.home") + "/lib/libjava.so";
        Result r = runChild("-Disthmus.blas.path=" + notBlas);
        assertEquals(0, r.code, r.err);
        assertTrue(r.out.contains("backend=vector"), r.out);
        assertTrue(r.err.contains("does not export cblas_sgemm"), r.err);
    }

    record Result(int code, String out, String err) {
    }

    static Result runChild(String... props) throws IOException, InterruptedException {
        List<String> flags = new ArrayList<>(List.of("-Disthmus.selfcheck=false"));
        flags.addAll(List.of(props));
        return runJava(flags, FallbackTest.class.getName());
    }

    /** Runs {@code mainClass} of the test class path in a child JVM with the engine's flags and {@code jvmArgs}. */
    static Result runJava(List<String> jvmArgs, String mainClass) throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java");
        List<String> cmd = new ArrayList<>(List.of(java, "--add-modules=jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED"));
        cmd.addAll(jvmArgs);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.PIPE).start();
        // Read stderr on its own thread: a child that fills one pipe while we block on the other would hang.
        CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> {
            try {
                return p.getErrorStream().readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("child JVM timed out");
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err.join(), StandardCharsets.UTF_8));
    }
}
