package dev.isthmus.cli;

import dev.isthmus.nn.ModelSpec;
import dev.isthmus.onnx.OnnxExporter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code isthmus export model.safetensors --out model.onnx}: writes an Isthmus model file (from {@code train}
 * or {@code import}) as ONNX opset 13 with a dynamic batch dimension, for ONNX Runtime and other consumers.
 * The file's other metadata (task, class names, scalers) goes into the ONNX {@code metadata_props}; the
 * scalers are not part of the graph, so inputs must be scaled as before.
 */
@Command(name = "export", description = "Convert an Isthmus model file into ONNX (opset 13, dynamic batch).")
final class ExportCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "MODEL", description = "A model.safetensors (or checkpoint) with architecture metadata.")
    Path file;

    @Option(names = "--out", required = true, paramLabel = "FILE.onnx", description = "The ONNX file to write.")
    Path out;

    @Mixin
    Verbose verbose = new Verbose();

    @Override
    public Integer call() throws Exception {
        try (ModelFile.Loaded m = ModelFile.load(file)) {
            int[] shape = m.inputShape();
            Map<String, String> meta = new LinkedHashMap<>(m.metadata());
            meta.remove(ModelSpec.METADATA_KEY);
            meta.remove(ModelSpec.INPUT_SHAPE_KEY);
            meta.remove("format");
            OnnxExporter.export(m.model(), shape, meta, out);
            System.out.printf(Locale.ROOT, "exported %s: %d layers, %,d parameters, input [batch, %s] -> %s (opset %d)%n",
                    file, m.model().childModules().size(), m.model().parameterCount(),
                    Arrays.toString(shape).replaceAll("[\\[\\] ]", "").replace(",", ", "), out, OnnxExporter.OPSET);
            if (meta.containsKey(ModelFile.PIXEL_SCALER) || meta.containsKey(ModelFile.X_SCALER)) {
                System.out.println("note: the input scaler is kept in the ONNX metadata, not in the graph; scale inputs as in training");
            }
        }
        return 0;
    }
}
