package dev.isthmus.spark;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns a failed Spark job back into the error that failed its task: a {@link BadRowException} thrown on an
 * executor reaches the driver wrapped in a {@code SparkException} ("Job aborted due to stage failure: ...");
 * the caller gets the row's one-line message instead.
 */
final class SparkErrors {
    private static final Pattern BAD_ROW = Pattern.compile(Pattern.quote(BadRowException.class.getName()) + ": ([^\\n]*)");

    private SparkErrors() {
    }

    /**
     * The {@link BadRowException} behind {@code e}, else {@code e} itself (a checked {@code SparkException}, which
     * Scala throws undeclared, wrapped in an unchecked one).
     */
    static RuntimeException unwrap(Exception e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BadRowException bad) {
                return new BadRowException(bad.getMessage());
            }
        }
        Matcher m = BAD_ROW.matcher(String.valueOf(e.getMessage()));
        if (m.find()) {
            BadRowException bad = new BadRowException(m.group(1));
            bad.initCause(e);
            return bad;
        }
        return e instanceof RuntimeException re ? re : new IllegalStateException(e.getMessage(), e);
    }
}
