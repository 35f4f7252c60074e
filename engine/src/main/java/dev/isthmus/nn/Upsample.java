package dev.isthmus.nn;

import dev.isthmus.kernel.pool.Upsampling;
import dev.isthmus.kernel.Engine;
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

    /** Per-call state: output and gradient buffers, the last shapes, and the plane tasks with their operands. */
    final class State extends LayerState {
        final TensorBuffer output = buffer();
        final TensorBuffer gradInput = buffer();
        int[] inShape, outShape;
        boolean kept;
        MemorySegment xSeg, ySeg;
        final ThreadPool.RangeTask forwardTask = this::forwardPlanes;
        final ThreadPool.RangeTask backwardTask = this::backwardPlanes;

        private void forwardPlanes(int start, int end, int worker) {
            long hw = (long) inShape[2] * inShape[3];
            Upsampling.forward(xSeg, start * hw, ySeg, start * hw * scale * scale, end - start, inShape[2], inShape[3], scale);
        }

        private void backwardPlanes(int start, int end, int worker) {
            long hw = (long) inShape[2] * inShape[3];
            Upsampling.backward(ySeg, start * hw * scale * scale, xSeg, start * hw, end - start, inShape[2], inShape[3], scale);
        }
    }

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
    public LayerState newState() {
        return new State();
    }

    @Override
    public Tensor forward(Tensor x, LayerState state, boolean keep) {
        State s = stateOf(state, State.class);
        if (!x.hasShape(s.inShape)) {
            int[] shape = x.shape();
            s.outShape = outputShape(shape);
            s.inShape = shape;
        }
        Tensor y = s.output.get(s.outShape);
        s.xSeg = x.segment();
        s.ySeg = y.segment();
        forPlanes(s, s.forwardTask, y.size());
        s.xSeg = s.ySeg = null;
        s.kept = keep;
        return y;
    }

    @Override
    public Tensor backward(Tensor dy, LayerState state) {
        State s = stateOf(state, State.class);
        if (!s.kept) {
            throw new IllegalStateException(describe() + ": backward before forward");
        }
        if (!dy.hasShape(s.outShape)) {
            throw shapeError("gradient " + java.util.Arrays.toString(s.outShape), dy.shape(), "it must match the last forward output");
        }
        if (!inputGradNeeded()) {
            return null;
        }
        Tensor dx = s.gradInput.get(s.inShape);
        s.xSeg = dx.segment();
        s.ySeg = dy.segment();
        forPlanes(s, s.backwardTask, dy.size());
        s.xSeg = s.ySeg = null;
        return dx;
    }

    private static void forPlanes(State s, ThreadPool.RangeTask task, long work) {
        int planes = s.inShape[0] * s.inShape[1];
        if (work >= Pool2d.PARALLEL_MIN) {
            Engine.get().threads().pool().parallelFor(planes, task);
        } else {
            task.run(0, planes, 0);
        }
    }

    @Override
    public String describe() {
        return "Upsample(scale_factor=" + scale + ", mode=nearest)";
    }
}
