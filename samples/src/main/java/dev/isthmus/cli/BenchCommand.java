package dev.isthmus.cli;

import dev.isthmus.bench.suite.BenchSuite;
import dev.isthmus.bench.suite.Comparison;
import dev.isthmus.bench.suite.Progress;
import dev.isthmus.bench.suite.References;
import dev.isthmus.bench.suite.Row;
import dev.isthmus.bench.suite.SuiteOptions;
import dev.isthmus.bench.suite.SuiteResult;
import dev.isthmus.kernel.Engine;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code isthmus bench}: the CPU benchmark suite ({@link BenchSuite}): the machine (FMA peak, bandwidth, JIT,
 * Vector API, OpenBLAS), kernels on the roofline, and the course models' throughput and latency over thread
 * counts, each figure repeated until stable. Writes JSON, a Markdown report and charts, then compares the run
 * with the shipped reference of the same mode. {@code isthmus bench compare} puts result files side by side.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, subcommands = BenchCompareCommand.class,
        description = {"CPU benchmark suite: machine, kernels on the roofline, model throughput and latency.",
                "Writes result.json, report.md, roofline.png and scaling.png; 'bench compare A.json B.json' compares runs."})
final class BenchCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--quick", description = "About a minute: shorter budgets, kernels on all threads only, no AlexNet training.")
    boolean quick;

    @Option(names = "--threads", description = "Largest thread count (default: ${DEFAULT-VALUE}, all logical CPUs).", defaultValue = "0")
    int threads;

    @Option(names = "--only", split = ",", paramLabel = "SECTION",
            description = "Sections to run besides the machine probe: kernels, models (default: both).")
    List<String> only;

    @Option(names = "--out", paramLabel = "DIR", description = "Output directory (default: runs/bench-<date>-<time>).")
    Path out;

    @Option(names = "--label", description = "A name for this machine in reports (default: CPU model and cores).")
    String label;

    @Option(names = "--backend", description = "GEMM backend: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).", defaultValue = "AUTO")
    Engine.Backend backend;

    @Mixin
    Verbose verbose = new Verbose();

    @Override
    public Integer call() throws Exception {
        if (threads < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--threads must be >= 0 (0: all logical CPUs), got " + threads);
        }
        List<String> sections = new ArrayList<>(List.of("machine"));
        for (String s : only == null ? List.of("kernels", "models") : only) {
            if (!s.equals("kernels") && !s.equals("models")) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--only takes kernels and/or models, got '" + s + "'");
            }
            sections.add(s);
        }
        Path dir = out != null ? out
                : Path.of("runs", "bench-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        SuiteOptions options = new SuiteOptions(quick, threads, sections, backend, label);
        boolean live = System.console() != null && System.getenv("CI") == null;
        SuiteResult r = BenchSuite.run(options, Progress.bar(System.out, live));
        List<Path> files = BenchSuite.write(r, dir);
        System.out.println();
        System.out.printf("%s run of %s in %.0f s; wrote %s%n", r.settings().mode(), r.label(), r.environment().wallSeconds(),
                files.stream().map(Path::toString).toList());
        long measured = r.rows().stream().filter(x -> !x.skipped()).count();
        long trusted = r.rows().stream().filter(Row::trusted).count();
        System.out.printf("%d of %d measured rows are stable within %.0f %% and not noisy%s; load average %s at the start, "
                        + "other processes took %s of the CPUs' time.%n", trusted, measured, 100 * r.settings().tolerance(),
                r.settings().quick() ? " (the quick figures meant to lie within 10 % of a full run's; the flagged ones "
                        + "the quick run cannot vouch for)" : "",
                r.environment().load1Start(), r.environment().otherCpuShare() == null ? "?"
                        : String.format("%.0f %%", 100 * r.environment().otherCpuShare()));
        List<References.Reference> refs = References.ofMode(r.settings().mode());
        for (References.Reference ref : refs) {
            Comparison c = new Comparison(List.of(ref.file(), "this run"), List.of(ref.result(), r), Set.of());
            System.out.println();
            System.out.println("Against the shipped reference " + ref.file() + " (" + ref.result().label() + "):");
            System.out.println(c.toMarkdown());
        }
        if (refs.isEmpty()) {
            System.out.println("No shipped reference of a " + r.settings().mode() + " run to compare with.");
        }
        return 0;
    }
}
