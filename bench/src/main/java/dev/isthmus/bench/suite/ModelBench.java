package dev.isthmus.bench.suite;

import dev.isthmus.bench.e2e.Workload;
import dev.isthmus.kernel.Engine;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The course's models end to end, on synthetic data ({@link Workload}: the same steps as the Trainer and
 * {@code bench/pytorch/peer.py}), in MLPerf's two scenarios:
 * <ul>
 *   <li>throughput on every thread count (the scaling curve): training (MLP and LeNet-5 at batch 64 with Adam,
 *       AlexNet at batch 16 with SGD) and inference through a {@link dev.isthmus.infer.Predictor} ({@link Serving};
 *       batch 256, AlexNet 16), in images/s;</li>
 *   <li>single-stream: batch-1 inference latency, p50 and p99 over many single calls, on one thread and on all;</li>
 *   <li>offline: the best inference throughput over several batch sizes on all threads.</li>
 * </ul>
 * A quick run leaves out AlexNet training (one step takes seconds, so a minute cannot give it a stable median)
 * and AlexNet's offline batch sweep, and says so in those rows.
 */
final class ModelBench {

    /** A model with its training and inference batches, optimizer and offline batch candidates. */
    record Spec(String name, Workload.Model model, int trainBatch, Workload.Opt opt, int inferBatch, int[] offlineBatches) {
    }

    static final List<Spec> SPECS = List.of(
            new Spec("mlp", Workload.Model.MLP, 64, Workload.Opt.ADAM, 256, new int[]{64, 1024}),
            new Spec("lenet5", Workload.Model.LENET5, 64, Workload.Opt.ADAM, 256, new int[]{64, 1024}),
            new Spec("alexnet", Workload.Model.ALEXNET, 16, Workload.Opt.SGD, 16, new int[]{4, 32}));

    private final RowRecorder recorder;
    private final Sampler sampler;
    private final Engine.Backend backend;
    private final boolean quick;

    ModelBench(RowRecorder recorder, Sampler sampler, Engine.Backend backend, boolean quick) {
        this.recorder = recorder;
        this.sampler = sampler;
        this.backend = backend;
        this.quick = quick;
    }

    static int steps(List<Integer> threadCounts, List<Integer> latencyThreads) {
        int perSpec = 2 * threadCounts.size() + 2 * latencyThreads.size() + 3;
        return SPECS.size() * perSpec;
    }

    void run(List<Integer> threadCounts, List<Integer> latencyThreads) {
        int max = threadCounts.getLast();
        for (int t : threadCounts) {
            Engine.configure(t, backend);
            for (Spec s : SPECS) {
                train(s, t);
                infer(s, t, s.inferBatch(), "infer");
            }
        }
        for (int t : latencyThreads) {
            Engine.configure(t, backend);
            for (Spec s : SPECS) {
                latency(s, t);
            }
        }
        Engine.configure(max, backend);
        for (Spec s : SPECS) {
            offline(s, max);
        }
    }

    private void train(Spec s, int t) {
        String name = s.name() + "/train";
        recorder.starting("model " + name + " on " + t + " threads");
        if (quick && s.model() == Workload.Model.ALEXNET) {
            recorder.skipped("model", name, t, s.trainBatch(), "images/s", true, "not in --quick: a training step takes "
                    + "seconds, too long for a stable median in a minute; the full run measures it");
            return;
        }
        try (Workload w = new Workload(s.model(), s.trainBatch(), s.opt(), 0)) {
            Sampler.Result res = slow(s) ? new Sampler(sampler.rule(), sampler.budget().scaled(4)).measure(Sampler.of(w::trainStep))
                    : sampler.measure(Sampler.of(w::trainStep));
            if (!Float.isFinite(w.lastLoss())) {
                throw new IllegalStateException("model " + name + ": the loss became " + w.lastLoss());
            }
            int b = s.trainBatch();
            recorder.measured("model", name, t, b, "images/s", true, res, secs -> b / secs, null,
                    String.format(Locale.ROOT, "forward, cross-entropy, backward, %s step, zero_grad; batch %d",
                            s.opt() == Workload.Opt.ADAM ? "Adam(lr 1e-3)" : "SGD(lr 0.01)", b));
        }
    }

    private Row infer(Spec s, int t, int batch, String name) {
        String full = s.name() + "/" + name;
        recorder.starting("model " + full + " on " + t + " threads");
        try (Serving w = new Serving(s.model(), batch)) {
            return recorder.measured("model", full, t, batch, "images/s", true, sampler.measure(Sampler.of(w::call)),
                    secs -> batch / secs, null, "Predictor.predict(float[], batch, float[]), batch " + batch);
        }
    }

    private void latency(Spec s, int t) {
        recorder.starting("model " + s.name() + " batch-1 latency on " + t + " threads");
        try (Serving w = new Serving(s.model(), 1)) {
            Sampler.Result res = sampler.latencies(Sampler.of(w::call), quick ? 50 : 200, quick ? 5_000 : 20_000);
            double[] ms = new double[res.secondsPerOp().length];
            for (int i = 0; i < ms.length; i++) {
                ms[i] = res.secondsPerOp()[i] * 1e3;
            }
            Stats st = Stats.of(ms, res.stable(), res.stop(), sampler.rule(), res.warmupSeconds(), res.measureSeconds());
            String how = "single-stream: one image per call, " + ms.length + " calls back to back";
            recorder.derived("model", s.name() + "/latency_p50", t, 1, "ms", false, st.median(), st, how + "; the median");
            recorder.derived("model", s.name() + "/latency_p99", t, 1, "ms", false, st.p99(), p99Verdict(ms, st),
                    how + "; the 99th percentile" + (ms.length < 100 ? " (under 100 calls: the slowest)" : ""));
        }
    }

    private void offline(Spec s, int t) {
        List<Row> tried = new ArrayList<>();
        for (int b : s.offlineBatches()) {
            if (quick && s.model() == Workload.Model.ALEXNET) {
                recorder.skipped("model", s.name() + "/infer_b" + b, t, b, "images/s", true, "not in --quick: AlexNet's "
                        + "batch sweep takes ~10 s; the offline row picks from batch " + s.inferBatch() + " alone");
            } else {
                tried.add(infer(s, t, b, "infer_b" + b));
            }
        }
        recorder.starting("model " + s.name() + " offline best on " + t + " threads");
        recorder.rows().stream().filter(r -> r.id().equals(Row.id("model", s.name() + "/infer", t))).findFirst()
                .ifPresent(tried::add);
        Row best = tried.stream().filter(r -> !r.skipped()).max((a, b) -> Double.compare(a.value(), b.value()))
                .orElseThrow(() -> new IllegalStateException("model " + s.name() + ": no inference row to pick from"));
        StringBuilder batches = new StringBuilder();
        for (Row r : tried) {
            batches.append(batches.isEmpty() ? "" : ", ").append(r.batch());
        }
        // batch 0: the candidates are the setting, the winning batch is a result (two machines may pick differently)
        recorder.derived("model", s.name() + "/offline_best", t, 0, "images/s", true, best.value(), best.stats(),
                "offline: the best inference throughput over batches " + batches + ": batch " + best.batch());
    }

    /**
     * The p99 row's own verdict: a tail needs more samples than a median, so it counts as stable only with at least
     * {@link #P99_MIN_SAMPLES} calls whose two halves' p99 agree within {@link #P99_TOLERANCE} (the p50's verdict says
     * nothing about the tail).
     */
    static Stats p99Verdict(double[] ms, Stats st) {
        int n = ms.length;
        boolean ok = n >= P99_MIN_SAMPLES;
        if (ok) {
            double a = Stability.quantile(java.util.Arrays.copyOfRange(ms, 0, n / 2), 0.99);
            double b = Stability.quantile(java.util.Arrays.copyOfRange(ms, n - n / 2, n), 0.99);
            ok = Math.abs(a - b) <= P99_TOLERANCE * st.p99();
        }
        return new Stats(st.samples(), st.median(), st.p10(), st.p90(), st.p99(), st.min(), st.max(), st.spread(), ok,
                st.noisy(), ok ? "stable" : "p99-unsettled", st.warmupSeconds(), st.measureSeconds());
    }

    static final int P99_MIN_SAMPLES = 200;
    static final double P99_TOLERANCE = 0.10;

    private static boolean slow(Spec s) {
        return s.model() == Workload.Model.ALEXNET;
    }
}
