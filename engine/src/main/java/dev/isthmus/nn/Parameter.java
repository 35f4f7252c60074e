package dev.isthmus.nn;

import dev.isthmus.tensor.Tensor;

import java.util.Arrays;

/**
 * A learnable tensor of a layer ({@code weight}, {@code bias}) and its gradient.
 *
 * <p>Both are views: until the parameter is gathered into a model's flat store ({@link Parameters}) they
 * view small buffers of their own; afterwards they view slices of the model's one flat parameter buffer
 * and one flat gradient buffer, so zeroing gradients and an optimizer step are single loops.
 */
public final class Parameter {
    private final String name;
    private final int[] shape;
    private Tensor data;
    private Tensor grad;
    private final boolean decay;

    /**
     * @param name  local name, as in PyTorch ({@code weight}, {@code bias})
     * @param shape PyTorch layout (Linear weight {@code [out, in]}, Conv2d weight {@code [out, in, kh, kw]})
     * @param decay whether weight decay and L1/L2 penalties apply to it by default
     */
    public Parameter(String name, boolean decay, int... shape) {
        this.name = name;
        this.shape = shape.clone();
        this.decay = decay;
        this.data = Tensor.zeros(shape);
        this.grad = Tensor.zeros(shape);
    }

    public String name() {
        return name;
    }

    public int[] shape() {
        return shape.clone();
    }

    public long size() {
        return Tensor.numel(shape);
    }

    /** The values; a view of the model's flat buffer once gathered. */
    public Tensor data() {
        return data;
    }

    /** dL/d(values), accumulated by backward until zeroed. */
    public Tensor grad() {
        return grad;
    }

    public boolean decay() {
        return decay;
    }

    /** Moves this parameter onto new storage, copying the current values; frees the old storage it owned. */
    void rebind(Tensor newData, Tensor newGrad) {
        if (!newData.hasShape(shape) || !newGrad.hasShape(shape)) {
            throw new IllegalArgumentException(name + ": rebind to " + newData.shapeString() + " for shape " + Arrays.toString(shape));
        }
        newData.copyFrom(data);
        newGrad.copyFrom(grad);
        Tensor oldData = data, oldGrad = grad;
        data = newData;
        grad = newGrad;
        oldData.close();
        oldGrad.close();
    }

    @Override
    public String toString() {
        return name + Arrays.toString(shape);
    }
}
