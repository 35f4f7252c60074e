package dev.isthmus.bench.suite;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * How a run was made: quick or full, the thread counts, the JVM's flags, the GEMM backend and the
 * stability rule. Two rows are comparable only if these (as {@link #comparable()} lists them) agree. JVM flags
 * that only grant access or silence a warning ({@link #NEUTRAL_FLAGS}) cannot change a figure and are left out
 * of the comparison, so a launcher that adds one does not make every earlier result incomparable.
 *
 * @param mode          {@code quick} or {@code full}
 * @param threadCounts  the thread counts measured, e.g. [1, 2]
 * @param jvmFlags      the JVM's input arguments that can change a figure (class path and encodings left out)
 * @param backend       the GEMM backend ({@code openblas} or {@code vector})
 * @param tolerance     the stability tolerance of the median
 * @param spreadLimit   the spread above which a row is noisy
 * @param isthmusVersion the suite's code version
 */
public record RunSettings(String mode, List<Integer> threadCounts, List<String> jvmFlags, String backend,
                          double tolerance, double spreadLimit, String isthmusVersion) {

    public RunSettings {
        threadCounts = List.copyOf(threadCounts);
        jvmFlags = List.copyOf(jvmFlags);
    }

    /** Prefixes of flags that grant module access or silence a warning: recorded, but never a reason to refuse. */
    public static final List<String> NEUTRAL_FLAGS = List.of("--sun-misc-unsafe-memory-access=",
            "--enable-native-access=", "--illegal-native-access=", "-Xlog:", "--add-opens=", "--add-exports=");

    public boolean quick() {
        return "quick".equals(mode);
    }

    /** The settings every row of this run shares and a comparison must find equal. */
    public Map<String, String> comparable() {
        Map<String, String> m = new TreeMap<>();
        m.put("mode", mode);
        m.put("jvm_flags", String.join(" ", jvmFlags.stream()
                .filter(f -> NEUTRAL_FLAGS.stream().noneMatch(f::startsWith)).toList()));
        m.put("backend", backend);
        return m;
    }
}
