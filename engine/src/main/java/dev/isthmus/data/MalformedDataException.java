package dev.isthmus.data;

import java.io.IOException;

/**
 * A data file that is truncated, corrupt, or whose contents contradict its own header; the message names the
 * file and what is wrong (and the line and column for text formats).
 */
public final class MalformedDataException extends IOException {

    private final String file;
    private final long line;
    private final int column;

    /** A problem with the file as a whole (or a binary one). */
    public MalformedDataException(String file, String problem) {
        this(file, -1, -1, problem, null);
    }

    public MalformedDataException(String file, String problem, Throwable cause) {
        this(file, -1, -1, problem, cause);
    }

    /** A problem at {@code line} (1-based) and {@code column} (1-based, or -1 for the whole line) of a text file. */
    public MalformedDataException(String file, long line, int column, String problem, Throwable cause) {
        super(file + (line > 0 ? ": line " + line + (column > 0 ? ", column " + column : "") : "") + ": " + problem, cause);
        this.file = file;
        this.line = line;
        this.column = column;
    }

    /** The file (or resource) name. */
    public String file() {
        return file;
    }

    /** The 1-based line of a text file, or -1. */
    public long line() {
        return line;
    }

    /** The 1-based column of a text file, or -1. */
    public int column() {
        return column;
    }
}
