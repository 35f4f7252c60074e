package dev.isthmus.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A checkpoint file that cannot be read because its bytes break the format: a truncated, corrupt or
 * hostile file. The message names the file and what is wrong with it, so a user can tell a damaged
 * download from a bug.
 */
public class CheckpointFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final String problem;

    public CheckpointFormatException(Path file, String problem) {
        this(file, problem, null);
    }

    public CheckpointFormatException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
        this.problem = problem;
    }

    /** The file that was being read. */
    public Path file() {
        return file;
    }

    /** What is wrong, without the file name. */
    public String problem() {
        return problem;
    }
}
