package dev.isthmus.cli;

import dev.isthmus.bench.suite.CompareChart;
import dev.isthmus.bench.suite.Comparison;
import dev.isthmus.bench.suite.ResultsIo;
import dev.isthmus.bench.suite.SuiteResult;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code isthmus bench compare A.json B.json [C.json ...]}: the rows of several suite results side by side with
 * speed ratios to the first, and the comparison chart; rows measured with different settings are refused, with
 * the settings that differ. Exit status 1 when no row could be compared.
 */
@Command(name = "compare", mixinStandardHelpOptions = true, description = {"Compare bench result files: rows side by side with speed ratios to the first file.",
        "Rows measured with different settings (threads, batch, quick/full, JVM flags, backend) are refused, saying which."})
final class BenchCompareCommand implements Callable<Integer> {

    @Parameters(arity = "2..*", paramLabel = "RESULT.json", description = "Result files (the first is the baseline); a directory means its result.json.")
    List<Path> files;

    @Option(names = "--out", paramLabel = "DIR", description = "Write comparison.md and comparison.png here (default: no files).")
    Path out;

    @Option(names = "--ignore", split = ",", paramLabel = "SETTING",
            description = "Settings to overlook: mode, jvm_flags, backend, batch (e.g. --ignore mode to check a quick run against a full one).")
    Set<String> ignore;

    @Mixin
    Verbose verbose = new Verbose();

    @Override
    public Integer call() throws Exception {
        List<String> names = new ArrayList<>();
        List<SuiteResult> results = new ArrayList<>();
        for (Path f : files) {
            Path file = Files.isDirectory(f) ? f.resolve("result.json") : f;
            results.add(ResultsIo.read(file));
            String name = (Files.isDirectory(f) ? f : file).getFileName().toString().replaceFirst("\\.json$", "");
            names.add(names.contains(name) ? name + "#" + (names.size() + 1) : name);
        }
        Set<String> ignored = ignore == null ? Set.of() : new HashSet<>(ignore);
        Comparison c = new Comparison(names, results, ignored);
        for (int i = 0; i < names.size(); i++) {
            SuiteResult r = results.get(i);
            System.out.printf("%s: %s, %s run, %s%n", names.get(i), r.label(), r.settings().mode(), r.createdUtc());
        }
        System.out.println();
        String md = c.toMarkdown();
        System.out.print(md);
        if (out != null) {
            Files.createDirectories(out);
            Files.writeString(out.resolve("comparison.md"), md);
            if (CompareChart.write(c, out.resolve("comparison.png"))) {
                System.out.println("wrote " + out.resolve("comparison.md") + " and " + out.resolve("comparison.png"));
            }
        }
        long compared = c.lines().stream().filter(l -> l.rows().stream().filter(r -> r != null).count() >= 2).count();
        if (compared == 0) {
            System.err.println("bench compare: no row could be compared (" + c.refused().size() + " refused, the rest measured "
                    + "by one file only)");
            return 1;
        }
        return 0;
    }
}
