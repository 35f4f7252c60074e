package dev.isthmus.cli;

/** A failure the user can fix (bad data, unreadable file, unfit option): printed as one line, exit status 1. */
final class CliException extends RuntimeException {
    CliException(String message) {
        super(message);
    }

    CliException(String message, Throwable cause) {
        super(message, cause);
    }
}
