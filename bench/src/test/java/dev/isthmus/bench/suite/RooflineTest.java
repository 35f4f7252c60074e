package dev.isthmus.bench.suite;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RooflineTest {
    // a machine with a 100 GFLOP/s peak and 20 GB/s: the ridge is at 5 FLOP/byte
    private static final double PEAK = 100, BW = 20;

    @Test
    void aLargeGemmIsComputeBound() {
        int n = 1024;
        double flops = 2.0 * n * n * n, bytes = 4.0 * 3 * n * n; // intensity n/6 = 170.7
        Roofline r = Roofline.classify(flops, bytes, flops / 80e9, PEAK, BW);
        assertEquals(Roofline.COMPUTE, r.bound());
        assertEquals(n / 6.0, r.intensity(), 1e-9);
        assertEquals(PEAK, r.limitGflops());
        assertEquals(0.8, r.fraction(), 1e-12);
        assertEquals(5.0, r.ridge());
    }

    @Test
    void anAdamStepIsMemoryBoundAndMeasuredInBandwidth() {
        long p = 62_378_344;
        double flops = 12.0 * p, bytes = 28.0 * p; // 0.43 FLOP/byte
        double seconds = bytes / 15e9;             // 15 GB/s of the 20
        Roofline r = Roofline.classify(flops, bytes, seconds, PEAK, BW);
        assertEquals(Roofline.MEMORY, r.bound());
        assertEquals(15, r.attainedGBs(), 1e-9);
        assertEquals(0.75, r.fraction(), 1e-12);
        assertEquals(r.intensity() * BW, r.limitGflops(), 1e-9);
    }

    @Test
    void theRidgeItselfCountsAsComputeBoundAndAKernelWithoutFlopsAsMemoryBound() {
        assertEquals(Roofline.COMPUTE, Roofline.classify(500, 100, 1e-8, PEAK, BW).bound());
        assertEquals(Roofline.MEMORY, Roofline.classify(499, 100, 1e-8, PEAK, BW).bound());
        Roofline copy = Roofline.classify(0, 4e9, 0.5, PEAK, BW);
        assertEquals(Roofline.MEMORY, copy.bound());
        assertEquals(8.0 / 20, copy.fraction(), 1e-12);
    }

    @Test
    void aSlowerMachineMovesTheRidge() {
        // LeNet-5's second convolution (forward, batch 64): 16 x 150 x 100 MACs per image on ~10 KiB
        double flops = 2.0 * 16 * 150 * 100 * 64, bytes = 4.0 * (64 * 6 * 14 * 14 + 16 * 150 + 64 * 16 * 100);
        assertEquals(Roofline.COMPUTE, Roofline.classify(flops, bytes, 1e-3, PEAK, BW).bound());
        assertEquals(Roofline.MEMORY, Roofline.classify(flops, bytes, 1e-3, 2000, BW).bound());
    }

    @Test
    void recordedKernelsAgreeWithTheirIntensity() {
        for (Row k : Recorded.quick().section("kernel")) {
            Roofline r = k.roofline();
            String expected = r.intensity() < r.peakGflops() / r.bandwidthGBs() ? Roofline.MEMORY : Roofline.COMPUTE;
            assertEquals(expected, r.bound(), k.id());
            assertTrue(r.fraction() > 0, k.id());
        }
    }

    @Test
    void nonsenseIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Roofline.classify(1, 0, 1, PEAK, BW));
        assertTrue(e.getMessage().contains("bytes=0.0"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Roofline.classify(1, 1, 0, PEAK, BW));
        assertThrows(IllegalArgumentException.class, () -> Roofline.classify(1, 1, 1, Double.NaN, BW));
    }
}
