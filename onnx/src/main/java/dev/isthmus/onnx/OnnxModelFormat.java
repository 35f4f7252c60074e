package dev.isthmus.onnx;

import dev.isthmus.infer.LoadedModel;
import dev.isthmus.infer.ModelFormat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Lets {@code Predictor.load(Path)} open {@code .onnx} files: found through {@link java.util.ServiceLoader}
 * ({@code META-INF/services/dev.isthmus.infer.ModelFormat}) whenever this module is on the class path, so
 * the engine itself needs no protobuf.
 */
public final class OnnxModelFormat implements ModelFormat {
    @Override
    public boolean accepts(Path file) {
        Path name = file == null ? null : file.getFileName();
        return name != null && name.toString().toLowerCase(Locale.ROOT).endsWith(".onnx");
    }

    @Override
    public LoadedModel read(Path file) throws IOException {
        return OnnxImporter.read(file);
    }
}
