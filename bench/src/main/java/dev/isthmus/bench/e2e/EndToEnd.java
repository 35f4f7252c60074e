package dev.isthmus.bench.e2e;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.isthmus.natives.OpenBlasInfo;
import dev.isthmus.kernel.Engine;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The end-to-end comparison with PyTorch and ONNX Runtime (issues 5 and 10): the workloads of
 * {@code bench/pytorch/peer.py} (and, for inference, of the ONNX Runtime peer) run in Isthmus on synthetic
 * data, with the same shapes, optimizers, loss and timing scheme ({@link Timing}).
 * <ul>
 *   <li>{@code mlp_train}: the 784-40x5-10 ReLU MLP, Adam, cross-entropy, batch 64 (images/s)</li>
 *   <li>{@code lenet5_train}: LeNet-5, Adam, cross-entropy, batch 64 (images/s)</li>
 *   <li>{@code lenet5_infer_b64}, {@code lenet5_infer}: LeNet-5 forward in eval mode, batch 64 and 256 (images/s)</li>
 *   <li>{@code lenet5_b1_p50_ms}, {@code lenet5_b1_p99_ms}: one-image LeNet-5 forward latency (ms)</li>
 *   <li>{@code alexnet_step_s}: one AlexNet (224x224x3, 1000 classes) training step, SGD, batch 16 (seconds)</li>
 *   <li>{@code alexnet_infer_b16}: AlexNet forward in eval mode, batch 16 (images/s)</li>
 *   <li>{@code alexnet_b1_p50_ms}, {@code alexnet_b1_p99_ms}: one-image AlexNet forward latency (ms)</li>
 * </ul>
 * Each figure is the median over repetitions of the mean time of {@code inner} steps (peer.py's counts),
 * after a warm-up that lasts until the step time has settled, so the JIT has compiled the step before
 * timing starts. The JSON written by {@code --json} uses peer.py's keys, so
 * {@code bench/run-e2e.sh} can put the two side by side.
 *
 * <pre>java ... dev.isthmus.bench.e2e.EndToEnd --threads 1 [--quick] [--skip-alexnet] [--json out.json]</pre>
 */
public final class EndToEnd {
    private EndToEnd() {
    }

    /** What to run: engine threads (0 = all processors), short repetitions, and whether to skip AlexNet. */
    public record Options(int threads, boolean quick, boolean skipAlexnet) {
        public Options {
            if (threads < 0) {
                throw new IllegalArgumentException("EndToEnd: threads must be >= 0 (0 = all processors), got " + threads);
            }
        }

        public static Options defaults() {
            return new Options(0, false, false);
        }

        /** Parses {@code --threads N}, {@code --quick}, {@code --skip-alexnet}; {@code --json} is left to the caller. */
        static Options parse(List<String> args) {
            int threads = 0;
            boolean quick = false, skip = false;
            for (int i = 0; i < args.size(); i++) {
                switch (args.get(i)) {
                    case "--threads" -> {
                        if (i + 1 >= args.size()) {
                            throw new IllegalArgumentException("EndToEnd: --threads needs a value");
                        }
                        try {
                            threads = Integer.parseInt(args.get(++i));
                        } catch (NumberFormatException e) {
                            throw new IllegalArgumentException("EndToEnd: --threads must be an integer, got '" + args.get(i) + "'");
                        }
                    }
                    case "--quick" -> quick = true;
                    case "--skip-alexnet" -> skip = true;
                    case "--json" -> i++;
                    default -> throw new IllegalArgumentException("EndToEnd: unknown option '" + args.get(i)
                            + "' (options: --threads N, --quick, --skip-alexnet, --json OUT)");
                }
            }
            return new Options(threads, quick, skip);
        }
    }

    /**
     * One measured workload: its peer.py key, the figure, its unit ({@code images/s} or {@code s/step}),
     * the batch, and every repetition's figure (the value is their median).
     */
    public record Result(String key, double value, String unit, int batch, double[] repetitions) {
        /** True where a larger value is better (throughput), false for seconds per step and latencies. */
        public boolean higherIsBetter() {
            return unit.equals("images/s");
        }
    }

    /** All results of one run, with the engine they ran on (the OpenBLAS it loaded, if any, and the Vector API verdict). */
    public record Report(int threads, String backend, Optional<OpenBlasInfo> blas, String java, String vectors,
                         List<Result> results) {
        /** The JSON peer.py writes, with the same keys: {@code {"threads": 1, "mlp_train": 1234.5, ...}}. */
        public ObjectNode toJson() {
            ObjectNode o = new ObjectMapper().createObjectNode();
            o.put("isthmus", backend);
            o.put("java", java);
            o.put("vector_api", vectors);
            ObjectNode b = o.putObject("blas");
            b.put("libs", blas.map(i -> i.path().toString()).orElse("none (Vector API GEMM)"));
            b.put("openblas_core", blas.map(OpenBlasInfo::coreName).orElse(null));
            b.put("openblas_config", blas.map(OpenBlasInfo::config).orElse(null));
            b.put("openblas_coretype_env", System.getenv("OPENBLAS_CORETYPE"));
            o.put("threads", threads);
            for (Result r : results) {
                o.put(r.key(), r.value());
            }
            return o;
        }
    }

    /** Runs the workloads; {@code progress} receives one line per finished workload (may be null). */
    public static Report run(Options o, Consumer<String> progress) {
        int threads = o.threads() == 0 ? Runtime.getRuntime().availableProcessors() : o.threads();
        Engine engine = Engine.configure(threads, Engine.Backend.AUTO);
        boolean q = o.quick();
        List<Result> results = new ArrayList<>();
        Consumer<Result> done = r -> {
            results.add(r);
            if (progress != null) {
                progress.accept(String.format(Locale.ROOT, "%-15s %12.2f %s (batch %d, %d threads)", r.key(), r.value(),
                        r.unit(), r.batch(), threads));
            }
        };
        done.accept(train("mlp_train", Workload.Model.MLP, 64, Workload.Opt.ADAM, q ? 20 : 100, q ? 3 : 7, q));
        done.accept(train("lenet5_train", Workload.Model.LENET5, 64, Workload.Opt.ADAM, q ? 10 : 40, q ? 3 : 7, q));
        done.accept(infer("lenet5_infer_b64", Workload.Model.LENET5, 64, q ? 10 : 60, q ? 3 : 7, q));
        done.accept(infer("lenet5_infer", Workload.Model.LENET5, 256, q ? 5 : 20, q ? 3 : 7, q));
        latency("lenet5_b1", Workload.Model.LENET5, 50, q ? 1.0 : 3.0, q ? 200 : 2000).forEach(done);
        if (!o.skipAlexnet()) {
            done.accept(alexnetStep(q ? 1 : 3));
            try (Workload w = new Workload(Workload.Model.ALEXNET, 16, Workload.Opt.SGD, 0)) {
                done.accept(rate("alexnet_infer_b16", 16, Timing.time(w::inferStep, q ? 1 : 2, q ? 2 : 3, 0)));
            }
            latency("alexnet_b1", Workload.Model.ALEXNET, 2, 0, q ? 5 : 30).forEach(done);
        }
        return new Report(threads, engine.gemm().name(), engine.openBlas(), System.getProperty("java.runtime.version"),
                engine.vectorSupport().describe(), List.copyOf(results));
    }

    public static Report run(Options o) {
        return run(o, null);
    }

    private static Result train(String key, Workload.Model model, int batch, Workload.Opt opt, int inner, int reps,
                                boolean quick) {
        try (Workload w = new Workload(model, batch, opt, 0)) {
            double[] secs = Timing.time(w::trainStep, inner, reps, quick ? 1.0 : 3.0);
            if (!Float.isFinite(w.lastLoss())) {
                throw new IllegalStateException("EndToEnd " + key + ": the loss became " + w.lastLoss());
            }
            return rate(key, batch, secs);
        }
    }

    private static Result infer(String key, Workload.Model model, int batch, int inner, int reps, boolean quick) {
        try (Workload w = new Workload(model, batch, Workload.Opt.SGD, 0)) {
            return rate(key, batch, Timing.time(w::inferStep, inner, reps, quick ? 1.0 : 3.0));
        }
    }

    /** Single-image forward calls in eval mode: {@code <key>_p50_ms} and {@code <key>_p99_ms}. */
    private static List<Result> latency(String key, Workload.Model model, int warmupInner, double warmupSeconds,
                                        int samples) {
        try (Workload w = new Workload(model, 1, Workload.Opt.SGD, 0)) {
            double[] p = Timing.latencyMs(w::inferStep, warmupInner, warmupSeconds, samples);
            return List.of(new Result(key + "_p50_ms", p[0], "ms", 1, new double[]{p[0]}),
                    new Result(key + "_p99_ms", p[1], "ms", 1, new double[]{p[1]}));
        }
    }

    private static Result alexnetStep(int reps) {
        try (Workload w = new Workload(Workload.Model.ALEXNET, 16, Workload.Opt.SGD, 0)) {
            double[] secs = Timing.time(w::trainStep, 1, reps, 0);
            return new Result("alexnet_step_s", Timing.median(secs), "s/step", 16, secs);
        }
    }

    private static Result rate(String key, int batch, double[] secsPerStep) {
        double[] r = new double[secsPerStep.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = batch / secsPerStep[i];
        }
        return new Result(key, Timing.median(r), "images/s", batch, r);
    }

    public static void main(String[] args) throws IOException {
        List<String> list = Arrays.asList(args);
        if (list.contains("--help") || list.contains("-h")) {
            System.out.println("usage: EndToEnd [--threads N] [--quick] [--skip-alexnet] [--json OUT]");
            return;
        }
        Options o;
        try {
            o = Options.parse(list);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        int j = list.indexOf("--json");
        Path json = j >= 0 && j + 1 < list.size() ? Path.of(list.get(j + 1)) : null;
        PrintStream out = System.out;
        Report report = run(o, out::println);
        String text = new ObjectMapper().writeValueAsString(report.toJson());
        out.println(text);
        if (json != null) {
            Files.writeString(json, text + "\n");
        }
    }
}
