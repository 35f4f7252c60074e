package dev.isthmus.cli;

import picocli.CommandLine.Option;

/**
 * {@code --verbose}, a picocli mixin of every command: errors then print their stack trace after the one-line
 * reason. {@link IsthmusCli} reads the flag from the parsed arguments, so it works even when the command
 * fails before its fields are set.
 */
final class Verbose {
    @Option(names = "--verbose", description = "Stack traces on errors.")
    boolean verbose;
}
