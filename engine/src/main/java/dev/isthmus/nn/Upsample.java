package dev.isthmus.nn;

import dev.isthmus.kernel.Pooling;
import dev.isthmus.runtime.Engine;
import dev.isthmus.runtime.ThreadPool;
import dev.isthmus.tensor.Tensor;
import dev.isthmus.tensor.TensorBuffer;

import java.lang.foreign.MemorySegment;

/**
 * Nearest-neighbour upsampling by an integer factor, PyTorch's
 * {@code nn.Upsample(scale_factor=s, mode='nearest')}: input {@code [N, C, H, W]}, output
 * {@code [N, C, H s, W s]}, each pixel repeated as an {@code s x s} block (as in U-Net style decoders).
 * Backward sums each block's gradient.
 */
public class Upsample extends Layer {
    private final int scale;
    private final TensorBuffer output = new TensorBuffer();
    private final TensorBuffer gradInput = new TensorBuffer();
    private int[] inShape, outShape;
    private MemorySegment xSeg, ySeg;
    private final ThreadPool.RangeTask forwardTask = this::forwardPlanes;
    private final ThreadPool.RangeTask backwardTask = this::backwardPlanes;

    public Upsample(int scaleFactor) {
        if (scaleFactor < 1) {
            throw new IllegalArgumentException("Upsample(scale_factor=" + scaleFactor + "): the scale factor must be an integer >= 1");
        }
        this.scale = scaleFactor;
    }

    public int scaleFactor() {
        return scale;
    }

    @Override
    public int[] outputShape(int... s) {
        if (s.length != 4) {
            throw shapeError("[N, C, H, W]", s, null);
        }
        return new int[]{s[0], s[1], Math.multiplyExact(s[2], scale), Math.multiplyExact(s[3], scale)};
    }

    @Override
    public Tensor forward(Tensor x) {
        if (!x.hasShape(inShape)) {
            int[] shape = x.shape();
            outShape = outputShape(shape);
            inShape = shape;
        }
        Tensor y = output.get(outShape);
        xSeg = x.segment();
        ySeg = y.segment();
        forPlanes(forwardTask, y.size());
        xSeg = ySeg = null;
        return y;
    }

    @Override
    public Tensor backward(Tensor dy) {
        if (inShape == null) {
            throw new IllegalStateException(describe() + ": backward before forward");
        }
        if (!dy.hasShape(outShape)) {
            throw shapeError("gradient " + java.util.Arrays.toString(outShape), dy.shape(), "it must match the last forward output");
        }
        if (!inputGradNeeded()) {
            return null;
        }
        Tensor dx = gradInput.get(inShape);
        xSeg = dx.segment();
        ySeg = dy.segment();
        forPlanes(backwardTask, dy.size());
        xSeg = ySeg = null;
        return dx;
    }

    private void forPlanes(ThreadPool.RangeTask task, long work) {
        int planes = inShape[0] * inShape[1];
        if (work >= Pool2d.PARALLEL_MIN) {
            Engine.get().threads().pool().parallelFor(planes, task);
        } else {
            task.run(0, planes, 0);
        }
    }

    private void forwardPlanes(int start, int end, int worker) {
        long hw = (long) inShape[2] * inShape[3];
        Pooling.upsampleForward(xSeg, start * hw, ySeg, start * hw * scale * scale, end - start, inShape[2], inShape[3], scale);
    }

    private void backwardPlanes(int start, int end, int worker) {
        long hw = (long) inShape[2] * inShape[3];
        Pooling.upsampleBackward(ySeg, start * hw * scale * scale, xSeg, start * hw, end - start, inShape[2], inShape[3], scale);
    }

    @Override
    public String describe() {
        return "Upsample(scale_factor=" + scale + ", mode=nearest)";
    }

    @Override
    public void close() {
        output.close();
        gradInput.close();
        super.close();
    }
}
