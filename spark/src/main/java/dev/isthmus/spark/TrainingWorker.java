package dev.isthmus.spark;

import dev.isthmus.io.SafeTensors;
import dev.isthmus.loss.CrossEntropyLoss;
import dev.isthmus.loss.Reduction;
import dev.isthmus.nn.Layer;
import dev.isthmus.nn.LayerState;
import dev.isthmus.nn.ModelSpec;
import dev.isthmus.tensor.Tensor;
import dev.isthmus.tensor.TensorBuffer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * An executor's copy of the model being trained, with its loss and batch buffers: given the step's weights
 * and this partition's share of the global mini-batch, it returns the share's summed gradient and loss. Tasks
 * borrow workers from {@link ExecutorCache} (one task uses a worker at a time), so buffers are reused from
 * step to step (a task thread borrows it, the next step's task thread may be another one) instead of rebuilding the model each time.
 */
final class TrainingWorker implements AutoCloseable {
    private final Layer model;
    /** This worker's activations: passed explicitly because the worker moves between Spark's task threads. */
    private final LayerState state;
    private final int[] sampleShape;
    private final CrossEntropyLoss loss = new CrossEntropyLoss(Reduction.SUM);
    private final TensorBuffer xs = new TensorBuffer();
    private final TensorBuffer ys = new TensorBuffer();

    TrainingWorker(String architecture, int[] inputShape) {
        this.model = ModelSpec.fromJson(architecture);
        this.sampleShape = inputShape.clone();
        model.parameters();
        model.train();
        this.state = model.newState();
    }

    /**
     * The gradient and loss of the samples {@code order[from, to)} that live in {@code block} (whose first row
     * has global index {@code blockStart}), in that order, with every per-sample gradient scaled by {@code scale}
     * (1 / the global batch size, so the partitions' sums add up to the mean gradient). Returns a node without
     * a gradient when none of the batch lives here.
     */
    GradientSum.Node compute(MemorySegment weights, String weightsName, PartitionBlock block, long blockStart,
                             int[] order, int from, int to, float scale) {
        int k = 0;
        for (int i = from; i < to; i++) {
            long local = order[i] - blockStart;
            if (local >= 0 && local < block.rows) {
                k++;
            }
        }
        if (k == 0) {
            return new GradientSum.Node(null, 0, 0, 0);
        }
        long t0 = System.nanoTime();
        try {
            SafeTensors.loadInto(weights, weightsName, model.stateDict(), true);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int len = block.featureLength;
        int[] shape = new int[sampleShape.length + 1];
        shape[0] = k;
        System.arraycopy(sampleShape, 0, shape, 1, sampleShape.length);
        Tensor x = xs.get(shape);
        Tensor y = ys.get(k);
        MemorySegment xseg = x.segment();
        int row = 0;
        for (int i = from; i < to; i++) {
            long local = order[i] - blockStart;
            if (local >= 0 && local < block.rows) {
                MemorySegment.copy(block.features, (int) local * len, xseg, ValueLayout.JAVA_FLOAT, (long) row * len * Float.BYTES, len);
                y.setFlat(row, block.labels[(int) local]);
                row++;
            }
        }
        model.parameters().zeroGrad();
        Tensor out = model.forward(x, state, true);
        double l = loss.forward(out, y);
        model.backward(loss.backward(scale), state);
        return new GradientSum.Node(model.parameters().grad().toArray(), l, k, System.nanoTime() - t0);
    }

    @Override
    public void close() {
        state.close();
        model.close();
        loss.close();
        xs.close();
        ys.close();
    }
}
