package dev.isthmus.bench.suite;

import java.util.List;
import java.util.Locale;

/**
 * A run as Markdown: the machine, the load the run met, the kernel table with roofline fractions, the model
 * table (throughput per thread count, latency, offline best), the charts, and what the flags mean.
 */
public final class MarkdownReport {
    private MarkdownReport() {
    }

    /** Renders {@code r}; {@code images} are chart file names to embed (those ending in {@code .png}). */
    public static String render(SuiteResult r, List<String> images) {
        StringBuilder sb = new StringBuilder();
        RunSettings s = r.settings();
        sb.append("# Isthmus bench: ").append(r.label()).append("\n\n");
        sb.append(String.format(Locale.ROOT, "%s run, %s, threads %s, Isthmus %s, schema %s/%d.%n%n", s.mode(),
                r.createdUtc(), s.threadCounts(), s.isthmusVersion(), r.schema(), r.schemaVersion()));
        machine(sb, r.machine());
        environment(sb, r);
        table(sb, "Machine probes", r.section("machine"), false);
        table(sb, "Kernels", r.section("kernel"), true);
        table(sb, "Models", r.section("model"), false);
        for (String img : images) {
            if (img.endsWith(".png")) {
                sb.append("![").append(img).append("](").append(img).append(")\n\n");
            }
        }
        long trusted = r.rows().stream().filter(Row::trusted).count();
        long measured = r.rows().stream().filter(x -> !x.skipped()).count();
        sb.append(String.format(Locale.ROOT, "%d of %d measured rows are stable within %.0f %%, not noisy and not drifted.", trusted,
                measured, 100 * s.tolerance()));
        if (s.quick()) {
            sb.append(" A quick run's figure is meant to lie within 10 % of the full run's on the same machine and load "
                    + "only where its row is unflagged; a flagged or skipped row says the quick run could not promise that.");
        }
        sb.append("\n\nFlags: *unstable* = the median did not settle within the tolerance before the time budget ended; "
                + String.format(Locale.ROOT, "*noisy* = p10-p90 spread above %.0f %%; ", 100 * s.spreadLimit())
                + String.format(Locale.ROOT, "*loaded* = other processes took more than %.0f %% of the cores while the row ran; ",
                100 * Row.LOADED_SHARE)
                + String.format(Locale.ROOT, "*drifted* = the FMA check (compute-bound kernels, models) or triad check "
                + "(memory-bound kernels, models) taken right after the row, on its threads, fell more than %.0f %% (FMA) "
                + "or %.0f %% (triad) below the run's median check at that thread count: the machine gave the row less; ",
                100 * MachineCheck.DRIFT, 100 * MachineCheck.BANDWIDTH_DRIFT)
                + "*skipped* = not measured (the note says why). ± is half the p10-p90 spread.\n");
        return sb.toString();
    }

    private static void machine(StringBuilder sb, MachineInfo m) {
        sb.append("## Machine\n\n| | |\n|---|---|\n");
        kv(sb, "CPU", m.cpuModel() + " (" + m.vendor() + ")");
        kv(sb, "cores / logical CPUs", m.cores() + " / " + m.logicalCpus());
        kv(sb, "SIMD flags", String.join(" ", m.flags()));
        kv(sb, "theoretical FP32 peak", m.theoreticalNote());
        kv(sb, "measured FMA peak", String.format(Locale.ROOT, "%s GFLOP/s on 1 thread, %s GFLOP/s on %d (%s of theory)",
                Format.number(m.fmaGflopsOneCore()), Format.number(m.fmaGflopsAllCores()), m.allCoresThreads(),
                Format.percent(m.fmaGflopsOneCore() / m.theoreticalGflopsPerCore())));
        kv(sb, "measured triad bandwidth", String.format(Locale.ROOT, "%s GB/s on 1 thread, %s GB/s on %d",
                Format.number(m.bandwidthGBsOneCore()), Format.number(m.bandwidthGBsAllCores()), m.allCoresThreads()));
        kv(sb, "memory", m.memoryBytes() > 0 ? String.format(Locale.ROOT, "%.1f GiB", m.memoryBytes() / 1073741824.0) : "unknown");
        kv(sb, "JDK", m.java() + ", " + m.vm());
        kv(sb, "JIT", m.jit());
        kv(sb, "OS", m.os());
        kv(sb, "Vector API", String.format(Locale.ROOT, "%d-bit species (%d floats), %s%s", m.vectorBits(), m.vectorLanes(),
                m.vectorIntrinsified() ? "intrinsified" : "NOT intrinsified (kernels take scalar paths)",
                m.vectorSpeedup() == null ? " (self-check skipped)"
                        : String.format(Locale.ROOT, " (self-check: vector loop %.1fx scalar)", m.vectorSpeedup())));
        kv(sb, "GEMM backend", m.backend() + (m.openblasVersion() == null ? ""
                : ": OpenBLAS " + m.openblasVersion() + ", core " + m.openblasCore()));
        sb.append('\n');
    }

    private static void environment(StringBuilder sb, SuiteResult r) {
        RunEnvironment e = r.environment();
        sb.append("## Load during the run\n\n");
        sb.append(String.format(Locale.ROOT, "%.0f s wall; load average %s at the start, %s at the end, %s at most; "
                        + "this JVM used %s CPU s, other processes %s CPU s (%s of all CPUs' time), steal %s s. JVM flags: `%s`.%n%n",
                e.wallSeconds(), num(e.load1Start()), num(e.load1End()), num(e.load1Max()), num(e.ownCpuSeconds()),
                num(e.otherCpuSeconds()), e.otherCpuShare() == null ? "-" : Format.percent(e.otherCpuShare()),
                num(e.stealSeconds()), String.join(" ", r.settings().jvmFlags())));
    }

    private static void table(StringBuilder sb, String title, List<Row> rows, boolean roofline) {
        if (rows.isEmpty()) {
            return;
        }
        sb.append("## ").append(title).append("\n\n| row | threads | batch | value | unit | ± |");
        sb.append(roofline ? " bound | of roof |" : "").append(" flags |\n|---|---:|---:|---:|---|---:|");
        sb.append(roofline ? "---|---:|" : "").append("---|\n");
        for (Row x : rows) {
            sb.append("| ").append(x.name()).append(" | ").append(x.threads()).append(" | ")
                    .append(x.batch() == 0 ? "" : Integer.toString(x.batch())).append(" | ");
            if (x.skipped()) {
                sb.append("- | ").append(x.unit()).append(" | |").append(roofline ? " | |" : "");
            } else {
                sb.append(Format.number(x.value())).append(" | ").append(x.unit()).append(" | ")
                        .append(String.format(Locale.ROOT, "%.1f%%", 50 * x.stats().spread())).append(" |");
                if (roofline) {
                    sb.append(x.roofline() == null ? " | |" : " " + x.roofline().bound() + " | "
                            + Format.percent(x.roofline().fraction()) + " |");
                }
            }
            sb.append(' ').append(x.skipped() ? x.note() : String.join(", ", x.flags())).append(" |\n");
        }
        sb.append('\n');
    }

    private static void kv(StringBuilder sb, String k, String v) {
        sb.append("| ").append(k).append(" | ").append(v.replace("|", "\\|")).append(" |\n");
    }

    private static String num(Double v) {
        return v == null ? "-" : String.format(Locale.ROOT, "%.2f", v);
    }
}
