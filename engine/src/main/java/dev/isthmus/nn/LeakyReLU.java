package dev.isthmus.nn;

import dev.isthmus.kernel.Activations;

import java.lang.foreign.MemorySegment;
import java.util.Locale;

/** {@code x > 0 ? x : negativeSlope * x}, PyTorch's {@code nn.LeakyReLU} (default slope 0.01). */
public class LeakyReLU extends Elementwise {
    private final float negativeSlope;

    public LeakyReLU() {
        this(0.01f);
    }

    /** @throws IllegalArgumentException if the slope is NaN or infinite */
    public LeakyReLU(float negativeSlope) {
        if (!Float.isFinite(negativeSlope)) {
            throw new IllegalArgumentException("LeakyReLU: negativeSlope must be a finite number, got " + negativeSlope);
        }
        this.negativeSlope = negativeSlope;
    }

    public float negativeSlope() {
        return negativeSlope;
    }

    @Override
    void apply(MemorySegment x, MemorySegment y, long n, State s) {
        Activations.leakyRelu(x, y, n, negativeSlope);
    }

    @Override
    void applyBackward(MemorySegment x, MemorySegment y, MemorySegment dy, MemorySegment dx, long n, State s) {
        // from the input: with a negative slope the output's sign does not tell the side
        Activations.leakyReluBackward(x, dy, dx, n, negativeSlope);
    }

    @Override
    public String describe() {
        return String.format(Locale.ROOT, "LeakyReLU(negativeSlope=%s)", negativeSlope);
    }
}
