package dev.isthmus.bench.soak;

import dev.isthmus.tensor.NativeMemory;

import javax.management.ObjectName;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One reading of the process's memory: resident set size from {@code /proc/self/status}, the engine's own count
 * of live off-heap bytes ({@link NativeMemory#liveBytes()}), and, when the JVM runs with
 * {@code -XX:NativeMemoryTracking=summary}, NMT's committed total and its "Other" category (where
 * {@code MemorySegment} allocations are counted), read through the DiagnosticCommand MBean (what
 * {@code jcmd PID VM.native_memory summary} prints). NMT fields are -1 when tracking is off.
 */
record MemorySample(long step, long rssKb, long engineBytes, long nmtCommittedKb, long nmtOtherKb) {
    private static final Pattern RSS = Pattern.compile("VmRSS:\\s+(\\d+) kB");
    private static final Pattern TOTAL = Pattern.compile("Total: reserved=\\d+KB, committed=(\\d+)KB");
    private static final Pattern OTHER = Pattern.compile("-\\s+Other \\(reserved=\\d+KB, committed=(\\d+)KB");

    static MemorySample take(long step) {
        String nmt = nmtSummary();
        return new MemorySample(step, currentRssKb(), NativeMemory.liveBytes(), find(TOTAL, nmt), find(OTHER, nmt));
    }

    static long currentRssKb() {
        try {
            return find(RSS, Files.readString(Path.of("/proc/self/status")));
        } catch (IOException e) {
            return -1;
        }
    }

    /** The NMT summary text, or "" when tracking is off or the MBean is missing. */
    static String nmtSummary() {
        try {
            Object out = ManagementFactory.getPlatformMBeanServer().invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"), "vmNativeMemory",
                    new Object[]{new String[]{"summary"}}, new String[]{String[].class.getName()});
            return out == null ? "" : out.toString();
        } catch (Exception e) {
            return "";
        }
    }

    static boolean nmtEnabled() {
        return TOTAL.matcher(nmtSummary()).find();
    }

    private static long find(Pattern p, String text) {
        Matcher m = p.matcher(text);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }
}
