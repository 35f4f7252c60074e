package dev.isthmus.bench.suite;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChartsTest {

    private static BufferedImage decode(Path png) throws IOException {
        assertTrue(Files.size(png) > 1000, png + " is too small to be a chart");
        BufferedImage img = ImageIO.read(png.toFile());
        assertNotNull(img, png + " does not decode as an image");
        return img;
    }

    @Test
    void rooflineAndScalingChartsAreValidPngs(@TempDir Path dir) throws IOException {
        SuiteResult r = Recorded.quick();
        assertTrue(RooflineChart.write(r, dir.resolve("roofline.png")));
        assertTrue(ScalingChart.write(r, dir.resolve("scaling.png")));
        BufferedImage roof = decode(dir.resolve("roofline.png"));
        assertEquals(1100, roof.getWidth());
        assertEquals(700, roof.getHeight());
        assertEquals(900, decode(dir.resolve("scaling.png")).getWidth());
    }

    @Test
    void theComparisonChartIsAValidPng(@TempDir Path dir) throws IOException {
        SuiteResult a = Recorded.quick();
        SuiteResult b = Recorded.mapRows(a, x -> Recorded.scaled(x, 1.5));
        assertTrue(CompareChart.write(new Comparison(List.of("a", "b"), List.of(a, b), Set.of()), dir.resolve("c.png")));
        assertEquals(1000, decode(dir.resolve("c.png")).getWidth());
    }

    @Test
    void writeProducesEveryFileAndTheReportLinksTheCharts(@TempDir Path dir) throws IOException {
        List<Path> files = BenchSuite.write(Recorded.quick(), dir);
        assertEquals(List.of("result.json", "roofline.png", "scaling.png", "report.md"),
                files.stream().map(p -> p.getFileName().toString()).toList());
        String md = Files.readString(dir.resolve("report.md"));
        assertTrue(md.contains("![roofline.png](roofline.png)"), md);
        assertTrue(md.contains("| gemm/square_1024 | 2 |  | 13.12 | GFLOP/s |"), md);
        assertEquals(Recorded.quick(), ResultsIo.read(dir.resolve("result.json")));
    }

    @Test
    void withoutKernelsOrASecondThreadCountThereIsNoChart(@TempDir Path dir) throws IOException {
        SuiteResult r = Recorded.quick();
        SuiteResult machineOnly = new SuiteResult(r.schema(), r.schemaVersion(), r.createdUtc(), r.label(), r.settings(),
                r.machine(), r.environment(), r.section("machine"));
        assertFalse(RooflineChart.write(machineOnly, dir.resolve("r.png")));
        assertFalse(ScalingChart.write(machineOnly, dir.resolve("s.png")));
        assertFalse(Files.exists(dir.resolve("r.png")));
    }
}
