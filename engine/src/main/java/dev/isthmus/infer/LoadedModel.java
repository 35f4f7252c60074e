package dev.isthmus.infer;

import dev.isthmus.nn.Layer;

import java.util.Map;

/**
 * What a {@link ModelFormat} read from a file: the model (owned by whoever receives it), the shape of one
 * sample without the batch dimension (e.g. {@code [1, 28, 28]}) and the file's metadata as strings.
 */
public record LoadedModel(Layer model, int[] inputShape, Map<String, String> metadata) {}
