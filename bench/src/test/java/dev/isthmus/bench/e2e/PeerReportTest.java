package dev.isthmus.bench.e2e;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The peer table: per-round ratios and their median and range, goals, and no ratio for a crippled PyTorch. */
class PeerReportTest {

    private static void write(Path dir, String name, String json) throws IOException {
        Files.writeString(dir.resolve(name), json);
    }

    private static void rounds(Path dir) throws IOException {
        // Isthmus MLP 400/440/500 images/s against PyTorch 100/100/100: ratios 4.0, 4.4, 5.0 -> median 4.4
        double[] mine = {400, 440, 500};
        for (int r = 1; r <= 3; r++) {
            write(dir, "isthmus-t1-r" + r + ".json", "{\"mlp_train\": " + mine[r - 1]
                    + ", \"alexnet_step_s\": 1.0, \"lenet5_infer\": 900, \"lenet5_b1_p50_ms\": 0.05}");
            write(dir, "torch-t1-r" + r + ".json", "{\"mlp_train\": 100, \"alexnet_step_s\": 1.2}");
            write(dir, "ort-t1-r" + r + ".json", "{\"lenet5_infer\": 1000, \"lenet5_b1_p50_ms\": 0.04, \"ort\": \"1.22.0\"}");
        }
    }

    @Test
    void ratiosAreMediansOfPerRoundRatiosWithTheirRangeAndGoalsAreJudged(@TempDir Path dir) throws IOException {
        rounds(dir);
        write(dir, "probe-isthmus.json", "{\"sgemm_1024_gflops\": 100, \"libs\": \"libopenblas.so.0\", \"openblas_core\": \"Zen\"}");
        write(dir, "probe-torch.json", "{\"matmul_1024_gflops\": 90, \"libs\": [\"libopenblasp-r0.3.21.so\"]}");
        PeerReport report = new PeerReport(dir, List.of(1), 3);
        assertTrue(report.torchAtRealSpeed());
        String table = report.table();
        assertTrue(table.contains("| MLP training, batch 64, Adam (images/s) | 1 | 440 | 100 |"), table);
        assertTrue(table.contains("4.40x [4.00-5.00]"), table);
        assertTrue(table.contains("MLP training, batch 64, Adam, 1 thread(s): >= 4x PyTorch, met"), table);
        // AlexNet 1.0 s against 1.2 s: speed 1.2x, below the 1.25x that "time <= 0.8x PyTorch's" needs
        assertTrue(table.contains("AlexNet training step, batch 16, SGD, 1 thread(s): time <= 0.8x PyTorch's (speed >= 1.25x), not met (1.20x"), table);
        assertTrue(table.contains("LeNet-5 inference, batch 256, 1 thread(s): >= 1.0x ORT, not met (0.90x"), table);
        // latency: ORT 0.04 ms against Isthmus 0.05 ms
        assertTrue(table.contains("LeNet-5 batch-1 latency p50, 1 thread(s): <= ORT's, not met (0.80x"), table);
        assertEquals("", report.torchVerdict());
    }

    @Test
    void aPyTorchOnTheReferenceBlasGetsNoRatioButTheReasonAndTheFix(@TempDir Path dir) throws IOException {
        rounds(dir);
        write(dir, "probe-isthmus.json", "{\"sgemm_1024_gflops\": 100}");
        write(dir, "probe-torch.json", "{\"matmul_1024_gflops\": 3.4, \"libs\": [\"/usr/lib/x86_64-linux-gnu/blas/libblas.so.3\"]}");
        PeerReport report = new PeerReport(dir, List.of(1), 3);
        assertFalse(report.torchAtRealSpeed());
        String table = report.table();
        assertFalse(table.contains("4.40x"), "no PyTorch ratio for a crippled peer:\n" + table);
        assertTrue(table.contains("NOT at its real speed") && table.contains("blas/libblas.so.3")
                && table.contains("apt-get install libopenblas0-pthread"), table);
        assertTrue(table.contains("MLP training, batch 64, Adam, 1 thread(s): >= 4x PyTorch, not measured"), table);
    }

    @Test
    void figuresAreFormattedByUnit() {
        assertEquals("12,345", PeerReport.format(12345.4, "images/s"));
        assertEquals("6.08", PeerReport.format(6.077, "images/s"), "AlexNet's few images/s keep their digits");
        assertEquals("0.050", PeerReport.format(0.05, "ms"));
        assertEquals("–", PeerReport.format(Double.NaN, "s"));
        assertEquals("–", PeerReport.ratioCell(new double[0]));
    }
}
