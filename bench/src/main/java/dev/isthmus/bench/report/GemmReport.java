package dev.isthmus.bench.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.isthmus.bench.kernel.GemmShape;
import dev.isthmus.natives.OpenBlas;
import dev.isthmus.natives.OpenBlasInfo;
import dev.isthmus.runtime.ThreadBudget;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.DoublePredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Turns the JMH JSON results of {@code GemmBenchmark}/{@code GemmCallBenchmark} and the output of the C
 * program {@code sgemm_bench} into the Markdown report of {@code bench/run-gemm.sh}: GFLOP/s per shape
 * and thread count, FFM against C on the same library, the Vector API GEMM against OpenBLAS, the cost
 * of one n = 8 call, and the targets, met or missed.
 *
 * <p>Every figure is a median: of the JMH measurement iterations (each an average over its
 * operations) on the Java side, of the C program's samples on the other. The shapes of the FFM/C
 * target ({@link #FFM_TARGET_SHAPES}) may be measured in several rounds, the C program and the JMH
 * OpenBLAS run alternating, each round back to back: the host's speed drifts by several percent over
 * a minute on a shared machine, so only figures taken close together compare. For such rows the table
 * shows each side's median over rounds, while FFM/C and its verdict are the median of the paired
 * per-round ratios {@code FFM_r / C_r}, which cancels the drift between rounds. A JMH file's round is
 * the N of a name ending in {@code -rN.json} (else 1), a C result's the ROUND field of its line (else 1).
 * Subcommands, used by the script:
 * <pre>
 *   shapes all|quick|LIST    the shapes' enum names, comma-separated (for JMH's -p shape=)
 *   spec all|quick|LIST      one line per shape for sgemm_bench's standard input
 *   blas                     the path of the OpenBLAS library the engine loads
 *   parallel-min-macs        ThreadBudget.BLAS_PARALLEL_MIN_MACS (smaller products run OpenBLAS on one thread)
 *   ffm-target-shapes        the shapes of the FFM/C target, comma-separated (the ones the script measures in rounds)
 *   report --jmh FILE... --c FILE [--out FILE] [--command S] [--mode S] [--settings S]
 *          [--load-before S] [--load-after S] [--date S]
 * </pre>
 */
public final class GemmReport {

    /** Which figure a score is: a benchmark method (or "c") at a shape (null for n = 8 call benchmarks) and thread count. */
    record Key(String bench, GemmShape shape, int threads) {
    }

    /**
     * One measured figure.
     *
     * @param medianNs        median ns per operation
     * @param bestNs          the fastest iteration or sample, ns per operation: under load, the figure least
     *                        disturbed by other processes
     * @param allocBytesPerOp bytes allocated per operation ({@code -prof gc}), NaN when not measured
     */
    record Score(double medianNs, double bestNs, double allocBytesPerOp) {
    }

    /** Everything the report is made of. */
    static final class Results {
        /** Each key's figures by round number (1 for what ran once). */
        final Map<Key, SortedMap<Integer, Score>> scores = new LinkedHashMap<>();
        String cLibrary;
        String cConfig;
        String cCore;
        double fmaPeak1t = Double.NaN;
        /** ThreadBudget.BLAS_PARALLEL_MIN_MACS as the C program was given it; 0 when not known. */
        long parallelMinMacs;
        /** FfmInterleaved's per-pair FFM/C speed ratios by shape and thread count (key bench: {@link #OPENBLAS}). */
        final Map<Key, List<Double>> interleaved = new LinkedHashMap<>();

        /** The OpenBLAS thread count a product of this shape gets at {@code threads} threads. */
        int blasThreads(GemmShape shape, int threads) {
            return (long) shape.m * shape.n * shape.k < parallelMinMacs ? 1 : threads;
        }

        void put(Key key, int round, Score score) {
            if (round < 1) {
                throw new IllegalArgumentException("GemmReport: round " + round + " of " + key + " (rounds count from 1)");
            }
            Score old = scores.computeIfAbsent(key, x -> new TreeMap<>()).putIfAbsent(round, score);
            if (old != null) {
                throw new IllegalArgumentException("GemmReport: two results for " + key.bench() + " " + key.shape()
                        + " at " + key.threads() + " threads in round " + round + " (a JMH file or sgemm_bench output given twice?)");
            }
        }

        /** The figures of every round, in round order; empty when not measured. */
        Map<Integer, Score> rounds(String bench, GemmShape shape, int threads) {
            return scores.getOrDefault(new Key(bench, shape, threads), Collections.emptySortedMap());
        }

        /** The rounds taken together: median of the medians, fastest of the fastest, median allocation. */
        Optional<Score> get(String bench, GemmShape shape, int threads) {
            Map<Integer, Score> all = rounds(bench, shape, threads);
            if (all.isEmpty()) {
                return Optional.empty();
            }
            return Optional.of(new Score(median(all.values().stream().map(Score::medianNs).toList()),
                    all.values().stream().mapToDouble(Score::bestNs).min().orElseThrow(),
                    median(all.values().stream().map(Score::allocBytesPerOp).toList())));
        }

        /** GFLOP/s, the median over rounds of each round's figure. */
        double gflops(String bench, GemmShape shape, int threads) {
            Map<Integer, Score> all = rounds(bench, shape, threads);
            return all.isEmpty() ? Double.NaN : median(all.values().stream().map(s -> shape.flops() / s.medianNs()).toList());
        }

        double ns(String bench, GemmShape shape, int threads) {
            return get(bench, shape, threads).map(Score::medianNs).orElse(Double.NaN);
        }

        double bestGflops(String bench, GemmShape shape, int threads) {
            return get(bench, shape, threads).map(s -> shape.flops() / s.bestNs()).orElse(Double.NaN);
        }

        double bestNs(String bench, GemmShape shape, int threads) {
            return get(bench, shape, threads).map(Score::bestNs).orElse(Double.NaN);
        }

        /**
         * The GFLOP/s ratio {@code a_r / b_r} of every round both were measured in, in round order: each
         * round's two runs were back to back, so the host's drift from round to round cancels in it.
         */
        List<Double> pairedRatios(String a, String b, GemmShape shape, int threads) {
            Map<Integer, Score> bRounds = rounds(b, shape, threads);
            List<Double> ratios = new ArrayList<>();
            rounds(a, shape, threads).forEach((round, sa) -> {
                Score sb = bRounds.get(round);
                if (sb != null) {
                    ratios.add(shape.flops() / sa.medianNs() / (shape.flops() / sb.medianNs()));
                }
            });
            return ratios;
        }

        /**
         * GFLOP/s of {@code a} over {@code b}: the median of the paired per-round ratios, or the ratio of
         * the two medians when no round has both.
         */
        double ratio(String a, String b, GemmShape shape, int threads) {
            List<Double> pairs = a.equals(OPENBLAS) && b.equals(C) ? interleaved.get(new Key(OPENBLAS, shape, threads)) : null;
            if (pairs != null && !pairs.isEmpty()) {
                return median(pairs);
            }
            List<Double> paired = pairedRatios(a, b, shape, threads);
            return paired.isEmpty() ? gflops(a, shape, threads) / gflops(b, shape, threads) : median(paired);
        }

        TreeSet<Integer> threadCounts() {
            return scores.keySet().stream().map(Key::threads).collect(Collectors.toCollection(TreeSet::new));
        }
    }

    /** The run's circumstances, printed above the tables. */
    record Context(String date, String mode, String command, String settings, String loadBefore, String loadAfter,
                   String jdk, String javaBlas, CpuPeak cpu) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    static final String OPENBLAS = "openblas";
    static final String VECTOR = "vector";
    static final String C = "c";
    static final String CRITICAL = "cblasCritical";
    static final String PLAIN = "cblasPlain";
    static final String CHECKS = "checksOnly";
    static final String ADDRESS = "cblasAddress";
    /** The shapes of the target "OpenBLAS via FFM >= 97% of C for n >= 256": the square ones from 256 up. */
    static final List<GemmShape> FFM_TARGET_SHAPES = List.of(GemmShape.SQ_256, GemmShape.SQ_512, GemmShape.SQ_1024,
            GemmShape.SQ_2048);
    private static final Pattern ROUND_FILE = Pattern.compile("-r(\\d+)\\.json$");

    private GemmReport() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length == 0) {
            usage("no subcommand");
        }
        switch (args[0]) {
            case "shapes" -> System.out.println(GemmShape.parseList(arg(args, 1, "all")).stream()
                    .map(Enum::name).collect(Collectors.joining(",")));
            case "spec" -> GemmShape.parseList(arg(args, 1, "all")).forEach(s -> System.out.println(s.specLine()));
            case "blas" -> {
                Optional<OpenBlasInfo> info = OpenBlas.load();
                if (info.isEmpty()) {
                    System.err.println("GemmReport: OpenBLAS could not be loaded; tried: " + OpenBlas.attempts());
                    System.exit(1);
                }
                System.out.println(info.get().path());
            }
            case "parallel-min-macs" -> System.out.println(ThreadBudget.BLAS_PARALLEL_MIN_MACS);
            case "ffm-target-shapes" -> System.out.println(FFM_TARGET_SHAPES.stream().map(Enum::name)
                    .collect(Collectors.joining(",")));
            case "report" -> report(Arrays.copyOfRange(args, 1, args.length));
            default -> usage("unknown subcommand '" + args[0] + "'");
        }
    }

    private static String arg(String[] args, int i, String fallback) {
        return args.length > i ? args[i] : fallback;
    }

    private static void usage(String why) {
        System.err.println("GemmReport: " + why + "\nusage: GemmReport shapes|spec [all|quick|SQ_8,...] | blas | "
                + "parallel-min-macs | ffm-target-shapes | report --jmh FILE... --c FILE [--out FILE] [--command S] "
                + "[--mode S] [--settings S] [--load-before S] [--load-after S] [--date S]\n"
                + "(a JMH file named ...-rN.json holds round N; sgemm_bench's RESULT lines carry their round)");
        System.exit(2);
    }

    private static void report(String[] args) throws IOException {
        List<Path> jmh = new ArrayList<>();
        Path c = null;
        Path interleaved = null;
        Path out = null;
        Map<String, String> opts = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--jmh")) {
                while (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                    jmh.add(Path.of(args[++i]));
                }
            } else if (a.startsWith("--") && i + 1 < args.length) {
                String v = args[++i];
                switch (a) {
                    case "--c" -> c = Path.of(v);
                    case "--interleaved" -> interleaved = Path.of(v);
                    case "--out" -> out = Path.of(v);
                    default -> opts.put(a.substring(2), v);
                }
            } else {
                usage("unexpected argument '" + a + "'");
            }
        }
        if (jmh.isEmpty() || c == null) {
            usage("report needs --jmh FILE... and --c FILE");
        }
        Results r = new Results();
        for (Path p : jmh) {
            readJmh(Files.readString(p), roundOf(p), r);
        }
        readC(Files.readString(c), r);
        if (interleaved != null) {
            readInterleaved(Files.readString(interleaved), r);
        }
        String javaBlas = OpenBlas.load().map(i -> i.path() + "; config: " + i.config() + "; core: " + i.coreName())
                .orElse("not loaded: " + OpenBlas.attempts());
        Context ctx = new Context(opts.getOrDefault("date", java.time.ZonedDateTime.now().toString()),
                opts.getOrDefault("mode", "full"), opts.getOrDefault("command", "bench/run-gemm.sh"),
                opts.getOrDefault("settings", ""), opts.getOrDefault("load-before", "?"),
                opts.getOrDefault("load-after", "?"),
                System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version")
                        + " (" + System.getProperty("java.vendor") + ")",
                javaBlas, CpuPeak.detect());
        String md = render(r, ctx);
        System.out.print(md);
        if (out != null) {
            Files.writeString(out, md);
        }
    }

    /** The round a JMH file holds: N for a name ending in {@code -rN.json}, else 1. */
    static int roundOf(Path jmhFile) {
        Matcher m = ROUND_FILE.matcher(jmhFile.getFileName().toString());
        return m.find() ? Integer.parseInt(m.group(1)) : 1;
    }

    /** Adds the results of one JMH JSON file (an array of benchmark results) of round 1. */
    static void readJmh(String json, Results into) {
        readJmh(json, 1, into);
    }

    /** Adds the results of one JMH JSON file (an array of benchmark results) as round {@code round}. */
    static void readJmh(String json, int round, Results into) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException("GemmReport: JMH results are not valid JSON", e);
        }
        if (!root.isArray()) {
            throw new IllegalArgumentException("GemmReport: JMH results must be a JSON array, got " + root.getNodeType());
        }
        for (JsonNode b : root) {
            String benchmark = b.path("benchmark").asText();
            String method = benchmark.substring(benchmark.lastIndexOf('.') + 1);
            JsonNode params = b.path("params");
            GemmShape shape = params.has("shape") ? GemmShape.valueOf(params.get("shape").asText()) : null;
            int threads = params.path("threads").asInt(1);
            JsonNode primary = b.path("primaryMetric");
            String unit = primary.path("scoreUnit").asText();
            if (!unit.equals("ns/op")) {
                throw new IllegalArgumentException("GemmReport: " + benchmark + " scored in '" + unit + "', expected ns/op "
                        + "(average-time mode, nanoseconds)");
            }
            List<Double> raw = new ArrayList<>();
            for (JsonNode fork : primary.path("rawData")) {
                for (JsonNode v : fork) {
                    raw.add(v.asDouble());
                }
            }
            double median = raw.isEmpty() ? primary.path("score").asDouble() : median(raw);
            double best = raw.stream().mapToDouble(Double::doubleValue).min().orElse(median);
            double alloc = Double.NaN;
            Iterator<Map.Entry<String, JsonNode>> it = b.path("secondaryMetrics").properties().iterator();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().endsWith("gc.alloc.rate.norm")) {
                    alloc = e.getValue().path("score").asDouble();
                }
            }
            into.put(new Key(method, shape, threads), round, new Score(median, best, alloc));
        }
    }

    /** Adds the lines of sgemm_bench's output; a RESULT line without the ROUND field is round 1. */
    static void readC(String text, Results into) {
        for (String line : text.split("\n")) {
            String[] w = line.trim().split("\\s+", 2);
            switch (w[0]) {
                case "LIB" -> into.cLibrary = w.length > 1 ? w[1] : "";
                case "CONFIG" -> into.cConfig = w.length > 1 ? w[1] : "";
                case "CORE" -> into.cCore = w.length > 1 ? w[1] : "";
                case "FMA_PEAK_1T" -> into.fmaPeak1t = Double.parseDouble(w[1].trim());
                case "PARALLEL_MIN_MACS" -> into.parallelMinMacs = Long.parseLong(w[1].trim());
                case "RESULT" -> {
                    String[] f = w[1].trim().split("\\s+");
                    if (f.length < 3) {
                        throw new IllegalArgumentException("GemmReport: bad sgemm_bench line '" + line + "'");
                    }
                    into.put(new Key(C, GemmShape.valueOf(f[0]), Integer.parseInt(f[1])), f.length > 7 ? Integer.parseInt(f[7]) : 1,
                            new Score(Double.parseDouble(f[2]), f.length > 3 ? Double.parseDouble(f[3]) : Double.NaN,
                                    Double.NaN));
                }
                default -> {
                }
            }
        }
    }

    /** Adds FfmInterleaved's lines: {@code INTERLEAVED SHAPE THREADS RATIO...}. */
    static void readInterleaved(String text, Results into) {
        for (String line : text.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 0 || !f[0].equals("INTERLEAVED")) {
                continue;
            }
            if (f.length < 4) {
                throw new IllegalArgumentException("GemmReport: bad FfmInterleaved line '" + line + "'");
            }
            List<Double> ratios = new ArrayList<>();
            for (int i = 3; i < f.length; i++) {
                ratios.add(Double.parseDouble(f[i]));
            }
            into.interleaved.put(new Key(OPENBLAS, GemmShape.valueOf(f[1]), Integer.parseInt(f[2])), List.copyOf(ratios));
        }
    }

    static double median(List<Double> values) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
    }

    /** The whole Markdown report. */
    static String render(Results r, Context ctx) {
        StringBuilder sb = new StringBuilder();
        CpuPeak cpu = ctx.cpu();
        sb.append("# GEMM: OpenBLAS through FFM, the same OpenBLAS from C, and the Vector API GEMM\n\n");
        sb.append("- date: ").append(ctx.date()).append(" (").append(ctx.mode()).append(" mode)\n");
        sb.append("- command: `").append(ctx.command()).append("`\n");
        sb.append("- machine: ").append(cpu.model()).append(" (").append(cpu.vendor()).append(", family ")
                .append(cpu.family()).append(", model ").append(cpu.modelNumber()).append("), ").append(cpu.cores())
                .append(" cores, ").append(cpu.logicalCpus()).append(" logical CPUs; SIMD flags: ")
                .append(String.join(" ", cpu.simdFlags())).append('\n');
        sb.append("- theoretical FP32 peak: ").append(cpu.derivation()).append('\n');
        if (!Double.isNaN(r.fmaPeak1t) && r.fmaPeak1t > 0) {
            sb.append(String.format(Locale.ROOT, "- measured FP32 FMA throughput (sgemm_bench, 12 chains of 256-bit "
                    + "FMAs, one thread): %.1f GFLOP/s = %.0f%% of the theoretical per-core figure%s\n", r.fmaPeak1t,
                    100 * r.fmaPeak1t / cpu.gflops(1), r.fmaPeak1t > 1.15 * cpu.gflops(1)
                            ? " (above it: the CPU model or clock the hypervisor shows is not the real one, "
                            + "so the measured figure is the better ceiling)" : ""));
        }
        sb.append("- load average (1, 5, 15 min): before ").append(ctx.loadBefore()).append(", after ")
                .append(ctx.loadAfter()).append('\n');
        sb.append("- JDK: ").append(ctx.jdk()).append('\n');
        sb.append("- OpenBLAS (Java): ").append(ctx.javaBlas()).append('\n');
        if (r.cLibrary != null) {
            sb.append("- OpenBLAS (C): ").append(r.cLibrary).append("; config: ").append(r.cConfig).append("; core: ")
                    .append(r.cCore).append('\n');
        }
        String rounds = roundsMethod(r);
        if (!ctx.settings().isBlank() || !rounds.isEmpty()) {
            sb.append("- method: ").append(ctx.settings()).append(ctx.settings().isBlank() || rounds.isEmpty() ? "" : "; ")
                    .append(rounds).append('\n');
        }

        double peak1 = peakReference(r, cpu, 1);
        sb.append("\n## GFLOP/s\n\n");
        sb.append("Medians; one operation is `count` products (the per-image rows: 64). \"% of peak\" is against ")
                .append(peakReferenceName(r, cpu)).append(String.format(Locale.ROOT,
                        " (%s GFLOP/s per thread, one thread per core).", gf(peak1)))
                .append(" Vector / OpenBLAS 1t compares the Vector API GEMM at the row's thread count with "
                        + "OpenBLAS (FFM) on one thread. FFM alloc B/op is JMH's gc.alloc.rate.norm: bytes allocated per "
                        + "operation in the whole JVM, so for operations of milliseconds it is JMH's own per-iteration "
                        + "bookkeeping spread over few operations; it is meaningful for the short ones.");
        if (r.parallelMinMacs > 0) {
            sb.append(String.format(Locale.ROOT, " \"2 (BLAS 1)\": products under %,d multiply-adds run OpenBLAS on one "
                    + "thread (the engine's ThreadBudget.fitBlasTo), and the C program does the same; the Vector API GEMM "
                    + "has its own rule for when a product is worth splitting over threads (see VectorGemm).", r.parallelMinMacs));
        }
        if (!rounds.isEmpty()) {
            sb.append(" Rows measured in several rounds show each side's median over rounds, and FFM/C the median of the "
                    + "per-round ratios, which need not equal the ratio of the two medians shown.");
        }
        if (!r.interleaved.isEmpty()) {
            sb.append(" For the rows FfmInterleaved measured (see the targets below), FFM/C is the median of its "
                    + "interleaved pairs, not the ratio of the two GFLOP/s cells, which come from separate runs.");
        }
        sb.append("\n\n");
        sb.append("| shape | threads | OpenBLAS via FFM | C, same library | FFM/C | FFM % of peak | Vector API "
                + "| Vector / OpenBLAS 1t | Vector 2t/1t | FFM alloc B/op |\n");
        sb.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (GemmShape s : GemmShape.values()) {
            for (int t : r.threadCounts()) {
                double ffm = r.gflops(OPENBLAS, s, t);
                double c = r.gflops(C, s, t);
                double vec = r.gflops(VECTOR, s, t);
                if (Double.isNaN(ffm) && Double.isNaN(c) && Double.isNaN(vec)) {
                    continue;
                }
                double alloc = r.get(OPENBLAS, s, t).map(Score::allocBytesPerOp).orElse(Double.NaN);
                sb.append("| ").append(s.label).append(" | ").append(t)
                        .append(r.blasThreads(s, t) != t ? " (BLAS " + r.blasThreads(s, t) + ")" : "")
                        .append(" | ").append(gf(ffm))
                        .append(" | ").append(gf(c))
                        .append(" | ").append(pct(r.ratio(OPENBLAS, C, s, t)))
                        .append(" | ").append(pct(ffm / peakReference(r, cpu, t)))
                        .append(" | ").append(gf(vec))
                        .append(" | ").append(pct(vec / r.gflops(OPENBLAS, s, 1)))
                        .append(" | ").append(t == 1 ? "" : ratio(vec / r.gflops(VECTOR, s, 1)))
                        .append(" | ").append(bytes(alloc))
                        .append(" |\n");
            }
        }

        sb.append("\n## One 8x8x8 call (ns per call, medians)\n\n");
        sb.append("| threads | OpenBlasGemm (FFM) | cblas_h.cblas_sgemm (critical downcall) | plain downcall "
                + "| critical, raw addresses | C | OpenBlasGemm − C | GemmChecks alone | VectorGemm | OpenBlasGemm alloc B/call | GemmChecks alloc B/call |\n");
        sb.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (int t : r.threadCounts()) {
            double gemm = r.ns(OPENBLAS, GemmShape.SQ_8, t);
            double c = r.ns(C, GemmShape.SQ_8, t);
            if (Double.isNaN(gemm) && Double.isNaN(c)) {
                continue;
            }
            double alloc = r.get(OPENBLAS, GemmShape.SQ_8, t).map(Score::allocBytesPerOp).orElse(Double.NaN);
            sb.append("| ").append(t)
                    .append(" | ").append(ns(gemm))
                    .append(" | ").append(ns(r.ns(CRITICAL, null, t)))
                    .append(" | ").append(ns(r.ns(PLAIN, null, t)))
                    .append(" | ").append(ns(r.ns(ADDRESS, null, t)))
                    .append(" | ").append(ns(c))
                    .append(" | ").append(ns(gemm - c))
                    .append(" | ").append(ns(r.ns(CHECKS, null, t)))
                    .append(" | ").append(ns(r.ns(VECTOR, GemmShape.SQ_8, t)))
                    .append(" | ").append(bytes(alloc))
                    .append(" | ").append(bytes(r.get(CHECKS, null, t).map(Score::allocBytesPerOp).orElse(Double.NaN)))
                    .append(" |\n");
        }

        sb.append("\n## The issue's targets\n\n");
        sb.append("Verdicts are on the medians; in brackets the same ratio from the fastest iteration/sample of each "
                + "side, the figure least disturbed by other processes when the machine is shared.");
        if (!rounds.isEmpty()) {
            sb.append(" FFM/C rows measured in several rounds show instead the paired per-round ratios in round order; "
                    + "the verdict is on their median.");
        }
        if (!r.interleaved.isEmpty()) {
            sb.append(" FFM/C rows marked \"interleaved\" come from FfmInterleaved: in one JVM, on the same thread, "
                    + "matrices and OpenBLAS thread count, a C loop of cblas_sgemm calls (bench/src/main/c/sgemm_loop.c, "
                    + "called once per sample with the bindings' own function pointer) and the engine's FFM calls timed "
                    + "back to back in alternating order; the verdict is on the median of the pairs' ratios "
                    + "(time_C / time_FFM), with the range of the pairs in brackets. Pairs a fraction of a second apart "
                    + "see the same host, which runs far apart (the C program, then a JMH fork) do not.");
        }
        sb.append("\n\n");
        List<String> ffm = new ArrayList<>();
        List<Double> ffmValues = new ArrayList<>();
        for (GemmShape s : FFM_TARGET_SHAPES) {
            for (int t : r.threadCounts()) {
                double v = r.ratio(OPENBLAS, C, s, t);
                if (!Double.isNaN(v)) {
                    List<Double> paired = r.pairedRatios(OPENBLAS, C, s, t);
                    List<Double> pairs = r.interleaved.get(new Key(OPENBLAS, s, t));
                    String detail = pairs != null && !pairs.isEmpty()
                            ? String.format(Locale.ROOT, "interleaved: %d pairs, %.1f-%.1f%%", pairs.size(),
                                    100 * pairs.stream().mapToDouble(Double::doubleValue).min().orElseThrow(),
                                    100 * pairs.stream().mapToDouble(Double::doubleValue).max().orElseThrow())
                            : paired.size() > 1
                            ? "rounds " + paired.stream().map(x -> String.format(Locale.ROOT, "%.1f", 100 * x))
                                    .collect(Collectors.joining(", ")) + "%"
                            : pct(r.bestGflops(OPENBLAS, s, t) / r.bestGflops(C, s, t));
                    ffm.add(s.label + " " + t + "t " + pct(v) + " (" + detail + ")");
                    ffmValues.add(v);
                }
            }
        }
        target(sb, "OpenBLAS via FFM >= 97% of C GFLOP/s for n >= 256", ffm, ffmValues, v -> v >= 0.97);
        List<String> call = new ArrayList<>();
        List<Double> callValues = new ArrayList<>();
        for (int t : r.threadCounts()) {
            double d = r.ns(OPENBLAS, GemmShape.SQ_8, t) - r.ns(C, GemmShape.SQ_8, t);
            if (!Double.isNaN(d)) {
                call.add(t + "t " + signedNs(d) + " ns (" + signedNs(r.bestNs(OPENBLAS, GemmShape.SQ_8, t)
                        - r.bestNs(C, GemmShape.SQ_8, t)) + " ns)");
                callValues.add(d);
            }
        }
        target(sb, "OpenBLAS via FFM within 100 ns per call of C at n = 8", call, callValues, v -> v <= 100);
        List<String> vec = new ArrayList<>();
        List<Double> vecValues = new ArrayList<>();
        List<String> scale = new ArrayList<>();
        List<Double> scaleValues = new ArrayList<>();
        for (GemmShape s : List.of(GemmShape.SQ_512, GemmShape.SQ_1024)) {
            double v = r.gflops(VECTOR, s, 1) / r.gflops(OPENBLAS, s, 1);
            if (!Double.isNaN(v)) {
                vec.add(s.label + " " + pct(v) + " (" + pct(r.bestGflops(VECTOR, s, 1) / r.bestGflops(OPENBLAS, s, 1)) + ")");
                vecValues.add(v);
            }
            double sc = r.gflops(VECTOR, s, 2) / r.gflops(VECTOR, s, 1);
            if (!Double.isNaN(sc)) {
                scale.add(s.label + " " + ratio(sc) + " (" + ratio(r.bestGflops(VECTOR, s, 2) / r.bestGflops(VECTOR, s, 1)) + ")");
                scaleValues.add(sc);
            }
        }
        target(sb, "Vector API GEMM >= 50% of single-threaded OpenBLAS at n = 512 and 1024", vec, vecValues, v -> v >= 0.5);
        target(sb, "Vector API GEMM on 2 threads >= 1.6x its 1-thread speed (n = 512 and 1024)", scale, scaleValues,
                v -> v >= 1.6);
        return sb.toString();
    }

    /**
     * The method line's account of the rounds: which shapes were measured in several and how the figures
     * combine; empty when every figure is from one round.
     */
    private static String roundsMethod(Results r) {
        List<String> shapes = new ArrayList<>();
        int least = Integer.MAX_VALUE;
        int most = 0;
        for (GemmShape s : GemmShape.values()) {
            List<Integer> counts = r.threadCounts().stream().map(t -> r.pairedRatios(OPENBLAS, C, s, t).size())
                    .filter(n -> n > 0).toList();
            if (counts.stream().anyMatch(n -> n > 1)) {
                shapes.add(s.label);
                least = Math.min(least, counts.stream().mapToInt(Integer::intValue).min().orElseThrow());
                most = Math.max(most, counts.stream().mapToInt(Integer::intValue).max().orElseThrow());
            }
        }
        if (shapes.isEmpty()) {
            return "";
        }
        return String.join(", ", shapes) + " in "
                + (least == most ? least : least + "-" + most) + " paired rounds (the C program, then JMH OpenBLAS, "
                + "back to back, alternating; each round with the settings above, the Vector API JMH once), whose GFLOP/s are each side's median over rounds and whose FFM/C "
                + "(and its verdict) is the median of the per-round ratios FFM_r / C_r, so the host's drift between "
                + "rounds cancels";
    }

    /** The per-thread ceiling for "% of peak": the measured FMA throughput when it exceeds the derived peak. */
    private static double peakReference(Results r, CpuPeak cpu, int threads) {
        double derived = cpu.gflops(threads);
        if (!Double.isNaN(r.fmaPeak1t) && r.fmaPeak1t > 1.15 * cpu.gflops(1)) {
            return Math.min(threads, cpu.cores()) * r.fmaPeak1t;
        }
        return derived;
    }

    private static String peakReferenceName(Results r, CpuPeak cpu) {
        return !Double.isNaN(r.fmaPeak1t) && r.fmaPeak1t > 1.15 * cpu.gflops(1)
                ? "the measured FMA throughput" : "the theoretical peak";
    }

    private static void target(StringBuilder sb, String what, List<String> shown, List<Double> values, DoublePredicate ok) {
        String verdict;
        if (values.isEmpty()) {
            verdict = "not measured in this run";
        } else {
            long met = values.stream().filter(ok::test).count();
            verdict = met == values.size() ? "**met**" : met == 0 ? "**missed**" : "**partly met** (" + met + " of " + values.size() + ")";
        }
        sb.append("- ").append(what).append(": ").append(verdict);
        if (!shown.isEmpty()) {
            sb.append(" — ").append(String.join(", ", shown));
        }
        sb.append('\n');
    }

    static String gf(double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return "—";
        }
        return String.format(Locale.ROOT, v < 10 ? "%.2f" : v < 100 ? "%.1f" : "%.0f", v);
    }

    static String pct(double v) {
        return Double.isNaN(v) || Double.isInfinite(v) ? "—" : String.format(Locale.ROOT, "%.1f%%", 100 * v);
    }

    static String ratio(double v) {
        return Double.isNaN(v) || Double.isInfinite(v) ? "—" : String.format(Locale.ROOT, "%.2fx", v);
    }

    static String bytes(double v) {
        return Double.isNaN(v) ? "—" : String.format(Locale.ROOT, "%.0f", v);
    }

    static String signedNs(double v) {
        return Double.isNaN(v) ? "—" : (v >= 0 ? "+" : "") + ns(v);
    }

    static String ns(double v) {
        return Double.isNaN(v) ? "—" : String.format(Locale.ROOT, Math.abs(v) < 100 ? "%.1f" : "%.0f", v);
    }
}
