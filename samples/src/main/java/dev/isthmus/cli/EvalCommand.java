package dev.isthmus.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code isthmus eval FILE}: rebuilds the model from the file's architecture metadata, evaluates it on the test
 * split of the data (by default the data it was trained on, as recorded in the file), its pixels scaled as in
 * training, and prints the report.
 */
@Command(name = "eval", description = "Evaluate a model file (model.safetensors or checkpoint.safetensors) on the test split.")
final class EvalCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ModelSource model = new ModelSource();

    @Option(names = "--data", paramLabel = "DIR", description = "IDX directory or 'fashion-mnist' (default: the data recorded in the file).")
    String data;

    @Option(names = "--batch", description = "Batch size (default: ${DEFAULT-VALUE}).", defaultValue = "64")
    int batch;

    @Option(names = "--limit", hidden = true, description = "Cap the test split at N samples.", defaultValue = "0")
    int limit;

    @Mixin
    Verbose verbose = new Verbose();

    Reports.Classification lastClassification;
    Reports.Regression lastRegression;

    @Override
    public Integer call() throws Exception {
        Usage.range(spec, "--batch", batch, 1, Usage.MAX_BATCH);
        Usage.range(spec, "--limit", limit, 0, Integer.MAX_VALUE);
        try (ModelFile.Loaded m = model.load()) {
            System.out.println("model: " + m.metadata().getOrDefault(ModelFile.MODEL, "?") + " from " + model.file + " ("
                    + String.format("%,d", m.model().parameterCount()) + " parameters)");
            if (m.regression()) {
                CalculatorData.Config cfg = CalculatorData.Config.fromJson(m.metadata().getOrDefault(ModelFile.CALCULATOR, "{}"));
                try (CalculatorData d = CalculatorData.generate(cfg, 0)) {
                    Reports.Regression r = Reports.regress(m.model(), d.test, m.scaler(ModelFile.Y_SCALER), batch);
                    System.out.println(r.line("test (original units)"));
                    System.out.print(Reports.latency(r.perBatch(), r.perSample(), batch));
                    lastRegression = r;
                }
                return 0;
            }
            String spec = data != null ? data : m.metadata().get(ModelFile.DATA);
            try (ImageData d = ImageData.load(spec, limit, m.pixelScaler())) {
                List<String> names = m.classNames() != null && m.classNames().size() == d.numClasses() ? m.classNames() : d.classNames();
                System.out.println("data: " + d.description());
                Reports.Classification c = Reports.classify(m.model(), d.test(), names, batch);
                System.out.print(c.text());
                lastClassification = c;
            }
            return 0;
        }
    }
}
