package dev.isthmus.bench.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.isthmus.bench.kernel.GemmShape;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The figures a GEMM report is made of, by benchmark, shape, thread count and round, and the readers that
 * fill them from JMH JSON, {@code sgemm_bench}'s output and {@code FfmInterleaved}'s lines. Combining
 * rounds (median of medians, paired per-round ratios) lives here; {@link GemmMarkdown} only renders.
 */
final class GemmResults {
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

    /** The round a JMH file holds: N for a name ending in {@code -rN.json}, else 1. */
    static int roundOf(Path jmhFile) {
        Matcher m = ROUND_FILE.matcher(jmhFile.getFileName().toString());
        return m.find() ? Integer.parseInt(m.group(1)) : 1;
    }

    /** Adds the results of one JMH JSON file (an array of benchmark results) of round 1. */
    static void readJmh(String json, GemmResults into) {
        readJmh(json, 1, into);
    }

    /** Adds the results of one JMH JSON file (an array of benchmark results) as round {@code round}. */
    static void readJmh(String json, int round, GemmResults into) {
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
    static void readC(String text, GemmResults into) {
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
    static void readInterleaved(String text, GemmResults into) {
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
}
