package dev.isthmus.nn;

/**
 * Merges dimensions {@code startDim..endDim} into one, PyTorch's {@code nn.Flatten} (default: all but the
 * batch dimension, {@code [N, C, H, W] -> [N, C*H*W]}). Zero-copy: output and input gradient are views.
 */
public class Flatten extends ViewLayer {
    private final int startDim;
    private final int endDim;

    public Flatten() {
        this(1, -1);
    }

    /** @param startDim first dimension merged; @param endDim last one (negative counts from the end) */
    public Flatten(int startDim, int endDim) {
        this.startDim = startDim;
        this.endDim = endDim;
    }

    public int startDim() {
        return startDim;
    }

    public int endDim() {
        return endDim;
    }

    @Override
    public int[] outputShape(int... s) {
        int a = startDim < 0 ? s.length + startDim : startDim;
        int b = endDim < 0 ? s.length + endDim : endDim;
        if (a < 0 || b >= s.length || a > b) {
            throw shapeError("a tensor with dimensions " + startDim + ".." + endDim, s, null);
        }
        int[] out = new int[s.length - (b - a)];
        System.arraycopy(s, 0, out, 0, a);
        out[a] = product(s, a, b);
        System.arraycopy(s, b + 1, out, a + 1, s.length - b - 1);
        return out;
    }

    @Override
    public String describe() {
        return startDim == 1 && endDim == -1 ? "Flatten()" : "Flatten(startDim=" + startDim + ", endDim=" + endDim + ")";
    }
}
