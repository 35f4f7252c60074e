package dev.isthmus.cli;

import picocli.CommandLine;

/**
 * Option checks that run before a command does any work (and the output directory's): a value out of range is a usage error (exit status 2,
 * picocli's message and the command's usage hint), not an arithmetic exception from deep inside the engine.
 */
final class Usage {
    /** Largest batch any command accepts: far above what fits a CPU's caches, far below an int overflow. */
    static final int MAX_BATCH = 1 << 20;

    private Usage() {
    }

    /** Throws a usage error with {@code message} unless {@code ok}. */
    static void require(CommandLine.Model.CommandSpec spec, boolean ok, String message) {
        if (!ok) {
            throw new CommandLine.ParameterException(spec.commandLine(), message);
        }
    }

    /** {@code name} must lie in {@code [min, max]}. */
    static void range(CommandLine.Model.CommandSpec spec, String name, long value, long min, long max) {
        require(spec, value >= min && value <= max, name + " must be in " + min + ".." + max + ", got " + value);
    }

    /**
     * Creates a command's output directory before any work, so an unusable {@code --out} fails at once with what
     * the system said (not "file not found" at the end of a training run).
     */
    static void runDirectory(java.nio.file.Path dir) {
        if (java.nio.file.Files.exists(dir) && !java.nio.file.Files.isDirectory(dir)) {
            throw new CliException("the run directory " + dir + " exists and is not a directory");
        }
        try {
            java.nio.file.Files.createDirectories(dir);
        } catch (java.io.IOException | SecurityException e) {
            throw new CliException("cannot create the run directory " + dir + ": " + IsthmusCli.reason(e), e);
        }
        if (!java.nio.file.Files.isWritable(dir)) {
            throw new CliException("the run directory " + dir + " is not writable");
        }
    }
}
