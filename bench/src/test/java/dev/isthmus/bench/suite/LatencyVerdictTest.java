package dev.isthmus.bench.suite;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The p99 row is judged on its own tail, not on the median's verdict (synthetic latencies, no timing). */
class LatencyVerdictTest {

    private static Stats stats(double[] ms) {
        return Stats.of(ms, true, "stable", Stability.full(), 0, 0);
    }

    @Test
    void aSteadyTailOverManyCallsIsStable() {
        double[] ms = new double[1000];
        for (int i = 0; i < ms.length; i++) {
            ms[i] = i % 50 == 0 ? 2.0 : 1.0; // 2 % of calls twice as slow, evenly spread
        }
        Stats v = ModelBench.p99Verdict(ms, stats(ms));
        assertTrue(v.stable());
        assertEquals("stable", v.stop());
    }

    @Test
    void aTailThatCameInOneBurstIsUnsettledThoughTheMedianIsStable() {
        double[] ms = new double[1000];
        for (int i = 0; i < ms.length; i++) {
            ms[i] = i >= 980 ? 5.0 : 1.0; // the slow calls all at the end: a neighbour started
        }
        Stats st = stats(ms);
        assertTrue(Stability.full().judge(ms, ms.length).stable());
        Stats v = ModelBench.p99Verdict(ms, st);
        assertFalse(v.stable());
        assertEquals("p99-unsettled", v.stop());
    }

    @Test
    void fewCallsCannotVouchForATail() {
        double[] ms = new double[50];
        java.util.Arrays.fill(ms, 1.0);
        assertFalse(ModelBench.p99Verdict(ms, stats(ms)).stable());
    }
}
