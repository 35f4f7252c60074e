package dev.isthmus.bench.suite;

import dev.isthmus.bench.report.CpuPeak;
import dev.isthmus.natives.OpenBlasInfo;
import dev.isthmus.kernel.Engine;
import dev.isthmus.runtime.VectorSupport;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Measures the machine: the FMA peak ({@link FmaPeak}) and triad bandwidth ({@link StreamTriad}) on one
 * thread and on one thread per logical CPU, then describes the CPU, JVM, Vector API and OpenBLAS. Adds
 * the four measured figures to the run as {@code machine} rows, each the best of its samples (what the hardware can
 * do when nothing else runs: the roofline's limits).
 */
final class MachineProbe {
    /** Floats per triad array: 16 Mi, 64 MiB each, well beyond any current last-level cache per socket. */
    static final long TRIAD_ELEMENTS = 16L << 20;

    private final RowRecorder recorder;

    MachineProbe(RowRecorder recorder) {
        this.recorder = recorder;
    }

    /** The probes' step count for the progress bar. */
    static int steps() {
        return 4;
    }

    MachineInfo probe(Engine engine, Sampler sampler) {
        CpuPeak cpu = CpuPeak.detect();
        int all = Runtime.getRuntime().availableProcessors();
        double fma1, fmaAll, bw1, bwAll;
        try (Parallel one = new Parallel(1); Parallel many = new Parallel(all)) {
            fma1 = fma(sampler, one);
            fmaAll = fma(sampler, many);
            try (StreamTriad triad = new StreamTriad(TRIAD_ELEMENTS)) {
                bw1 = triad(sampler, triad, one);
                bwAll = triad(sampler, triad, many);
            }
        }
        VectorSupport v = engine.vectorSupport();
        Optional<OpenBlasInfo> blas = engine.openBlas();
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        List<String> flags = new ArrayList<>(cpu.simdFlags());
        return new MachineInfo(cpu.model(), cpu.vendor(), flags, cpu.cores(), cpu.logicalCpus(), cpu.ghz(),
                cpu.gflops(1), cpu.derivation(), fma1, fmaAll, bw1, bwAll, all,
                System.getProperty("java.runtime.version"),
                System.getProperty("java.vm.name") + " (" + System.getProperty("java.vm.vendor") + ", "
                        + System.getProperty("java.vm.info") + ")",
                jit == null ? "none (interpreter only)" : jit.getName(),
                System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"),
                memoryBytes(), v.speciesBits(), v.lanes(), v.intrinsified(),
                Double.isNaN(v.speedup()) ? null : v.speedup(), engine.gemm().name(),
                blas.map(OpenBlasInfo::version).orElse(null), blas.map(OpenBlasInfo::coreName).orElse(null),
                blas.map(OpenBlasInfo::config).orElse(null));
    }

    private double fma(Sampler sampler, Parallel p) {
        double flops = FmaPeak.flopsPerCall() * p.threads();
        Row r = recorder.best("machine", "fma_peak", p.threads(), "GFLOP/s",
                sampler.measure(FmaPeak.probe(p)), secs -> flops / secs / 1e9,
                "FP32 FMA loop, " + FmaPeak.speciesBits() + "-bit vectors, 12 accumulators, one thread per core");
        return r.value();
    }

    private double triad(Sampler sampler, StreamTriad t, Parallel p) {
        double bytes = t.bytesPerPass();
        Row r = recorder.best("machine", "triad_bandwidth", p.threads(), "GB/s",
                sampler.measure(t.probe(p)), secs -> bytes / secs / 1e9,
                "a = b + s*c over 3 x 64 MiB off-heap float arrays, 12 bytes per element (STREAM's count)");
        return r.value();
    }

    private static long memoryBytes() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getTotalMemorySize();
        }
        return -1;
    }
}
