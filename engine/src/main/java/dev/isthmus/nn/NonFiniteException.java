package dev.isthmus.nn;

/** A NaN or Inf appeared in a forward or backward pass; the message names the first layer that produced it. */
public class NonFiniteException extends ArithmeticException {
    public NonFiniteException(String message) {
        super(message);
    }
}
