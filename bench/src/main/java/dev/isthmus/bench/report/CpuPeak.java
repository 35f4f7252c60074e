package dev.isthmus.bench.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;

/**
 * The theoretical single-precision peak of the machine, derived from {@code /proc/cpuinfo}:
 * physical cores x clock x FP32 FLOP per cycle per core, where FLOP per cycle comes from the SIMD
 * flags and, for AMD, the CPU family (whose FMA datapath width the flags do not reveal). Every
 * figure carries the sentence that says how it was derived, since a hypervisor may hide the real
 * model or clock.
 *
 * @param model         the model name
 * @param vendor        {@code vendor_id}
 * @param family        {@code cpu family}
 * @param modelNumber   {@code model}
 * @param cores         physical cores (FMA units are per core, not per SMT thread)
 * @param logicalCpus   {@code processor} entries
 * @param ghz           the clock used
 * @param clockSource   where the clock came from
 * @param flopPerCycle  FP32 FLOP per cycle per core
 * @param isaNote       why that many FLOP per cycle
 * @param simdFlags     the SIMD-related flags present, in a fixed order
 */
public record CpuPeak(String model, String vendor, int family, int modelNumber, int cores, int logicalCpus,
                      double ghz, String clockSource, int flopPerCycle, String isaNote, List<String> simdFlags) {

    private static final List<String> SIMD_FLAGS = List.of("sse4_2", "avx", "fma", "avx2", "avx512f", "avx512dq",
            "avx512bw", "avx512vl", "avx512_bf16", "avx512_fp16", "amx_tile");

    /** Reads this machine's {@code /proc/cpuinfo} and, if present, the cpufreq maximum clock. */
    public static CpuPeak detect() {
        try {
            String cpuinfo = Files.readString(Path.of("/proc/cpuinfo"));
            Path maxFreq = Path.of("/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq");
            OptionalDouble maxMhz = OptionalDouble.empty();
            if (Files.isReadable(maxFreq)) {
                maxMhz = OptionalDouble.of(Long.parseLong(Files.readString(maxFreq).trim()) / 1000.0);
            }
            return parse(cpuinfo, maxMhz);
        } catch (IOException | RuntimeException e) {
            int cpus = Runtime.getRuntime().availableProcessors();
            return new CpuPeak("unknown (" + e.getMessage() + ")", "unknown", -1, -1, cpus, cpus, Double.NaN,
                    "unknown", 0, "no /proc/cpuinfo", List.of());
        }
    }

    /**
     * Derives the peak from the text of {@code /proc/cpuinfo}; {@code maxMhz} is the cpufreq maximum
     * (what {@code lscpu} reports as max MHz) when the kernel exposes one.
     */
    public static CpuPeak parse(String cpuinfo, OptionalDouble maxMhz) {
        List<Map<String, String>> cpus = new ArrayList<>();
        Map<String, String> cur = null;
        for (String line : cpuinfo.split("\n")) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String key = line.substring(0, colon).trim();
            String value = line.substring(colon + 1).trim();
            if (key.equals("processor")) {
                cur = new LinkedHashMap<>();
                cpus.add(cur);
            }
            if (cur != null) {
                cur.put(key, value);
            }
        }
        if (cpus.isEmpty()) {
            throw new IllegalArgumentException("cpuinfo has no 'processor' entries");
        }
        Map<String, String> first = cpus.getFirst();
        Set<String> flags = new HashSet<>(List.of(first.getOrDefault("flags", "").split("\\s+")));
        String vendor = first.getOrDefault("vendor_id", "unknown");
        int family = intOr(first.get("cpu family"), -1);
        int modelNumber = intOr(first.get("model"), -1);

        Set<String> physical = new HashSet<>();
        for (Map<String, String> cpu : cpus) {
            if (cpu.containsKey("physical id") && cpu.containsKey("core id")) {
                physical.add(cpu.get("physical id") + "/" + cpu.get("core id"));
            }
        }
        int cores = physical.isEmpty() ? cpus.size() : physical.size();

        double mhz;
        String clockSource;
        if (maxMhz.isPresent() && maxMhz.getAsDouble() > 0) {
            mhz = maxMhz.getAsDouble();
            clockSource = "cpufreq cpuinfo_max_freq (lscpu's max MHz)";
        } else {
            mhz = doubleOr(first.get("cpu MHz"), Double.NaN);
            clockSource = "'cpu MHz' in /proc/cpuinfo (no cpufreq maximum exposed, e.g. under a hypervisor: "
                    + "any turbo above it is not counted)";
        }

        int fpc;
        String note;
        boolean fma = flags.contains("fma");
        boolean avx2 = flags.contains("avx2");
        boolean avx512 = flags.contains("avx512f");
        boolean amd = vendor.equals("AuthenticAMD") || vendor.equals("HygonGenuine");
        if (amd && (family == 0x17 && modelNumber < 0x30 || family == 0x18) && fma) {
            fpc = 16;
            note = "AMD Zen/Zen+ (family " + family + ", model " + modelNumber + "): AVX2 FMA on two 128-bit pipes, "
                    + "256-bit ops split in two = 2 pipes x 4 lanes x 2 FLOP";
        } else if (amd && family == 0x19 && avx512) {
            fpc = 32;
            note = "AMD Zen 4 (family 25) AVX-512: double-pumped on 256-bit pipes = 2 pipes x 8 lanes x 2 FLOP";
        } else if (amd && family >= 0x1A && avx512) {
            fpc = 64;
            note = "AMD Zen 5 (family 26) AVX-512: two 512-bit FMA pipes = 2 x 16 lanes x 2 FLOP "
                    + "(laptop Zen 5 parts are double-pumped: half that)";
        } else if (avx512 && fma) {
            fpc = 64;
            note = "AVX-512 with two FMA-512 units assumed = 2 x 16 lanes x 2 FLOP "
                    + "(parts with one FMA-512 unit reach half)";
        } else if (avx2 && fma) {
            fpc = 32;
            note = "AVX2 with two 256-bit FMA pipes = 2 x 8 lanes x 2 FLOP";
        } else if (flags.contains("avx")) {
            fpc = 16;
            note = "AVX without FMA: one 256-bit add and one 256-bit multiply per cycle = 2 x 8 lanes";
        } else {
            fpc = 8;
            note = "SSE: one 128-bit add and one 128-bit multiply per cycle = 2 x 4 lanes";
        }
        List<String> simd = SIMD_FLAGS.stream().filter(flags::contains).toList();
        return new CpuPeak(first.getOrDefault("model name", "unknown"), vendor, family, modelNumber, cores, cpus.size(),
                mhz / 1000.0, clockSource, fpc, note, simd);
    }

    /** GFLOP/s with {@code threads} threads, each on its own core (at most {@link #cores}). */
    public double gflops(int threads) {
        return Math.min(threads, cores) * ghz * flopPerCycle;
    }

    /** One sentence: the figures and how they were derived. */
    public String derivation() {
        return String.format(Locale.ROOT, "%.1f GFLOP/s per core, %.1f GFLOP/s on all %d cores = cores x %.2f GHz x %d "
                        + "FP32 FLOP/cycle; clock from %s; FLOP/cycle: %s",
                gflops(1), gflops(cores), cores, ghz, flopPerCycle, clockSource, isaNote);
    }

    private static int intOr(String s, int fallback) {
        try {
            return s == null ? fallback : Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    private static double doubleOr(String s, double fallback) {
        try {
            return s == null ? fallback : Double.parseDouble(s.trim());
        } catch (NumberFormatException e) {
            return fallback;
        }
    }
}
