package dev.isthmus.infer;

import dev.isthmus.io.SafeTensors;
import dev.isthmus.nn.ModelLoader;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The strict match of a weights file against a model's parameters, with a one-line error that names the
 * first mismatching key and both shapes: a parameter missing from the file (with the file's first tensor
 * that the model does not use, usually its counterpart under another name), a tensor the model does not
 * have, or a shape that differs. A training checkpoint's optimizer state and best weights are not weights of
 * the model and are left out.
 */
final class StrictWeights {
    private StrictWeights() {
    }

    static void check(Path file, Map<String, int[]> params) throws IOException {
        Map<String, int[]> fileShapes = new LinkedHashMap<>();
        SafeTensors.Header header = SafeTensors.readHeader(file);
        for (SafeTensors.Entry e : header.entries()) {
            if (!ModelLoader.trainingOnly(header.metadata(), e.name())) {
                fileShapes.put(e.name(), e.shape());
            }
        }
        for (Map.Entry<String, int[]> p : params.entrySet()) {
            int[] f = fileShapes.get(p.getKey());
            if (f != null && !Arrays.equals(f, p.getValue())) {
                throw new IllegalArgumentException(file + ": tensor '" + p.getKey() + "' has shape " + Arrays.toString(f)
                        + " in the file, the model expects " + Arrays.toString(p.getValue()));
            }
        }
        String unused = null;
        for (String name : fileShapes.keySet()) {
            if (!params.containsKey(name)) {
                unused = name;
                break;
            }
        }
        for (Map.Entry<String, int[]> p : params.entrySet()) {
            if (!fileShapes.containsKey(p.getKey())) {
                throw new IllegalArgumentException(file + ": the model's parameter '" + p.getKey() + "' "
                        + Arrays.toString(p.getValue()) + " is not in the file"
                        + (unused == null ? "" : "; the file's first unused tensor is '" + unused + "' "
                        + Arrays.toString(fileShapes.get(unused))));
            }
        }
        if (unused != null) {
            throw new IllegalArgumentException(file + ": tensor '" + unused + "' " + Arrays.toString(fileShapes.get(unused))
                    + " is not a parameter of the model (it has " + params.size() + ": " + firstNames(params) + ")");
        }
    }

    private static String firstNames(Map<String, int[]> params) {
        StringBuilder sb = new StringBuilder();
        int i = 0;
        for (Map.Entry<String, int[]> p : params.entrySet()) {
            if (i++ == 4) {
                return sb.append(", ...").toString();
            }
            sb.append(i > 1 ? ", " : "").append(p.getKey()).append(' ').append(Arrays.toString(p.getValue()));
        }
        return sb.toString();
    }
}
