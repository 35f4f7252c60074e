package dev.isthmus.bench.report;

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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Turns the JMH JSON results of {@code GemmBenchmark}/{@code GemmCallBenchmark} and the output of the C
 * program {@code sgemm_bench} into the Markdown report of {@code bench/run-gemm.sh}: GFLOP/s per shape
 * and thread count, FFM against C on the same library, the Vector API GEMM against OpenBLAS, the cost
 * of one n = 8 call, and the targets, met or missed.
 *
 * <p>Every figure is a median: of the JMH measurement iterations (each an average over its
 * operations) on the Java side, of the C program's samples on the other. The shapes of the FFM/C
 * target ({@link #GemmResults.FFM_TARGET_SHAPES}) may be measured in several rounds, the C program and the JMH
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


    /** The run's circumstances, printed above the tables. */
    record Context(String date, String mode, String command, String settings, String loadBefore, String loadAfter,
                   String jdk, String javaBlas, CpuPeak cpu) {
    }

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
            case "ffm-target-shapes" -> System.out.println(GemmResults.FFM_TARGET_SHAPES.stream().map(Enum::name)
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
        GemmResults r = new GemmResults();
        for (Path p : jmh) {
            GemmResults.readJmh(Files.readString(p), GemmResults.roundOf(p), r);
        }
        GemmResults.readC(Files.readString(c), r);
        if (interleaved != null) {
            GemmResults.readInterleaved(Files.readString(interleaved), r);
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
        String md = GemmMarkdown.render(r, ctx);
        System.out.print(md);
        if (out != null) {
            Files.writeString(out, md);
        }
    }
}
