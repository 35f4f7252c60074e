package dev.isthmus.bench.suite;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SystemLoadTest {
    private static final String LOADAVG = "3.52 2.10 1.05 4/312 9876\n";

    private static String stat(long user, long idle, long steal) {
        return "cpu  " + user + " 10 200 " + idle + " 5 1 2 " + steal + " 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\nintr 1 2\n";
    }

    /** /proc/self/stat of a process whose name holds a space and a parenthesis. */
    private static String self(long utime, long stime) {
        return "4242 (java (bench) x) S 1 4242 4242 0 -1 4194304 100 0 0 0 " + utime + " " + stime + " 0 0 20 0 30 0 5\n";
    }

    @Test
    void parsesTheThreeFiles() {
        SystemLoad s = SystemLoad.parse(LOADAVG, stat(1000, 5000, 7), self(300, 50), 0);
        assertEquals(3.52, s.load1());
        assertEquals(1000 + 10 + 200 + 1 + 2, s.busyTicks());
        assertEquals(7, s.stealTicks());
        assertEquals(350, s.ownTicks());
    }

    @Test
    void otherProcessesAreAllBusyTimeMinusOurs() {
        SystemLoad a = SystemLoad.parse(LOADAVG, stat(1000, 5000, 7), self(300, 50), 0);
        // 10 s later: the CPUs were busy 1,500 ticks more, 900 of them ours
        SystemLoad b = SystemLoad.parse(LOADAVG, stat(2500, 5500, 27), self(1100, 150), 10_000_000_000L);
        assertEquals(10.0, b.secondsSince(a));
        assertEquals(9.0, b.ownCpuSecondsSince(a), 1e-12);
        assertEquals(6.0, b.otherCpuSecondsSince(a), 1e-12);
        assertEquals(0.2, b.stealSecondsSince(a), 1e-12);
    }

    @Test
    void tickRoundingNeverMakesOthersNegative() {
        SystemLoad a = SystemLoad.parse(LOADAVG, stat(1000, 5000, 0), self(300, 50), 0);
        SystemLoad b = SystemLoad.parse(LOADAVG, stat(1100, 5000, 0), self(402, 50), 1);
        assertEquals(0.0, b.otherCpuSecondsSince(a));
    }
}
