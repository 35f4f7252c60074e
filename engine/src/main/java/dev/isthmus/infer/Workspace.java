package dev.isthmus.infer;

import dev.isthmus.nn.Layer;
import dev.isthmus.nn.LayerState;
import dev.isthmus.tensor.Tensor;
import dev.isthmus.tensor.TensorBuffer;

/**
 * Everything one prediction call needs that is not a weight: the model's per-call state tree and the input
 * buffer, with the shapes of the last batch size kept so that a steady call allocates nothing. Used by one
 * thread at a time (the {@link WorkspacePool} hands it out); freed by {@link #close()}.
 */
final class Workspace implements AutoCloseable {
    final LayerState state;
    private final TensorBuffer input = new TensorBuffer();
    private final int[] sampleShape;
    private int batch = -1;
    private int[] batchShape;

    Workspace(Layer model, int[] sampleShape) {
        this.state = model.newState();
        this.sampleShape = sampleShape;
    }

    /** The input tensor {@code [batch, sample...]} over this workspace's buffer. */
    Tensor input(int batch) {
        if (batch != this.batch) {
            int[] s = new int[sampleShape.length + 1];
            s[0] = batch;
            System.arraycopy(sampleShape, 0, s, 1, sampleShape.length);
            batchShape = s;
            this.batch = batch;
        }
        return input.get(batchShape);
    }

    @Override
    public void close() {
        state.close();
        input.close();
    }
}
