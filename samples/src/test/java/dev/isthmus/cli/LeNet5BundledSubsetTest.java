package dev.isthmus.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The course's LeNet-5 figure with the CLI's defaults: trained on the bundled MNIST subset (seeded 8,000/2,000
 * split, 10% of the training part for validation), it reaches at least 97% test accuracy. The one slow test of
 * the samples (a few minutes on two shared cores).
 */
class LeNet5BundledSubsetTest {

    @TempDir
    Path tmp;

    @Test
    void lenet5ReachesNinetySevenPercentOnTheBundledSubset() {
        long t0 = System.nanoTime();
        CliRunner.Run run = CliRunner.run("train", "lenet5", "--out", tmp.resolve("lenet5").toString());
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertEquals(0, run.code(), run.err());
        TrainCommand.Result r = run.<TrainCommand>command("train").lastResult;
        double acc = r.classification().cm().accuracy();
        System.out.printf(Locale.ROOT, "LeNet-5 on the bundled MNIST subset: test accuracy %.4f after %d epochs in %.0f s%n",
                acc, r.history().lastEpoch(), seconds);
        assertEquals(2_000, r.classification().cm().total());
        assertTrue(acc >= 0.97, String.format(Locale.ROOT, "test accuracy %.4f < 0.97%n%s", acc, run.out()));
    }
}
