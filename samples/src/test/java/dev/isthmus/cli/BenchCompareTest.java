package dev.isthmus.cli;

import dev.isthmus.bench.suite.References;
import dev.isthmus.bench.suite.ResultsIo;
import dev.isthmus.bench.suite.RunSettings;
import dev.isthmus.bench.suite.SuiteResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code isthmus bench compare} on the shipped reference results (no benchmark runs here). */
class BenchCompareTest {

    private static SuiteResult reference(String mode) {
        List<References.Reference> refs = References.ofMode(mode);
        assertFalse(refs.isEmpty(), "no shipped " + mode + " reference in bench/results/machines");
        return refs.getFirst().result();
    }

    private static Path save(Path dir, String name, SuiteResult r) throws IOException {
        Path f = dir.resolve(name);
        ResultsIo.write(r, f);
        return f;
    }

    @Test
    void aResultComparedWithItselfIsOneToOneAndDrawsTheChart(@TempDir Path dir) throws IOException {
        Path a = save(dir, "a.json", reference("full"));
        CliRunner.Run run = CliRunner.run("bench", "compare", a.toString(), a.toString(), "--out", dir.resolve("cmp").toString());
        assertEquals(0, run.code(), run.err());
        assertTrue(run.out().contains("| kernel/gemm/square_1024/t2 | GFLOP/s |"), run.out());
        assertTrue(run.out().contains("1.00x"), run.out());
        assertFalse(run.out().contains("Refused"), run.out());
        assertNotNull(ImageIO.read(dir.resolve("cmp/comparison.png").toFile()));
        assertTrue(Files.readString(dir.resolve("cmp/comparison.md")).startsWith("| row | unit | a | a#2 | ratio |"));
    }

    @Test
    void quickAgainstFullIsRefusedUnlessAskedToIgnoreTheMode(@TempDir Path dir) throws IOException {
        SuiteResult full = reference("full");
        RunSettings s = full.settings();
        SuiteResult asQuick = new SuiteResult(full.schema(), full.schemaVersion(), full.createdUtc(), full.label(),
                new RunSettings("quick", s.threadCounts(), s.jvmFlags(), s.backend(), s.tolerance(), s.spreadLimit(),
                        s.isthmusVersion()), full.machine(), full.environment(), full.rows());
        Path f = save(dir, "full.json", full);
        Path q = save(dir, "quick.json", asQuick);
        CliRunner.Run refused = CliRunner.run("bench", "compare", f.toString(), q.toString());
        assertEquals(1, refused.code());
        assertTrue(refused.out().contains("rows (machine/fma_peak/t1, machine/fma_peak/t2 ... "), refused.out());
        assertTrue(refused.out().contains("): mode differs (full=full, quick=quick)"), refused.out());
        assertTrue(refused.err().contains("no row could be compared"), refused.err());
        CliRunner.Run ignored = CliRunner.run("bench", "compare", f.toString(), q.toString(), "--ignore", "mode");
        assertEquals(0, ignored.code(), ignored.err());
        assertTrue(ignored.out().contains("Settings ignored on request: mode."), ignored.out());
    }

    @Test
    void aFileThatIsNotAResultIsABadFile(@TempDir Path dir) throws IOException {
        Path bad = Files.writeString(dir.resolve("peer.json"), "{\"threads\": 1}");
        CliRunner.Run run = CliRunner.run("bench", "compare", bad.toString(), bad.toString());
        assertEquals(1, run.code());
        assertTrue(run.err().contains("expected an isthmus bench result"), run.err());
    }
}
