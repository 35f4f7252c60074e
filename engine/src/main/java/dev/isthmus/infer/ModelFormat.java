package dev.isthmus.infer;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A model file format that {@link Predictor#load(Path)} does not read itself (for example ONNX), plugged in
 * through {@link java.util.ServiceLoader}: a module lists its implementation in
 * {@code META-INF/services/dev.isthmus.infer.ModelFormat} and the Predictor asks each one in turn.
 */
public interface ModelFormat {
    /** Whether this format reads {@code file} (usually by its extension or first bytes); must not throw. */
    boolean accepts(Path file);

    /** Reads {@code file} into a model with its one-sample input shape; the caller owns the returned model. */
    LoadedModel read(Path file) throws IOException;
}
