package dev.isthmus.bench.soak;

import dev.isthmus.data.DataLoader;
import dev.isthmus.data.TensorDataset;
import dev.isthmus.loss.CrossEntropyLoss;
import dev.isthmus.models.CourseModels;
import dev.isthmus.nn.Dropout;
import dev.isthmus.nn.Linear;
import dev.isthmus.nn.ReLU;
import dev.isthmus.nn.Sequential;
import dev.isthmus.optim.Adam;
import dev.isthmus.optim.CosineAnnealingLR;
import dev.isthmus.optim.Penalty;
import dev.isthmus.tensor.NativeMemory;
import dev.isthmus.tensor.Rng;
import dev.isthmus.tensor.Tensor;
import dev.isthmus.train.EarlyStopping;
import dev.isthmus.train.EpochRecord;
import dev.isthmus.train.Trainer;
import dev.isthmus.train.TrainingListener;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The soak test of issue 9: memory must stay flat in a long-running JVM.
 * <ol>
 *   <li>Trains a small MLP for {@code --steps} steps (default 100,000) with every Trainer option on (early
 *       stopping, a checkpoint every epoch, a cosine schedule, clipping, an L2 penalty, dropout, validation),
 *       sampling RSS, the engine's live off-heap bytes and NMT every ~1,000 steps: after warm-up (the first
 *       10 %) each must stay within 2 % of its mean.</li>
 *   <li>Builds, trains (2 epochs of LeNet-5) and closes {@code --sets} (default 2,000) model + optimizer +
 *       schedule + Trainer + loaders sets with the same options, every tenth also resuming from the checkpoint:
 *       the engine's live bytes must return to their value before each set, and RSS after warm-up stays within 2 %.</li>
 *   <li>Allocates {@code --forgotten} (default 2,000) 256 KB tensors and never closes them: after a GC the
 *       cleaner has freed them and RSS is back near its level before.</li>
 * </ol>
 * Run with a fixed heap ({@code -Xms256m -Xmx256m -XX:+AlwaysPreTouch}, so heap growth does not look like a leak)
 * and {@code -XX:NativeMemoryTracking=summary}; {@code bench/run-soak.sh} does. Prints Markdown; exit status 1 if a
 * criterion fails.
 */
public final class Soak {
    private static final double FLAT = 0.02;

    private final StringBuilder out = new StringBuilder();
    private boolean failed;

    public static void main(String[] args) throws Exception {
        long steps = 100_000;
        int sets = 2_000;
        int forgotten = 2_000;
        Path save = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--steps" -> steps = Long.parseLong(args[++i]);
                case "--sets" -> sets = Integer.parseInt(args[++i]);
                case "--forgotten" -> forgotten = Integer.parseInt(args[++i]);
                case "--out" -> save = Path.of(args[++i]);
                default -> {
                    System.err.println("usage: Soak [--steps N] [--sets N] [--forgotten N] [--out FILE.md]");
                    System.exit(2);
                }
            }
        }
        Soak s = new Soak();
        s.header(steps, sets, forgotten);
        Path tmp = Files.createTempDirectory("isthmus-soak");
        try {
            s.training(steps, tmp.resolve("mlp.safetensors"));
            s.sets(sets, tmp.resolve("lenet5.safetensors"));
            s.forgotten(forgotten);
        } finally {
            try (var files = Files.list(tmp)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    Files.delete(f);
                }
            }
            Files.delete(tmp);
        }
        s.line("\nLoad average at the end: " + loadAverage() + ". Verdict: " + (s.failed ? "**FAILED**" : "every criterion met") + ".");
        System.out.print(s.out);
        if (save != null) {
            Files.writeString(save, s.out.toString());
        }
        System.exit(s.failed ? 1 : 0);
    }

    private void header(long steps, int sets, int forgotten) {
        Runtime rt = Runtime.getRuntime();
        line("# Soak: memory in a long-running JVM\n");
        line(String.format(Locale.ROOT, "%s, JDK %s, %d processors, heap max %d MB, NMT %s, load average at the start %s.",
                Instant.now(), Runtime.version(), rt.availableProcessors(), rt.maxMemory() >> 20,
                MemorySample.nmtEnabled() ? "on" : "off (RSS and engine bytes only)", loadAverage()));
        line("Command: `java ... dev.isthmus.bench.soak.Soak --steps " + steps + " --sets " + sets + " --forgotten "
                + forgotten + "` (bench/run-soak.sh). Flat means (max - min) / mean <= 2 % over the samples after warm-up.\n");
    }

    /** Phase 1: one long training run, memory sampled every ~1,000 steps. */
    private void training(long steps, Path ckpt) throws IOException {
        int features = 64, classes = 10, batch = 32;
        try (TensorDataset train = blobs(8192, features, classes, 1); TensorDataset val = blobs(256, features, classes, 2);
             DataLoader tl = DataLoader.builder(train).batchSize(batch).shuffle(true).seed(3).prefetch(1).build();
             DataLoader vl = DataLoader.builder(val).batchSize(128).build();
             Sequential model = new Sequential(new Linear(features, 128), new ReLU(), new Dropout(0.1f), new Linear(128, classes))) {
            model.reset(new Rng(4));
            int epochs = (int) ((steps + tl.batchesPerEpoch() - 1) / tl.batchesPerEpoch());
            List<MemorySample> samples = new ArrayList<>();
            long every = Math.max(1, 1000 / tl.batchesPerEpoch());
            TrainingListener sampler = new TrainingListener() {
                @Override
                public void onEpochEnd(EpochRecord r) {
                    if (r.epoch() % every == 0) {
                        samples.add(MemorySample.take((long) r.epoch() * tl.batchesPerEpoch()));
                    }
                }
            };
            long t0 = System.nanoTime();
            try (Adam adam = new Adam(model.parameters(), 1e-3);
                 Trainer t = Trainer.builder(model, new CrossEntropyLoss(), adam).epochs(epochs).seed(5).classification(classes)
                         .scheduler(new CosineAnnealingLR(adam, epochs, 1e-5)).clipGradNorm(1.0).penalty(Penalty.l2(1e-5))
                         .earlyStopping(EarlyStopping.onValidationLoss(Integer.MAX_VALUE)).checkpoint(ckpt)
                         .listener(sampler).build()) {
                t.fit(tl, vl);
                double seconds = (System.nanoTime() - t0) / 1e9;
                line(String.format(Locale.ROOT, "## 1. Training: %,d steps (%,d epochs of %d batches of %d), %.0f s, final "
                                + "validation accuracy %.3f, checkpoint %,d bytes after the last epoch\n", (long) epochs * tl.batchesPerEpoch(),
                        epochs, tl.batchesPerEpoch(), batch, seconds, t.history().last().metric("val_acc"), Files.size(ckpt)));
            }
            table(samples, samples.size() / 10);
        }
    }

    /** Phase 2: many short-lived sets, every option on, everything closed. */
    private void sets(int sets, Path ckpt) throws IOException {
        long t0 = System.nanoTime();
        int mismatches = 0;
        long worst = 0;
        List<MemorySample> samples = new ArrayList<>();
        try (TensorDataset train = images(64, 6); TensorDataset val = images(32, 7)) {
            for (int i = 1; i <= sets; i++) {
                long before = NativeMemory.liveBytes();
                try (DataLoader tl = DataLoader.builder(train).batchSize(32).shuffle(true).seed(i).prefetch(1).build();
                     DataLoader vl = DataLoader.builder(val).batchSize(32).build();
                     Sequential model = CourseModels.lenet5(10, i);
                     Adam adam = new Adam(model.parameters(), 1e-3);
                     Trainer t = trainer(model, adam, ckpt)) {
                    t.fit(tl, vl);
                    if (i % 10 == 0) {
                        try (Trainer again = trainer(model, adam, ckpt)) {
                            again.resumeFrom(ckpt);
                        }
                    }
                }
                long diff = NativeMemory.liveBytes() - before;
                if (diff != 0) {
                    mismatches++;
                    worst = Math.max(worst, Math.abs(diff));
                }
                if (i % Math.max(1, sets / 20) == 0) {
                    samples.add(MemorySample.take(i));
                }
            }
        }
        line(String.format(Locale.ROOT, "## 2. %,d model + Adam + cosine schedule + Trainer (early stopping, checkpoint, clipping, "
                        + "L2, accumulation 2, resume every 10th) + 2 loaders, built, trained 2 epochs of LeNet-5 and closed: %.0f s\n",
                sets, (System.nanoTime() - t0) / 1e9));
        line(String.format(Locale.ROOT, "Engine live off-heap bytes back to their value before the set: %,d of %,d sets%s.\n",
                sets - mismatches, sets, mismatches == 0 ? "" : " (worst difference " + worst + " bytes)"));
        failed |= mismatches > 0;
        line("Samples every " + Math.max(1, sets / 20) + " sets (column `step` = sets done):\n");
        table(samples, Math.max(1, samples.size() / 10));
    }

    private static Trainer trainer(Sequential model, Adam adam, Path ckpt) {
        return Trainer.builder(model, new CrossEntropyLoss(), adam).epochs(2).seed(1).classification(10).accumulate(2)
                .scheduler(new CosineAnnealingLR(adam, 2, 0)).clipGradNorm(5.0).penalty(Penalty.l2(1e-5))
                .earlyStopping(EarlyStopping.onValidationLoss(1)).checkpoint(ckpt).build();
    }

    /** Phase 3: tensors nobody closes are freed by the cleaner after a GC. */
    private void forgotten(int n) throws InterruptedException {
        System.gc();
        Thread.sleep(200);
        long rss0 = MemorySample.currentRssKb();
        long leaked0 = NativeMemory.leakedAllocations();
        for (int i = 0; i < n; i++) {
            Tensor.zeros(256, 256).fill(1f);
        }
        long rss1 = MemorySample.currentRssKb();
        for (int i = 0; i < 100 && NativeMemory.leakedAllocations() < leaked0 + n; i++) {
            System.gc();
            Thread.sleep(50);
        }
        Thread.sleep(200);
        long rss2 = MemorySample.currentRssKb();
        long freed = NativeMemory.leakedAllocations() - leaked0;
        line(String.format(Locale.ROOT, "\n## 3. %,d tensors of 256 KB never closed\n\nRSS %,d MB before, %,d MB after allocating "
                        + "them, %,d MB after a GC: the cleaner freed %,d of %,d (one warning on stderr); criterion: all freed "
                        + "and at least half of the growth returned to the system.", n, rss0 >> 10, rss1 >> 10, rss2 >> 10, freed, n));
        failed |= freed < n || rss2 - rss0 > (rss1 - rss0) / 2;
    }

    private void table(List<MemorySample> samples, int warmup) {
        line("| step | RSS (MB) | engine off-heap (MB) | NMT committed (MB) | NMT Other (MB) |");
        line("|---:|---:|---:|---:|---:|");
        int stride = Math.max(1, samples.size() / 12);
        for (int i = 0; i < samples.size(); i++) {
            if (i % stride == 0 || i == samples.size() - 1) {
                MemorySample s = samples.get(i);
                line(String.format(Locale.ROOT, "| %,d | %.1f | %.2f | %s | %s |", s.step(), s.rssKb() / 1024.0,
                        s.engineBytes() / 1048576.0, mb(s.nmtCommittedKb()), mb(s.nmtOtherKb())));
            }
        }
        List<MemorySample> steady = samples.subList(Math.min(warmup, samples.size()), samples.size());
        line("");
        line("After warm-up (" + steady.size() + " samples from step " + (steady.isEmpty() ? 0 : steady.getFirst().step()) + "): "
                + spread("RSS", steady, MemorySample::rssKb, true) + ", "
                + spread("engine off-heap", steady, MemorySample::engineBytes, true) + ", "
                + spread("NMT Other (off-heap segments)", steady, MemorySample::nmtOtherKb, true) + "; not a criterion: "
                + spread("NMT committed", steady, MemorySample::nmtCommittedKb, false)
                + " (it includes the JIT compiler's transient arenas).\n");
    }

    private String spread(String name, List<MemorySample> samples, java.util.function.ToLongFunction<MemorySample> f,
                          boolean criterion) {
        long min = Long.MAX_VALUE, max = Long.MIN_VALUE;
        double sum = 0;
        for (MemorySample s : samples) {
            long v = f.applyAsLong(s);
            min = Math.min(min, v);
            max = Math.max(max, v);
            sum += v;
        }
        if (samples.isEmpty() || min < 0) {
            return name + " not measured";
        }
        double spread = sum == 0 ? 0 : (max - min) / (sum / samples.size());
        boolean ok = spread <= FLAT;
        failed |= criterion && !ok;
        return String.format(Locale.ROOT, "%s spread %.2f %%%s", name, 100 * spread, !criterion ? "" : ok ? " (flat)" : " (NOT flat)");
    }

    private static String mb(long kb) {
        return kb < 0 ? "-" : String.format(Locale.ROOT, "%.1f", kb / 1024.0);
    }

    private void line(String s) {
        out.append(s).append('\n');
        if (s.startsWith("## ")) {
            System.err.println("soak: " + s.substring(3, Math.min(s.length(), 90)) + "...");
        }
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "unknown";
        }
    }

    /** Gaussian blobs: class c has mean 1.5 on feature c, so an MLP learns them. */
    private static TensorDataset blobs(int n, int features, int classes, long seed) {
        Rng rng = new Rng(seed);
        int[] y = new int[n];
        Tensor x = Tensor.zeros(n, features);   // the dataset owns it
        for (int i = 0; i < n; i++) {
            y[i] = i % classes;
            for (int j = 0; j < features; j++) {
                x.set((float) (rng.nextGaussian() + (j == y[i] ? 1.5 : 0)), i, j);
            }
        }
        return TensorDataset.classification(x, y, classes);
    }

    private static TensorDataset images(int n, long seed) {
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % 10;
        }
        return TensorDataset.classification(Tensor.rand(new Rng(seed), n, 1, 28, 28), y, 10);
    }
}
