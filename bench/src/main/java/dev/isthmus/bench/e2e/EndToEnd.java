package dev.isthmus.bench.e2e;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.isthmus.natives.OpenBlasInfo;
import dev.isthmus.runtime.Engine;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * The end-to-end comparison with PyTorch (issue 5): the four workloads of {@code bench/pytorch/peer.py}
 * run in Isthmus on synthetic data, with the same shapes, optimizers, loss and timing scheme.
 * <ul>
 *   <li>{@code mlp_train}: the 784-40x5-10 ReLU MLP, Adam, cross-entropy, batch 64 (images/s)</li>
 *   <li>{@code lenet5_train}: LeNet-5, Adam, cross-entropy, batch 64 (images/s)</li>
 *   <li>{@code lenet5_infer}: LeNet-5 forward in eval mode, batch 256 (images/s)</li>
 *   <li>{@code alexnet_step_s}: one AlexNet (224x224x3, 1000 classes) training step, SGD, batch 16 (seconds)</li>
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
        /** True where a larger value is better (throughput), false for seconds per step. */
        public boolean higherIsBetter() {
            return unit.equals("images/s");
        }
    }

    /** All results of one run, with the engine they ran on. */
    public record Report(int threads, String backend, String blasCore, String java, List<Result> results) {
        /** The JSON peer.py writes, with the same keys: {@code {"threads": 1, "mlp_train": 1234.5, ...}}. */
        public ObjectNode toJson() {
            ObjectNode o = new ObjectMapper().createObjectNode();
            o.put("isthmus", backend);
            o.put("blas_core", blasCore);
            o.put("java", java);
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
        done.accept(infer("lenet5_infer", Workload.Model.LENET5, 256, q ? 5 : 20, q ? 3 : 7, q));
        if (!o.skipAlexnet()) {
            done.accept(alexnetStep(q ? 1 : 3));
        }
        String core = engine.openBlas().map(OpenBlasInfo::coreName).orElse("none");
        return new Report(threads, engine.gemm().name(), core, System.getProperty("java.runtime.version"),
                List.copyOf(results));
    }

    public static Report run(Options o) {
        return run(o, null);
    }

    private static Result train(String key, Workload.Model model, int batch, Workload.Opt opt, int inner, int reps,
                                boolean quick) {
        try (Workload w = new Workload(model, batch, opt, 0)) {
            double[] secs = time(w::trainStep, inner, reps, quick ? 1.0 : 3.0);
            if (!Float.isFinite(w.lastLoss())) {
                throw new IllegalStateException("EndToEnd " + key + ": the loss became " + w.lastLoss());
            }
            return rate(key, batch, secs);
        }
    }

    private static Result infer(String key, Workload.Model model, int batch, int inner, int reps, boolean quick) {
        try (Workload w = new Workload(model, batch, Workload.Opt.SGD, 0)) {
            return rate(key, batch, time(w::inferStep, inner, reps, quick ? 1.0 : 3.0));
        }
    }

    private static Result alexnetStep(int reps) {
        try (Workload w = new Workload(Workload.Model.ALEXNET, 16, Workload.Opt.SGD, 0)) {
            double[] secs = time(w::trainStep, 1, reps, 0);
            return new Result("alexnet_step_s", median(secs), "s/step", 16, secs);
        }
    }

    private static Result rate(String key, int batch, double[] secsPerStep) {
        double[] r = new double[secsPerStep.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = batch / secsPerStep[i];
        }
        return new Result(key, median(r), "images/s", batch, r);
    }

    /**
     * Warm-up, then {@code reps} repetitions of {@code inner} steps; returns each repetition's seconds per step.
     * The warm-up runs rounds of {@code inner} steps until the JIT has settled: at least
     * {@code minWarmupSeconds}, and until three rounds in a row were no more than 3% faster than the best
     * round before them, or {@code 10 x minWarmupSeconds} (at least 10 s) have passed. Vector API code
     * is many times slower before C2 compiles it, and on a loaded machine that takes seconds, so a fixed
     * step count (peer.py's warm-up, enough for PyTorch) would time the interpreter.
     */
    static double[] time(Runnable step, int inner, int reps, double minWarmupSeconds) {
        long start = System.nanoTime();
        long minEnd = start + (long) (minWarmupSeconds * 1e9);
        long maxEnd = start + (long) (Math.max(10, 10 * minWarmupSeconds) * 1e9);
        double best = Double.POSITIVE_INFINITY;
        int stable = 0;
        while (true) {
            long t0 = System.nanoTime();
            for (int i = 0; i < inner; i++) {
                step.run();
            }
            long now = System.nanoTime();
            double t = now - t0;
            stable = t < best * 0.97 ? 0 : stable + 1;
            best = Math.min(best, t);
            if (now >= maxEnd || (now >= minEnd && stable >= 3)) {
                break;
            }
        }
        double[] secs = new double[reps];
        for (int r = 0; r < reps; r++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < inner; i++) {
                step.run();
            }
            secs[r] = (System.nanoTime() - t0) / 1e9 / inner;
        }
        return secs;
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
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
