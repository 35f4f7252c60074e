package dev.isthmus.bench.suite;

import dev.isthmus.kernel.Engine;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SuiteOptionsTest {
    private static SuiteOptions of(boolean quick, int threads) {
        return new SuiteOptions(quick, threads, SuiteOptions.SECTIONS, Engine.Backend.AUTO, null);
    }

    @Test
    void theScalingCurveCoversEveryCountToEightThenDoubles() {
        assertEquals(List.of(1, 2), of(false, 2).modelThreads());
        assertEquals(List.of(1, 2, 3, 4, 5, 6, 7, 8, 16, 24), of(false, 24).modelThreads());
        assertEquals(List.of(1), of(false, 1).modelThreads());
        assertEquals(List.of(1, 24), of(true, 24).modelThreads());
    }

    @Test
    void kernelsRunOnOneAndAllThreadsAndQuickOnAllOnly() {
        assertEquals(List.of(1, 4), of(false, 4).kernelThreads());
        assertEquals(List.of(4), of(true, 4).kernelThreads());
        assertEquals(List.of(1, 4), of(true, 4).latencyThreads());
    }

    @Test
    void quickIsShorterAndLooser() {
        assertTrue(of(true, 2).budget().measure() < of(false, 2).budget().measure());
        assertEquals(Stability.quick(), of(true, 2).stability());
    }

    @Test
    void badOptionsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> of(false, -1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new SuiteOptions(false, 0, List.of("gpus"), Engine.Backend.AUTO, null));
        assertTrue(e.getMessage().contains("unknown section 'gpus'"), e.getMessage());
    }
}
