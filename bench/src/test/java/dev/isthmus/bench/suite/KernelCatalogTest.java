package dev.isthmus.bench.suite;

import dev.isthmus.bench.nn.ConvShape;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The kernel list's arithmetic, and that every kernel sets up, runs once and closes (no timing). */
class KernelCatalogTest {

    @Test
    void everyConvolutionHasItsPassesAndFirstLayersNoInputGradient() {
        List<Kernel> all = KernelCatalog.all();
        for (ConvShape s : ConvShape.values()) {
            String base = "conv/" + s.name().toLowerCase() + "/";
            assertTrue(all.stream().anyMatch(k -> k.name().equals(base + "forward")), base);
            assertTrue(all.stream().anyMatch(k -> k.name().equals(base + "backward_weight")), base);
            assertEquals(!s.first, all.stream().anyMatch(k -> k.name().equals(base + "backward_data")), base);
        }
        Set<String> names = new HashSet<>();
        all.forEach(k -> assertTrue(names.add(k.name()), "duplicate kernel " + k.name()));
    }

    @Test
    void workIsCountedAsTheCourseDoes() {
        Kernel c2 = byName("conv/alex_c2/forward");
        // AlexNet conv2: 256 x (96 x 5 x 5) weights applied at 27 x 27 positions, batch 4
        assertEquals(2.0 * 256 * 2400 * 729 * KernelCatalog.ALEX_BATCH, c2.flops());
        Kernel g = byName("gemm/square_1024");
        assertEquals(2.0 * 1024 * 1024 * 1024, g.flops());
        assertEquals(12.0 * 1024 * 1024, g.bytes());
        assertEquals(28.0 * 62_378_344, byName("optim/adam_62m").bytes());
        assertEquals("GB/s", byName("optim/adam_62m").unit());
        assertEquals(1.0, g.rate(g.flops() / 1e9), 1e-12);
    }

    @Test
    void everyKernelSetsUpRunsAndCloses() {
        for (Kernel k : KernelCatalog.all()) {
            try (Kernel.Op op = k.setup().get()) {
                double secs = op.probe().secondsPerOp(1);
                assertTrue(secs > 0 && Double.isFinite(secs), k.name() + " took " + secs + " s");
            }
        }
    }

    private static Kernel byName(String name) {
        return KernelCatalog.all().stream().filter(k -> k.name().equals(name)).findFirst().orElseThrow();
    }
}
