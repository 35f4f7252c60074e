package dev.isthmus.bench.suite;

import dev.isthmus.kernel.Engine;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The suite's Java API: {@link #run} measures the machine, the kernels and the models and returns the
 * {@link SuiteResult}; {@link #write} saves it as JSON, a Markdown report and PNG charts.
 *
 * <pre>{@code
 * SuiteResult r = BenchSuite.run(SuiteOptions.quickRun(), Progress.bar(System.err, false));
 * BenchSuite.write(r, Path.of("bench-results/my-machine"));
 * }</pre>
 */
public final class BenchSuite {
    private BenchSuite() {
    }

    /** Runs the suite as {@code options} says, reporting to {@code progress}. */
    public static SuiteResult run(SuiteOptions options, Progress progress) {
        int n = options.threads();
        int steps = MachineProbe.steps()
                + (options.runs("kernels") ? KernelBench.steps(options.kernelThreads()) : 0)
                + (options.runs("models") ? ModelBench.steps(options.modelThreads(), options.latencyThreads()) : 0);
        Sampler sampler = new Sampler(options.stability(), options.budget());
        SystemLoad start = SystemLoad.now();
        RowRecorder recorder = new RowRecorder(options.stability(), progress, steps);
        Engine engine = Engine.configure(n, options.backend());
        recorder.starting("machine: FMA peak and triad bandwidth");
        MachineInfo machine = new MachineProbe(recorder).probe(engine, sampler);
        try (Sentinel sentinel = new Sentinel()) {
            recorder.checkWith(sentinel);
            if (options.runs("kernels")) {
                new KernelBench(recorder, sampler, options.backend()).run(machine, options.kernelThreads());
            }
            if (options.runs("models")) {
                new ModelBench(recorder, sampler, options.backend(), options.quick()).run(options.modelThreads(),
                        options.latencyThreads());
            }
        }
        Engine.configure(n, options.backend());
        SystemLoad end = SystemLoad.now();
        double wall = end.secondsSince(start);
        double other = end.otherCpuSecondsSince(start);
        int cpus = Runtime.getRuntime().availableProcessors();
        RunEnvironment env = new RunEnvironment(nan(start.load1()), nan(end.load1()), nan(recorder.load1Max()), wall,
                nan(end.ownCpuSecondsSince(start)), nan(other), nan(other / (wall * cpus)), nan(end.stealSecondsSince(start)));
        List<Integer> threads = new ArrayList<>(options.modelThreads());
        RunSettings settings = new RunSettings(options.quick() ? "quick" : "full", threads, jvmFlags(), machine.backend(),
                options.stability().tolerance(), options.stability().spreadLimit(), version());
        String label = options.label() != null ? options.label()
                : String.format(Locale.ROOT, "%s, %d cores", machine.cpuModel(), machine.cores());
        return new SuiteResult(SuiteResult.SCHEMA, SuiteResult.VERSION, Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(),
                label, settings, machine, env, recorder.rows());
    }

    /**
     * Writes {@code result.json}, {@code report.md}, {@code roofline.png} and {@code scaling.png} into {@code dir}
     * (created if needed); returns the files written.
     */
    public static List<Path> write(SuiteResult result, Path dir) throws IOException {
        Files.createDirectories(dir);
        List<Path> files = new ArrayList<>();
        Path json = dir.resolve("result.json");
        ResultsIo.write(result, json);
        files.add(json);
        Path roofline = dir.resolve("roofline.png");
        if (RooflineChart.write(result, roofline)) {
            files.add(roofline);
        }
        Path scaling = dir.resolve("scaling.png");
        if (ScalingChart.write(result, scaling)) {
            files.add(scaling);
        }
        Path md = dir.resolve("report.md");
        Files.writeString(md, MarkdownReport.render(result, files.stream().map(p -> p.getFileName().toString()).toList()));
        files.add(md);
        return files;
    }

    /** The JVM's input arguments that can change a figure: class path, encodings and JDWP agents left out. */
    static List<String> jvmFlags() {
        List<String> out = new ArrayList<>();
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("-Dfile.encoding") || a.startsWith("-Dstdout.") || a.startsWith("-Dstderr.")
                    || a.startsWith("-Dsun.") || a.startsWith("-Duser.") || a.startsWith("-agentlib:jdwp")
                    || a.startsWith("-Djava.class.path") || a.startsWith("-Dmaven.") || a.startsWith("-Dbasedir")
                    || a.startsWith("-Dlibrary.jansi") || a.startsWith("-Dclassworlds")) {
                continue;
            }
            out.add(a);
        }
        return out;
    }

    private static String version() {
        String v = BenchSuite.class.getPackage().getImplementationVersion();
        return v == null ? "0.1.0-SNAPSHOT" : v;
    }

    private static Double nan(double v) {
        return Double.isNaN(v) ? null : v;
    }
}
