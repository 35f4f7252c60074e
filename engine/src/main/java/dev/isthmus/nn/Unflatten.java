package dev.isthmus.nn;

import java.util.Arrays;

/**
 * Splits one dimension into several, PyTorch's {@code nn.Unflatten(dim, sizes)}: e.g.
 * {@code new Unflatten(1, 1, 28, 28)} turns {@code [N, 784]} into {@code [N, 1, 28, 28]}; one size may be
 * {@code -1}. Zero-copy.
 */
public class Unflatten extends ViewLayer {
    private final int dim;
    private final int[] sizes;

    public Unflatten(int dim, int... sizes) {
        if (sizes.length == 0) {
            throw new IllegalArgumentException("Unflatten: give at least one size");
        }
        checkSizes("Unflatten", sizes);
        this.dim = dim;
        this.sizes = sizes.clone();
    }

    public int dim() {
        return dim;
    }

    public int[] sizes() {
        return sizes.clone();
    }

    @Override
    public int[] outputShape(int... s) {
        int d = dim < 0 ? s.length + dim : dim;
        int[] split = d < 0 || d >= s.length ? null : resolve(sizes, s[d]);
        if (split == null) {
            throw shapeError("a dimension " + dim + " that splits into " + Arrays.toString(sizes), s, null);
        }
        int[] out = new int[s.length - 1 + split.length];
        System.arraycopy(s, 0, out, 0, d);
        System.arraycopy(split, 0, out, d, split.length);
        System.arraycopy(s, d + 1, out, d + split.length, s.length - d - 1);
        return out;
    }

    @Override
    public String describe() {
        return "Unflatten(dim=" + dim + ", sizes=" + Arrays.toString(sizes) + ")";
    }
}
