package dev.isthmus.bench.nn;

/**
 * The convolution layers benchmarked: LeNet-5's two convolutions on MNIST-sized inputs and AlexNet's five
 * on 224x224 images (batch given separately). A first layer ({@code first}) computes no input gradient, as
 * in a real network.
 */
public enum ConvShape {
    LENET_C1(1, 28, 28, 6, 5, 1, 2, true),
    LENET_C3(6, 14, 14, 16, 5, 1, 0, false),
    ALEX_C1(3, 224, 224, 96, 11, 4, 2, true),
    ALEX_C2(96, 27, 27, 256, 5, 1, 2, false),
    ALEX_C3(256, 13, 13, 384, 3, 1, 1, false),
    ALEX_C4(384, 13, 13, 384, 3, 1, 1, false),
    ALEX_C5(384, 13, 13, 256, 3, 1, 1, false);

    public final int in, h, w, out, kernel, stride, padding;
    public final boolean first;

    ConvShape(int in, int h, int w, int out, int kernel, int stride, int padding, boolean first) {
        this.in = in;
        this.h = h;
        this.w = w;
        this.out = out;
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
        this.first = first;
    }

    public boolean lenet() {
        return name().startsWith("LENET");
    }

    public int oh() {
        return (h + 2 * padding - kernel) / stride + 1;
    }

    public int ow() {
        return (w + 2 * padding - kernel) / stride + 1;
    }

    /** Rows of the im2col matrix: {@code in * kernel^2}. */
    public int k() {
        return in * kernel * kernel;
    }

    /** Columns of one image's im2col matrix: {@code OH * OW}. */
    public int p() {
        return oh() * ow();
    }

    /** Multiply-adds times two of the forward pass for {@code batch} images (= one GEMM of the im2col shape). */
    public double forwardFlops(int batch) {
        return 2.0 * out * k() * p() * batch;
    }

    /** Forward plus backward: the weight-gradient GEMM, and the input-gradient GEMM unless this is a first layer. */
    public double trainFlops(int batch) {
        return forwardFlops(batch) * (first ? 2 : 3);
    }
}
