package dev.isthmus.spark;

/**
 * A DataFrame row that does not fit the model: wrong feature count, a label outside the classes, a null.
 * Thrown inside a Spark task (a task failure, never a dead executor) and rethrown on the driver with the same
 * one-line message, which names the partition, the row's index within it and the expected shape.
 */
public final class BadRowException extends IllegalArgumentException {
    public BadRowException(String message) {
        super(message);
    }
}
