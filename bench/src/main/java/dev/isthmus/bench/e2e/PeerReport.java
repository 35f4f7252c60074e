package dev.isthmus.bench.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The table {@code bench/run-e2e.sh} prints: Isthmus against PyTorch (training and inference) and ONNX
 * Runtime (inference), from the JSON files of several alternating rounds. Every ratio is a speed ratio
 * (greater than 1: Isthmus is faster) taken per round, Isthmus against the peer run right after it, and
 * the table shows the median of those per-round ratios with their range, so that the VM's drift over the
 * run cancels out instead of landing on one side.
 *
 * <p>PyTorch only gets ratios when it is at its real speed: {@link #torchAtRealSpeed} compares its matmul
 * at n = 1024 on one thread with Isthmus's OpenBLAS (the probes); below half of it, PyTorch runs on a crippled
 * BLAS and the report says which library it loaded and how to fix it instead of printing a ratio.
 *
 * <p>Files in the directory: {@code probe-isthmus.json}, {@code probe-torch.json}, and per thread count
 * {@code t} and round {@code r}: {@code isthmus-t<t>-r<r>.json}, {@code torch-t<t>-r<r>.json} (OpenMP t,
 * OpenBLAS 1), {@code torchnaive-t<t>-r<r>.json} (both pools at t, for t > 1), {@code ort-t<t>-r<r>.json}.
 */
public final class PeerReport {

    /** The peer a row is compared with for its goal. */
    enum Peer { TORCH, ORT, NONE }

    /**
     * One table row: the JSON key, its label, its unit, and the goal as a minimum speed ratio against
     * {@code goalPeer} (NaN: no goal), with the goal's wording.
     */
    record Row(String key, String label, String unit, Peer goalPeer, double minSpeedRatio, String goal) {
        boolean higherIsBetter() {
            return unit.equals("images/s");
        }

        /** Isthmus's speed over the peer's: images/s a/b, times b/a. */
        double speedRatio(double isthmus, double peer) {
            return higherIsBetter() ? isthmus / peer : peer / isthmus;
        }
    }

    static final List<Row> ROWS = List.of(
            new Row("mlp_train", "MLP training, batch 64, Adam", "images/s", Peer.TORCH, 4.0, ">= 4x PyTorch"),
            new Row("lenet5_train", "LeNet-5 training, batch 64, Adam", "images/s", Peer.TORCH, 2.0, ">= 2x PyTorch"),
            new Row("alexnet_step_s", "AlexNet training step, batch 16, SGD", "s", Peer.TORCH, 1 / 0.8,
                    "time <= 0.8x PyTorch's (speed >= 1.25x)"),
            new Row("lenet5_infer_b64", "LeNet-5 inference, batch 64", "images/s", Peer.NONE, Double.NaN, ""),
            new Row("lenet5_infer", "LeNet-5 inference, batch 256", "images/s", Peer.ORT, 1.0, ">= 1.0x ORT"),
            new Row("lenet5_b1_p50_ms", "LeNet-5 batch-1 latency p50", "ms", Peer.ORT, 1.0, "<= ORT's"),
            new Row("lenet5_b1_p99_ms", "LeNet-5 batch-1 latency p99", "ms", Peer.NONE, Double.NaN, ""),
            new Row("alexnet_infer_b16", "AlexNet inference, batch 16", "images/s", Peer.ORT, 1.0, ">= 1.0x ORT"),
            new Row("alexnet_b1_p50_ms", "AlexNet batch-1 latency p50", "ms", Peer.NONE, Double.NaN, ""),
            new Row("alexnet_b1_p99_ms", "AlexNet batch-1 latency p99", "ms", Peer.NONE, Double.NaN, ""));

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final List<Integer> threads;
    private final int rounds;

    PeerReport(Path dir, List<Integer> threads, int rounds) {
        if (rounds < 1) {
            throw new IllegalArgumentException("PeerReport: rounds must be >= 1, got " + rounds);
        }
        this.dir = dir;
        this.threads = List.copyOf(threads);
        this.rounds = rounds;
    }

    private JsonNode read(String name) {
        Path p = dir.resolve(name);
        if (!Files.isRegularFile(p)) {
            return JSON.createObjectNode();
        }
        try {
            return JSON.readTree(p.toFile());
        } catch (IOException e) {
            throw new IllegalStateException("PeerReport: cannot read " + p + ": " + e.getMessage(), e);
        }
    }

    /** The per-round figures of one side for one key (rounds whose file lacks the key are left out). */
    private double[] figures(String side, int t, String key) {
        double[] v = new double[rounds];
        int n = 0;
        for (int r = 1; r <= rounds; r++) {
            JsonNode j = read(side + "-t" + t + "-r" + r + ".json").get(key);
            if (j != null && j.isNumber()) {
                v[n++] = j.asDouble();
            }
        }
        return Arrays.copyOf(v, n);
    }

    /** Speed ratios round by round (only rounds in which both sides have the key). */
    private double[] ratios(Row row, String peer, int t) {
        List<Double> out = new ArrayList<>();
        for (int r = 1; r <= rounds; r++) {
            JsonNode a = read("isthmus-t" + t + "-r" + r + ".json").get(row.key());
            JsonNode b = read(peer + "-t" + t + "-r" + r + ".json").get(row.key());
            if (a != null && b != null && a.isNumber() && b.isNumber()) {
                out.add(row.speedRatio(a.asDouble(), b.asDouble()));
            }
        }
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** PyTorch's 1-thread matmul at n = 1024 over Isthmus's OpenBLAS, or NaN when a probe is missing. */
    double torchBlasFraction() {
        JsonNode i = read("probe-isthmus.json").get("sgemm_1024_gflops");
        JsonNode p = read("probe-torch.json").get("matmul_1024_gflops");
        return i == null || p == null ? Double.NaN : p.asDouble() / i.asDouble();
    }

    /** True when PyTorch's matmul reaches at least half of Isthmus's OpenBLAS on one thread. */
    boolean torchAtRealSpeed() {
        return torchBlasFraction() >= 0.5;
    }

    /** Why PyTorch gets no ratios, which BLAS it loaded, and the fix; empty when it is at its real speed. */
    String torchVerdict() {
        JsonNode probe = read("probe-torch.json");
        if (probe.isEmpty()) {
            return "PyTorch was not measured (no probe: /usr/bin/python3 cannot import torch?); no PyTorch ratios.";
        }
        if (torchAtRealSpeed()) {
            return "";
        }
        return String.format(Locale.ROOT, "PyTorch is NOT at its real speed, so no PyTorch ratio is printed: its matmul at "
                        + "n = 1024 on one thread ran at %.1f GFLOP/s, %.0f%% of Isthmus's OpenBLAS (%.1f GFLOP/s; at least 50%% "
                        + "needed). torch mapped: %s (OpenBLAS core: %s). Fix: `apt-get install libopenblas0-pthread` "
                        + "(Debian's python3-torch uses whatever libblas.so.3 the system has; check with "
                        + "`update-alternatives --display libblas.so.3-x86_64-linux-gnu`).",
                probe.path("matmul_1024_gflops").asDouble(), 100 * torchBlasFraction(),
                read("probe-isthmus.json").path("sgemm_1024_gflops").asDouble(), probe.path("libs"),
                probe.path("openblas_core").asText("none"));
    }

    static String format(double v, String unit) {
        if (Double.isNaN(v)) {
            return "–";
        }
        if (unit.equals("images/s")) {
            return String.format(Locale.ROOT, v < 100 ? "%.2f" : "%,.0f", v);
        }
        return String.format(Locale.ROOT, "%.3f", v);
    }

    /** {@code 1.23x [1.10-1.31]}: the median of per-round ratios and their range. */
    static String ratioCell(double[] r) {
        if (r.length == 0) {
            return "–";
        }
        double[] s = r.clone();
        Arrays.sort(s);
        return String.format(Locale.ROOT, "%.2fx [%.2f-%.2f]", Timing.median(s), s[0], s[s.length - 1]);
    }

    private static double median(double[] v) {
        return v.length == 0 ? Double.NaN : Timing.median(v);
    }

    /** The Markdown table, then one line per goal (met / not met / not measured). */
    String table() {
        boolean torchOk = torchAtRealSpeed();
        StringBuilder sb = new StringBuilder();
        sb.append("| workload | threads | Isthmus | PyTorch | PyTorch, OpenBLAS also at t | ONNX Runtime "
                + "| vs PyTorch | vs ORT | goal |\n");
        sb.append("|---|---:|---:|---:|---:|---:|---:|---:|---|\n");
        List<String> goals = new ArrayList<>();
        for (int t : threads) {
            for (Row row : ROWS) {
                double[] mine = figures("isthmus", t, row.key());
                if (mine.length == 0) {
                    continue;
                }
                double[] vsTorch = torchOk ? ratios(row, "torch", t) : new double[0];
                double[] vsOrt = ratios(row, "ort", t);
                String naive = t > 1 ? format(median(figures("torchnaive", t, row.key())), row.unit()) : "–";
                String verdict = "";
                if (row.goalPeer() != Peer.NONE) {
                    double[] r = row.goalPeer() == Peer.TORCH ? vsTorch : vsOrt;
                    verdict = r.length == 0 ? "not measured" : median(r) >= row.minSpeedRatio() ? "met" : "not met";
                    goals.add(String.format(Locale.ROOT, "- %s, %d thread(s): %s, %s%s", row.label(), t, row.goal(), verdict,
                            r.length == 0 ? "" : " (" + ratioCell(r) + ")"));
                    verdict = row.goal() + ": " + verdict;
                }
                sb.append(String.format(Locale.ROOT, "| %s (%s) | %d | %s | %s | %s | %s | %s | %s | %s |%n", row.label(),
                        row.unit(), t, format(median(mine), row.unit()),
                        torchOk ? format(median(figures("torch", t, row.key())), row.unit()) : "–", torchOk ? naive : "–",
                        format(median(figures("ort", t, row.key())), row.unit()), ratioCell(vsTorch), ratioCell(vsOrt), verdict));
            }
        }
        sb.append('\n');
        String why = torchVerdict();
        if (!why.isEmpty()) {
            sb.append(why).append("\n\n");
        }
        sb.append("Goals (issue 10):\n\n");
        goals.forEach(g -> sb.append(g).append('\n'));
        return sb.toString();
    }

    /** One line per side: the library behind its matrix products and the OpenBLAS core it picked. */
    String blasLines() {
        StringBuilder sb = new StringBuilder();
        JsonNode pi = read("probe-isthmus.json");
        sb.append(String.format(Locale.ROOT, "- Isthmus: %s, core %s (%s); SGEMM n = 1024, 1 thread: %.1f GFLOP/s%n",
                pi.path("libs").asText("?"), pi.path("openblas_core").asText("?"), pi.path("openblas_config").asText("?"),
                pi.path("sgemm_1024_gflops").asDouble(Double.NaN)));
        JsonNode pt = read("probe-torch.json");
        if (!pt.isEmpty()) {
            sb.append(String.format(Locale.ROOT, "- PyTorch %s: %s, OpenBLAS core %s (%s), ATen CPU capability %s; "
                            + "matmul n = 1024, 1 thread: %.1f GFLOP/s%n", pt.path("torch").asText("?"), pt.path("libs"),
                    pt.path("openblas_core").asText("none"), pt.path("openblas_config").asText("?"),
                    pt.path("cpu_capability").asText("?"), pt.path("matmul_1024_gflops").asDouble(Double.NaN)));
        }
        JsonNode ort = read("ort-t" + threads.get(0) + "-r1.json");
        if (!ort.isEmpty()) {
            sb.append("- ONNX Runtime ").append(ort.path("ort").asText("?")).append(" (Java API): ")
                    .append(ort.path("blas").path("libs").asText("?")).append('\n');
        }
        int scalar = 0, runs = 0;
        for (int t : threads) {
            for (int r = 1; r <= rounds; r++) {
                JsonNode j = read("isthmus-t" + t + "-r" + r + ".json");
                if (!j.isEmpty()) {
                    runs++;
                    scalar += j.path("vector_api").asText("").contains("NOT intrinsified") ? 1 : 0;
                }
            }
        }
        JsonNode first = read("isthmus-t" + threads.get(0) + "-r1.json");
        sb.append("- Isthmus's Vector API (start-up self-check): ").append(first.path("vector_api").asText("?"));
        sb.append(scalar == 0 ? "\n" : String.format(Locale.ROOT, "; WARNING: in %d of %d Isthmus runs the self-check judged "
                + "the Vector API not intrinsified (a starved machine) and those runs took the scalar kernels%n", scalar, runs));
        String coretype = pi.path("openblas_coretype_env").asText("");
        sb.append("- OPENBLAS_CORETYPE: ").append(coretype.isEmpty() || coretype.equals("null") ? "not set (each OpenBLAS "
                + "picks its core itself)" : coretype).append('\n');
        return sb.toString();
    }

    /**
     * {@code PeerReport DIR --threads "1 2" --rounds 3 [--blas | --torch-ok]}: prints the table; with {@code --blas}
     * the BLAS lines; with {@code --torch-ok} exits 0 when PyTorch is at its real speed, else prints why and exits 1.
     */
    public static void main(String[] args) {
        if (args.length < 1) {
            System.err.println("usage: PeerReport DIR --threads \"1 2\" --rounds N [--blas]");
            System.exit(2);
        }
        List<Integer> threads = List.of(1);
        int rounds = 1;
        boolean blas = false, torchOk = false;
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--threads" -> threads = Arrays.stream(args[++i].trim().split("\\s+")).map(Integer::valueOf).toList();
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--blas" -> blas = true;
                case "--torch-ok" -> torchOk = true;
                default -> {
                    System.err.println("PeerReport: unknown option '" + args[i] + "'");
                    System.exit(2);
                }
            }
        }
        PeerReport report = new PeerReport(Path.of(args[0]), threads, rounds);
        if (torchOk) {
            System.out.println(report.torchAtRealSpeed() ? "PyTorch is at its real speed" : report.torchVerdict());
            System.exit(report.torchAtRealSpeed() ? 0 : 1);
        }
        System.out.print(blas ? report.blasLines() : report.table());
    }
}
