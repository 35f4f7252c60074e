package dev.isthmus.nn;

import java.util.Arrays;

/**
 * Gives each sample a new shape, keeping the batch dimension: {@code [N, ...] -> [N, sampleShape...]}
 * (PyTorch's {@code x.view(N, *sampleShape)}); one size may be {@code -1} and is inferred. Zero-copy.
 * Example: {@code new Reshape(1, 28, 28)} turns {@code [N, 784]} into {@code [N, 1, 28, 28]}.
 */
public class Reshape extends ViewLayer {
    private final int[] sampleShape;

    public Reshape(int... sampleShape) {
        checkSizes("Reshape", sampleShape);
        this.sampleShape = sampleShape.clone();
    }

    /** The per-sample shape (may contain one -1). */
    public int[] sampleShape() {
        return sampleShape.clone();
    }

    @Override
    public int[] outputShape(int... s) {
        if (s.length < 1) {
            throw shapeError("[N, ...]", s, null);
        }
        int[] per = resolve(sampleShape, s.length == 1 ? 1 : product(s, 1, s.length - 1));
        if (per == null) {
            throw shapeError("[N, ...] with " + (s.length == 1 ? 1 : product(s, 1, s.length - 1)) + " elements per sample fitting "
                    + Arrays.toString(sampleShape), s, null);
        }
        int[] out = new int[per.length + 1];
        out[0] = s[0];
        System.arraycopy(per, 0, out, 1, per.length);
        return out;
    }

    @Override
    public String describe() {
        return "Reshape(" + Arrays.toString(sampleShape).replace("[", "").replace("]", "") + ")";
    }
}
