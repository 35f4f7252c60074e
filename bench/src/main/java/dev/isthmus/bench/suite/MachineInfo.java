package dev.isthmus.bench.suite;

import java.util.List;

/**
 * The machine a run measured: the CPU as {@code /proc/cpuinfo} describes it and its theoretical FP32 peak
 * ({@link dev.isthmus.bench.report.CpuPeak}), the measured FMA peak and triad bandwidth on one core and on
 * all cores (the roofline's two limits), the JVM and its JIT, the Vector API species and whether it is
 * intrinsified, and the OpenBLAS build. The measured figures are also rows of the run, with their statistics.
 *
 * @param cpuModel            {@code model name}
 * @param flags               the SIMD flags present
 * @param cores               physical cores
 * @param logicalCpus         logical CPUs
 * @param clockGhz            the clock the theoretical peak uses
 * @param theoreticalGflopsPerCore cores x clock x FLOP/cycle, for one core
 * @param theoreticalNote     how the theoretical peak was derived
 * @param fmaGflopsOneCore    measured FMA peak on one thread
 * @param fmaGflopsAllCores   measured FMA peak on {@code allCoresThreads} threads at once
 * @param bandwidthGBsOneCore measured triad bandwidth on one thread
 * @param bandwidthGBsAllCores measured triad bandwidth on {@code allCoresThreads} threads
 * @param allCoresThreads     the thread count of the all-cores figures
 * @param java                {@code java.runtime.version}
 * @param vm                  VM name, vendor and mode ({@code java.vm.name}, {@code java.vm.vendor}, {@code java.vm.info})
 * @param jit                 the JIT compiler's name ({@code CompilationMXBean})
 * @param os                  OS name, version and architecture
 * @param memoryBytes         physical memory
 * @param vectorBits          the preferred Vector API species' width
 * @param vectorLanes         floats per vector
 * @param vectorIntrinsified  the engine's self-check verdict ({@link dev.isthmus.runtime.VectorSupport})
 * @param vectorSpeedup       vector loop speed over scalar in that check (NaN when the check was skipped)
 * @param backend             the GEMM backend
 * @param openblasVersion     the loaded OpenBLAS's version, or null
 * @param openblasCore        the kernel set OpenBLAS picked, or null
 * @param openblasConfig      {@code openblas_get_config()}, or null
 */
public record MachineInfo(String cpuModel, String vendor, List<String> flags, int cores, int logicalCpus, double clockGhz,
                          double theoreticalGflopsPerCore, String theoreticalNote, double fmaGflopsOneCore,
                          double fmaGflopsAllCores, double bandwidthGBsOneCore, double bandwidthGBsAllCores,
                          int allCoresThreads, String java, String vm, String jit, String os, long memoryBytes,
                          int vectorBits, int vectorLanes, boolean vectorIntrinsified, Double vectorSpeedup,
                          String backend, String openblasVersion, String openblasCore, String openblasConfig) {

    public MachineInfo {
        flags = List.copyOf(flags);
    }

    /** The measured compute limit for {@code threads} threads: the one-core peak times threads, at most all cores'. */
    public double peakGflops(int threads) {
        return threads <= 1 ? fmaGflopsOneCore : Math.min(fmaGflopsOneCore * threads, fmaGflopsAllCores);
    }

    /** The measured bandwidth limit for {@code threads} threads (one core's, growing to all cores' at most). */
    public double bandwidthGBs(int threads) {
        return threads <= 1 ? bandwidthGBsOneCore : Math.min(bandwidthGBsOneCore * threads, bandwidthGBsAllCores);
    }
}
