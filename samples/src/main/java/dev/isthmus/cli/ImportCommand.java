package dev.isthmus.cli;

import dev.isthmus.infer.LoadedModel;
import dev.isthmus.nn.Layer;
import dev.isthmus.onnx.OnnxImporter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code isthmus import model.onnx --out model.safetensors}: reads an ONNX model (opset 11 to 17, a chain of
 * supported operators) and writes an Isthmus model file with its architecture metadata, which
 * {@code eval}, {@code predict} and {@code export} accept.
 */
@Command(name = "import", description = "Convert an ONNX model (opset 11-17) into an Isthmus model file.")
final class ImportCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "MODEL.onnx", description = "The ONNX file, e.g. from torch.onnx.export.")
    Path file;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "The Isthmus model file to write (.safetensors).")
    Path out;

    @Option(names = "--task", paramLabel = "TASK",
            description = "What the outputs mean, recorded for eval/predict: classification or regression (default: the"
                    + " task recorded in the file by 'isthmus export', else classification).")
    String task;

    @Mixin
    Verbose verbose = new Verbose();

    @Override
    public Integer call() throws Exception {
        String t = task == null ? null : task.toLowerCase(Locale.ROOT);
        if (t != null && !t.equals("classification") && !t.equals("regression")) {
            throw new CliException("--task must be classification or regression, got '" + task + "'");
        }
        LoadedModel loaded = OnnxImporter.read(file);
        try (Layer model = loaded.model()) {
            Map<String, String> meta = new java.util.LinkedHashMap<>(loaded.metadata());
            meta.putIfAbsent(ModelFile.MODEL, "onnx");
            meta.put(ModelFile.TASK, t != null ? t : meta.getOrDefault(ModelFile.TASK, "classification"));
            ModelFile.save(out, model, meta);
            System.out.printf(Locale.ROOT, "imported %s (%s, opset %s): %d layers, %,d parameters, input %s -> %s%n", file,
                    meta.get("onnx.producer"), meta.get("onnx.opset"), model.childModules().size(), model.parameterCount(),
                    Arrays.toString(loaded.inputShape()), out);
        }
        return 0;
    }
}
