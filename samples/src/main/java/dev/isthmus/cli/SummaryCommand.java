package dev.isthmus.cli;

import dev.isthmus.models.CourseModels;
import dev.isthmus.nn.Sequential;
import dev.isthmus.nn.Summary;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

/** {@code isthmus summary MODEL}: the per-layer table (type, output shape, parameters), totals and memory estimate. */
@Command(name = "summary", description = "Print a model's layers, output shapes, parameter counts and memory estimate.")
final class SummaryCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL", converter = ModelKind.Converter.class,
            description = "calculator, mlp, lenet5, alexnet, alexnet-small")
    ModelKind model;

    @Option(names = "--classes", description = "Output classes (default: 10, alexnet 1000).")
    Integer classes;

    @Option(names = "--batch", description = "Batch size of the memory estimate (default: ${DEFAULT-VALUE}).", defaultValue = "1")
    int batch;

    @Option(names = "--width", description = "Calculator: hidden width (default: ${DEFAULT-VALUE}).", defaultValue = "16")
    int width;

    @Option(names = "--depth", description = "Calculator: hidden layers (default: ${DEFAULT-VALUE}).", defaultValue = "3")
    int depth;

    @Override
    public Integer call() {
        int k = classes != null ? classes : model == ModelKind.ALEXNET ? 1000 : 10;
        if (k < 2 || batch < 1 || width < 1 || depth < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--classes must be >= 2 and --batch, --width, --depth >= 1");
        }
        try (Sequential net = model.build(k, 0, width, depth, CourseModels.Activation.RELU)) {
            Summary s = Summary.of(net, model.inputShape, batch);
            System.out.println(model.cliName + " (input " + java.util.Arrays.toString(model.inputShape) + ")");
            System.out.print(s);
        }
        return 0;
    }
}
