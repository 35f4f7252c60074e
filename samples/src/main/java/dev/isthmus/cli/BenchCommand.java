package dev.isthmus.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.isthmus.bench.e2e.EndToEnd;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code isthmus bench}: the bench module's end-to-end workloads ({@link EndToEnd}: MLP and LeNet-5 training,
 * LeNet-5 inference, one AlexNet step), one line per workload, then the JSON report with PyTorch peer.py's keys.
 */
@Command(name = "bench", description = "End-to-end benchmark: MLP and LeNet-5 training, LeNet-5 inference, an AlexNet step.")
final class BenchCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--threads", description = "Engine threads (default: ${DEFAULT-VALUE}, all processors).", defaultValue = "0")
    int threads;

    @Option(names = "--quick", description = "Short repetitions (a rough figure in seconds).")
    boolean quick;

    @Option(names = "--skip-alexnet", description = "Leave out the AlexNet training step (the slowest workload).")
    boolean skipAlexnet;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the JSON report to FILE.")
    Path json;

    @Option(names = "--verbose", description = "Stack traces on errors.")
    boolean verbose;

    @Override
    public Integer call() throws Exception {
        if (threads < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--threads must be >= 0 (0: all processors), got " + threads);
        }
        EndToEnd.Report report = EndToEnd.run(new EndToEnd.Options(threads, quick, skipAlexnet), System.out::println);
        String text = new ObjectMapper().writeValueAsString(report.toJson());
        System.out.println(text);
        if (json != null) {
            Files.writeString(json, text + "\n");
        }
        return 0;
    }
}
