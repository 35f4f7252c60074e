package dev.isthmus.bench.suite;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What else the machine was doing: the load average, and the CPU time that other processes used, from
 * Linux's {@code /proc/stat} (all CPUs' busy time) minus this process's own ({@code /proc/self/stat}).
 * Both count in clock ticks (USER_HZ, 100 per second on Linux). Steal time (a hypervisor running other
 * guests on our cores) is kept apart. Elsewhere than Linux every figure is NaN.
 *
 * @param load1       the 1-minute load average
 * @param busyTicks   non-idle ticks of all CPUs (user, nice, system, irq, softirq)
 * @param stealTicks  ticks stolen by the hypervisor
 * @param ownTicks    this process's user + system ticks
 * @param nanoTime    when the snapshot was taken
 */
public record SystemLoad(double load1, long busyTicks, long stealTicks, long ownTicks, long nanoTime) {

    /** Clock ticks per second of {@code /proc} ({@code sysconf(_SC_CLK_TCK)}, 100 on every Linux ABI Isthmus runs on). */
    public static final double TICKS_PER_SECOND = 100.0;

    /** Takes a snapshot of this machine now. */
    public static SystemLoad now() {
        try {
            return parse(read("/proc/loadavg"), read("/proc/stat"), read("/proc/self/stat"), System.nanoTime());
        } catch (IOException | RuntimeException e) {
            return new SystemLoad(Double.NaN, -1, -1, -1, System.nanoTime());
        }
    }

    /** Parses the three files' texts. */
    public static SystemLoad parse(String loadavg, String stat, String selfStat, long nanoTime) {
        double load1 = Double.parseDouble(loadavg.trim().split("\\s+")[0]);
        String cpu = stat.lines().filter(l -> l.startsWith("cpu ")).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("/proc/stat has no 'cpu ' line"));
        String[] f = cpu.trim().split("\\s+");
        // cpu user nice system idle iowait irq softirq steal guest guest_nice (guest time is already in user)
        long busy = 0;
        for (int i : new int[]{1, 2, 3, 6, 7}) {
            busy += Long.parseLong(f[i]);
        }
        long steal = f.length > 8 ? Long.parseLong(f[8]) : 0;
        // the command name may hold spaces and parentheses: fields are counted after the last ')'
        String[] s = selfStat.substring(selfStat.lastIndexOf(')') + 2).trim().split("\\s+");
        long own = Long.parseLong(s[11]) + Long.parseLong(s[12]); // utime, stime (fields 14 and 15)
        return new SystemLoad(load1, busy, steal, own, nanoTime);
    }

    /** CPU seconds that other processes used between {@code start} and this snapshot (never negative). */
    public double otherCpuSecondsSince(SystemLoad start) {
        if (busyTicks < 0 || start.busyTicks < 0) {
            return Double.NaN;
        }
        return Math.max(0, (busyTicks - start.busyTicks) - (ownTicks - start.ownTicks)) / TICKS_PER_SECOND;
    }

    /** CPU seconds this process used since {@code start}. */
    public double ownCpuSecondsSince(SystemLoad start) {
        return ownTicks < 0 || start.ownTicks < 0 ? Double.NaN : (ownTicks - start.ownTicks) / TICKS_PER_SECOND;
    }

    /** Seconds stolen by the hypervisor since {@code start}. */
    public double stealSecondsSince(SystemLoad start) {
        return stealTicks < 0 || start.stealTicks < 0 ? Double.NaN : (stealTicks - start.stealTicks) / TICKS_PER_SECOND;
    }

    public double secondsSince(SystemLoad start) {
        return (nanoTime - start.nanoTime) / 1e9;
    }

    private static String read(String path) throws IOException {
        return Files.readString(Path.of(path));
    }
}
