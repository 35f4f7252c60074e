package dev.isthmus.kernel.conv;

import dev.isthmus.tensor.TensorBuffer;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * One way of computing a convolution (im2col per image, im2col batched, direct), with its own buffers and
 * parallel tasks for one {@link ConvGeometry}. An instance belongs to one caller's state and runs one pass
 * at a time; the weights it reads are shared. Operands are whole NCHW tensors: {@code x [n, in, h, w]},
 * {@code y [n, out, oh, ow]}, {@code weight [out, k]}, {@code bias [out]} or null.
 */
public abstract class ConvPass implements AutoCloseable {
    protected final ConvGeometry g;
    private final List<TensorBuffer> buffers = new ArrayList<>();

    protected ConvPass(ConvGeometry g) {
        this.g = g;
    }

    public final ConvGeometry geometry() {
        return g;
    }

    /** {@code y = conv(x, weight) + bias}; with {@code keep}, what backward can reuse may be kept (columns). */
    public abstract void forward(MemorySegment x, MemorySegment weight, MemorySegment bias, MemorySegment y, boolean keep);

    /**
     * Adds dL/dW into {@code dW} and dL/db into {@code dB} (null without bias), and writes dL/dx into
     * {@code dx} unless it is null; {@code x} is the input of the last forward.
     */
    public abstract void backward(MemorySegment x, MemorySegment dy, MemorySegment weight, MemorySegment dW,
                                  MemorySegment dB, MemorySegment dx);

    /** A buffer this pass owns. */
    protected final TensorBuffer buffer() {
        TensorBuffer b = new TensorBuffer();
        buffers.add(b);
        return b;
    }

    /** A buffer of {@code rows} rows of {@code cols} floats (zeroed when asked), as a segment. */
    protected final MemorySegment rows(TensorBuffer b, int rows, long cols, String what, boolean zero) {
        int c = g.checkedInt(cols, what);
        return (zero ? b.zeros(rows, c) : b.get(rows, c)).segment();
    }

    @Override
    public void close() {
        for (TensorBuffer b : buffers) {
            b.close();
        }
    }
}
