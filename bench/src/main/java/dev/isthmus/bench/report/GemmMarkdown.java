package dev.isthmus.bench.report;

import dev.isthmus.bench.kernel.GemmShape;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.DoublePredicate;
import java.util.stream.Collectors;

/**
 * Renders {@link GemmResults} as the Markdown report of {@code bench/run-gemm.sh}: the run's circumstances,
 * the GFLOP/s table, the cost of one n = 8 call, and the targets with their verdicts.
 */
final class GemmMarkdown {
    private GemmMarkdown() {
    }

    /** The whole Markdown report. */
    static String render(GemmResults r, GemmReport.Context ctx) {
        StringBuilder sb = new StringBuilder();
        String rounds = roundsMethod(r);
        header(sb, r, ctx, rounds);
        gflopsTable(sb, r, ctx.cpu(), rounds);
        callTable(sb, r);
        targets(sb, r, rounds);
        return sb.toString();
    }

    /** The run's circumstances: date, command, machine, peak, load, JDK, both OpenBLAS builds, method. */
    private static void header(StringBuilder sb, GemmResults r, GemmReport.Context ctx, String rounds) {
        CpuPeak cpu = ctx.cpu();
        sb.append("# GEMM: OpenBLAS through FFM, the same OpenBLAS from GemmResults.C, and the Vector API GEMM\n\n");
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
            sb.append("- OpenBLAS (GemmResults.C): ").append(r.cLibrary).append("; config: ").append(r.cConfig).append("; core: ")
                    .append(r.cCore).append('\n');
        }
        if (!ctx.settings().isBlank() || !rounds.isEmpty()) {
            sb.append("- method: ").append(ctx.settings()).append(ctx.settings().isBlank() || rounds.isEmpty() ? "" : "; ")
                    .append(rounds).append('\n');
        }

    }

    /** GFLOP/s per shape and thread count: FFM, C, their ratio, % of peak, the Vector API GEMM. */
    private static void gflopsTable(StringBuilder sb, GemmResults r, CpuPeak cpu, String rounds) {
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
        sb.append("| shape | threads | OpenBLAS via FFM | GemmResults.C, same library | FFM/C | FFM % of peak | Vector API "
                + "| Vector / OpenBLAS 1t | Vector 2t/1t | FFM alloc B/op |\n");
        sb.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (GemmShape s : GemmShape.values()) {
            for (int t : r.threadCounts()) {
                double ffm = r.gflops(GemmResults.OPENBLAS, s, t);
                double c = r.gflops(GemmResults.C, s, t);
                double vec = r.gflops(GemmResults.VECTOR, s, t);
                if (Double.isNaN(ffm) && Double.isNaN(c) && Double.isNaN(vec)) {
                    continue;
                }
                double alloc = r.get(GemmResults.OPENBLAS, s, t).map(GemmResults.Score::allocBytesPerOp).orElse(Double.NaN);
                sb.append("| ").append(s.label).append(" | ").append(t)
                        .append(r.blasThreads(s, t) != t ? " (BLAS " + r.blasThreads(s, t) + ")" : "")
                        .append(" | ").append(gf(ffm))
                        .append(" | ").append(gf(c))
                        .append(" | ").append(pct(r.ratio(GemmResults.OPENBLAS, GemmResults.C, s, t)))
                        .append(" | ").append(pct(ffm / peakReference(r, cpu, t)))
                        .append(" | ").append(gf(vec))
                        .append(" | ").append(pct(vec / r.gflops(GemmResults.OPENBLAS, s, 1)))
                        .append(" | ").append(t == 1 ? "" : ratio(vec / r.gflops(GemmResults.VECTOR, s, 1)))
                        .append(" | ").append(bytes(alloc))
                        .append(" |\n");
            }
        }

    }

    /** The cost of one 8x8x8 call through each layer of the FFM path, against C. */
    private static void callTable(StringBuilder sb, GemmResults r) {
        sb.append("\n## One 8x8x8 call (ns per call, medians)\n\n");
        sb.append("| threads | OpenBlasGemm (FFM) | cblas_h.cblas_sgemm (critical downcall) | plain downcall "
                + "| critical, raw addresses | C | OpenBlasGemm − C | GemmChecks alone | VectorGemm | OpenBlasGemm alloc B/call | GemmChecks alloc B/call |\n");
        sb.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (int t : r.threadCounts()) {
            double gemm = r.ns(GemmResults.OPENBLAS, GemmShape.SQ_8, t);
            double c = r.ns(GemmResults.C, GemmShape.SQ_8, t);
            if (Double.isNaN(gemm) && Double.isNaN(c)) {
                continue;
            }
            double alloc = r.get(GemmResults.OPENBLAS, GemmShape.SQ_8, t).map(GemmResults.Score::allocBytesPerOp).orElse(Double.NaN);
            sb.append("| ").append(t)
                    .append(" | ").append(ns(gemm))
                    .append(" | ").append(ns(r.ns(GemmResults.CRITICAL, null, t)))
                    .append(" | ").append(ns(r.ns(GemmResults.PLAIN, null, t)))
                    .append(" | ").append(ns(r.ns(GemmResults.ADDRESS, null, t)))
                    .append(" | ").append(ns(c))
                    .append(" | ").append(ns(gemm - c))
                    .append(" | ").append(ns(r.ns(GemmResults.CHECKS, null, t)))
                    .append(" | ").append(ns(r.ns(GemmResults.VECTOR, GemmShape.SQ_8, t)))
                    .append(" | ").append(bytes(alloc))
                    .append(" | ").append(bytes(r.get(GemmResults.CHECKS, null, t).map(GemmResults.Score::allocBytesPerOp).orElse(Double.NaN)))
                    .append(" |\n");
        }

    }

    /** The four targets with their verdicts. */
    private static void targets(StringBuilder sb, GemmResults r, String rounds) {
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
        for (GemmShape s : GemmResults.FFM_TARGET_SHAPES) {
            for (int t : r.threadCounts()) {
                double v = r.ratio(GemmResults.OPENBLAS, GemmResults.C, s, t);
                if (!Double.isNaN(v)) {
                    List<Double> paired = r.pairedRatios(GemmResults.OPENBLAS, GemmResults.C, s, t);
                    List<Double> pairs = r.interleaved.get(new GemmResults.Key(GemmResults.OPENBLAS, s, t));
                    String detail = pairs != null && !pairs.isEmpty()
                            ? String.format(Locale.ROOT, "interleaved: %d pairs, %.1f-%.1f%%", pairs.size(),
                                    100 * pairs.stream().mapToDouble(Double::doubleValue).min().orElseThrow(),
                                    100 * pairs.stream().mapToDouble(Double::doubleValue).max().orElseThrow())
                            : paired.size() > 1
                            ? "rounds " + paired.stream().map(x -> String.format(Locale.ROOT, "%.1f", 100 * x))
                                    .collect(Collectors.joining(", ")) + "%"
                            : pct(r.bestGflops(GemmResults.OPENBLAS, s, t) / r.bestGflops(GemmResults.C, s, t));
                    ffm.add(s.label + " " + t + "t " + pct(v) + " (" + detail + ")");
                    ffmValues.add(v);
                }
            }
        }
        target(sb, "OpenBLAS via FFM >= 97% of C GFLOP/s for n >= 256", ffm, ffmValues, v -> v >= 0.97);
        List<String> call = new ArrayList<>();
        List<Double> callValues = new ArrayList<>();
        for (int t : r.threadCounts()) {
            double d = r.ns(GemmResults.OPENBLAS, GemmShape.SQ_8, t) - r.ns(GemmResults.C, GemmShape.SQ_8, t);
            if (!Double.isNaN(d)) {
                call.add(t + "t " + signedNs(d) + " ns (" + signedNs(r.bestNs(GemmResults.OPENBLAS, GemmShape.SQ_8, t)
                        - r.bestNs(GemmResults.C, GemmShape.SQ_8, t)) + " ns)");
                callValues.add(d);
            }
        }
        target(sb, "OpenBLAS via FFM within 100 ns per call of C at n = 8", call, callValues, v -> v <= 100);
        List<String> vec = new ArrayList<>();
        List<Double> vecValues = new ArrayList<>();
        List<String> scale = new ArrayList<>();
        List<Double> scaleValues = new ArrayList<>();
        for (GemmShape s : List.of(GemmShape.SQ_512, GemmShape.SQ_1024)) {
            double v = r.gflops(GemmResults.VECTOR, s, 1) / r.gflops(GemmResults.OPENBLAS, s, 1);
            if (!Double.isNaN(v)) {
                vec.add(s.label + " " + pct(v) + " (" + pct(r.bestGflops(GemmResults.VECTOR, s, 1) / r.bestGflops(GemmResults.OPENBLAS, s, 1)) + ")");
                vecValues.add(v);
            }
            double sc = r.gflops(GemmResults.VECTOR, s, 2) / r.gflops(GemmResults.VECTOR, s, 1);
            if (!Double.isNaN(sc)) {
                scale.add(s.label + " " + ratio(sc) + " (" + ratio(r.bestGflops(GemmResults.VECTOR, s, 2) / r.bestGflops(GemmResults.VECTOR, s, 1)) + ")");
                scaleValues.add(sc);
            }
        }
        target(sb, "Vector API GEMM >= 50% of single-threaded OpenBLAS at n = 512 and 1024", vec, vecValues, v -> v >= 0.5);
        target(sb, "Vector API GEMM on 2 threads >= 1.6x its 1-thread speed (n = 512 and 1024)", scale, scaleValues,
                v -> v >= 1.6);
    }

    /**
     * The method line's account of the rounds: which shapes were measured in several and how the figures
     * combine; empty when every figure is from one round.
     */
    private static String roundsMethod(GemmResults r) {
        List<String> shapes = new ArrayList<>();
        int least = Integer.MAX_VALUE;
        int most = 0;
        for (GemmShape s : GemmShape.values()) {
            List<Integer> counts = r.threadCounts().stream().map(t -> r.pairedRatios(GemmResults.OPENBLAS, GemmResults.C, s, t).size())
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
    private static double peakReference(GemmResults r, CpuPeak cpu, int threads) {
        double derived = cpu.gflops(threads);
        if (!Double.isNaN(r.fmaPeak1t) && r.fmaPeak1t > 1.15 * cpu.gflops(1)) {
            return Math.min(threads, cpu.cores()) * r.fmaPeak1t;
        }
        return derived;
    }

    private static String peakReferenceName(GemmResults r, CpuPeak cpu) {
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
