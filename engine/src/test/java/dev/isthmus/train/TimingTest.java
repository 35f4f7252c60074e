package dev.isthmus.train;

import dev.isthmus.testing.Allocations;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertFalse;

class TimingTest {

    private static final class FakeClock {
        long now;

        long read() {
            return now;
        }
    }

    @Test
    void stopwatchAccumulatesIntervals() {
        FakeClock clock = new FakeClock();
        Stopwatch s = new Stopwatch(clock::read);
        s.start();
        clock.now += 1_500_000_000L;
        assertEquals(1_500_000_000L, s.stop());
        clock.now += 7_000_000_000L; // stopped: not counted
        s.start();
        clock.now += 500_000_000L;
        assertTrue(s.isRunning());
        assertEquals(2.0, s.seconds(), 1e-12);
        assertEquals(500.0, s.rate(1000), 1e-9);
        s.stop();
        assertFalse(s.isRunning());
        assertEquals(2_000_000_000L, s.elapsedNanos());
        assertThrows(IllegalStateException.class, s::stop);
        s.start();
        assertThrows(IllegalStateException.class, s::start);
        s.reset();
        assertEquals(0, s.elapsedNanos());
        assertEquals(0, s.rate(10));
    }

    @Test
    void stopwatchOnTheRealClockMeasuresSleep() throws InterruptedException {
        Stopwatch s = Stopwatch.started();
        Thread.sleep(20);
        s.stop();
        assertTrue(s.seconds() >= 0.019 && s.seconds() < 5, s.toString());
    }

    /** Batch latencies 1..10 ms: numpy.percentile([1..10], [50, 90, 99]) = 5.5, 9.1, 9.91. */
    @Test
    void latencyPercentilesAndPerSample() {
        LatencyRecorder r = new LatencyRecorder(100);
        for (int i = 10; i >= 1; i--) {
            r.record(i * 1_000_000L, 4);
        }
        LatencyRecorder.Summary s = r.summary();
        assertEquals(10, s.batches());
        assertEquals(40, s.samples());
        assertEquals(5.5, s.meanBatchMs(), 1e-12);
        assertEquals(5.5, s.p50BatchMs(), 1e-12);
        assertEquals(9.1, s.p90BatchMs(), 1e-12);
        assertEquals(9.91, s.p99BatchMs(), 1e-12);
        assertEquals(10, s.maxBatchMs(), 1e-12);
        assertEquals(55.0 / 40, s.perSampleMs(), 1e-12);
        assertEquals(40 / 0.055, s.samplesPerSecond(), 1e-9);
        assertTrue(s.toString().contains("p90 9.100 ms"), s.toString());
    }

    @Test
    void latencyBeyondCapacityStillCountsInTotals() {
        LatencyRecorder r = new LatencyRecorder(2);
        r.record(1_000_000, 1);
        r.record(3_000_000, 1);
        r.record(8_000_000, 2);
        LatencyRecorder.Summary s = r.summary();
        assertEquals(3, s.batches());
        assertEquals(4, s.samples());
        assertEquals(4.0, s.meanBatchMs(), 1e-12);
        assertEquals(3.0, s.maxBatchMs(), 1e-12); // percentiles cover the kept batches only
        r.reset();
        assertThrows(IllegalStateException.class, r::summary);
        assertThrows(IllegalArgumentException.class, () -> r.record(-1, 1));
        assertThrows(IllegalArgumentException.class, () -> r.record(1, 0));
    }

    @Test
    void recordingAllocatesNothing() {
        LatencyRecorder r = new LatencyRecorder(100_000);
        Stopwatch s = new Stopwatch();
        for (int i = 0; i < 20_000; i++) {
            s.start();
            r.record(s.stop(), 8);
        }
        long bytes = Allocations.measure(() -> {
            for (int i = 0; i < 20_000; i++) {
                s.start();
                r.record(s.stop(), 8);
            }
        });
        assertTrue(bytes < 1024, "20,000 records allocated " + bytes + " bytes");
    }

    /** The allocation meter the no-allocation tests rely on does see allocations. */
    @Test
    void allocationMeterSeesAllocations() {
        Object[] sink = new Object[1];
        long bytes = Allocations.measure(() -> {
            for (int i = 0; i < 1000; i++) {
                sink[0] = new long[16];
            }
        });
        assertTrue(bytes >= 1000 * 16 * 8, "measured " + bytes);
    }
}
