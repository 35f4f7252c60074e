package dev.isthmus.io;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A well-formed checkpoint that does not fit the tensors it is loaded into: tensors the model has and
 * the file lacks, tensors the file has and the model lacks, and tensors whose shapes differ. Every
 * problem is listed at once (not just the first), since a user fixing a model definition wants the
 * whole picture.
 */
public class CheckpointMismatchException extends IOException {
    private static final long serialVersionUID = 1L;

    private static final int SHOWN = 10;

    private final transient Path file;
    private final List<String> missing;
    private final List<String> unexpected;
    private final List<String> shapeMismatches;

    public CheckpointMismatchException(Path file, List<String> missing, List<String> unexpected,
                                       List<String> shapeMismatches) {
        super(message(file, missing, unexpected, shapeMismatches));
        this.file = file;
        this.missing = List.copyOf(missing);
        this.unexpected = List.copyOf(unexpected);
        this.shapeMismatches = List.copyOf(shapeMismatches);
    }

    private static String message(Path file, List<String> missing, List<String> unexpected, List<String> shapes) {
        List<String> parts = new ArrayList<>();
        if (!missing.isEmpty()) {
            parts.add("missing tensors (in the model, not in the file) " + few(missing));
        }
        if (!unexpected.isEmpty()) {
            parts.add("unexpected tensors (in the file, not in the model) " + few(unexpected));
        }
        parts.addAll(shapes.size() <= SHOWN ? shapes : shapes.subList(0, SHOWN));
        if (shapes.size() > SHOWN) {
            parts.add((shapes.size() - SHOWN) + " more shape mismatches");
        }
        return file + " does not match the model: " + String.join("; ", parts);
    }

    /** At most {@value #SHOWN} names (each cut to 80 characters), so a hostile file cannot make a megabyte message. */
    private static String few(List<String> names) {
        List<String> shown = new ArrayList<>();
        for (String n : names.subList(0, Math.min(SHOWN, names.size()))) {
            shown.add(n.length() <= 80 ? n : n.substring(0, 77) + "...");
        }
        return shown + (names.size() > SHOWN ? " and " + (names.size() - SHOWN) + " more" : "");
    }

    public Path file() {
        return file;
    }

    /** Names the model expects and the file lacks. */
    public List<String> missing() {
        return missing;
    }

    /** Names the file holds and the model lacks. */
    public List<String> unexpected() {
        return unexpected;
    }

    /** One line per tensor whose shape differs, e.g. {@code 0.weight: file has [40, 784], model expects [40, 100]}. */
    public List<String> shapeMismatches() {
        return shapeMismatches;
    }
}
