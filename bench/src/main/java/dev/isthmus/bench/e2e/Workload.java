package dev.isthmus.bench.e2e;

import dev.isthmus.loss.CrossEntropyLoss;
import dev.isthmus.models.CourseModels;
import dev.isthmus.nn.Sequential;
import dev.isthmus.optim.Adam;
import dev.isthmus.optim.Optimizer;
import dev.isthmus.optim.SGD;
import dev.isthmus.tensor.Rng;
import dev.isthmus.tensor.Tensor;

/**
 * One of the end-to-end workloads, set up on synthetic data: a course model, a fixed batch of random
 * inputs and class labels, cross-entropy and an optimizer. {@link #trainStep()} is the step
 * {@code dev.isthmus.train.Trainer} runs per batch (forward, loss, backward, optimizer step, zero the
 * gradients); {@link #inferStep()} is a forward pass in eval mode. Shared by {@link EndToEnd} and the JMH
 * training-step benchmark, so both measure the same thing as {@code bench/pytorch/peer.py}.
 */
public final class Workload implements AutoCloseable {
    /** The models of the comparison, with the input shape (without the batch axis) and class count each takes. */
    public enum Model {
        MLP(new int[]{1, 28, 28}, 10),
        LENET5(new int[]{1, 28, 28}, 10),
        ALEXNET(new int[]{3, 224, 224}, 1000);

        final int[] sampleShape;
        final int classes;

        Model(int[] sampleShape, int classes) {
            this.sampleShape = sampleShape;
            this.classes = classes;
        }

        Sequential build(long seed) {
            return switch (this) {
                case MLP -> CourseModels.digitsMlp(classes, seed);
                case LENET5 -> CourseModels.lenet5(classes, seed);
                case ALEXNET -> CourseModels.alexnet(classes, seed);
            };
        }
    }

    /** The optimizers of the comparison: Adam at lr 1e-3, plain SGD at lr 0.01 (PyTorch's defaults otherwise). */
    public enum Opt { ADAM, SGD }

    private final Sequential model;
    private final CrossEntropyLoss loss = new CrossEntropyLoss();
    private final Optimizer optimizer;
    private final Tensor x;
    private final Tensor y;
    private final int batch;
    private float lastLoss;

    public Workload(Model kind, int batch, Opt opt, long seed) {
        if (batch < 1) {
            throw new IllegalArgumentException("Workload " + kind + ": batch must be >= 1, got " + batch);
        }
        this.batch = batch;
        this.model = kind.build(seed);
        Rng rng = new Rng(seed ^ 0x9E3779B97F4A7C15L);
        int[] shape = new int[kind.sampleShape.length + 1];
        shape[0] = batch;
        System.arraycopy(kind.sampleShape, 0, shape, 1, kind.sampleShape.length);
        this.x = Tensor.randn(rng, shape);
        this.y = Tensor.zeros(batch);
        for (int i = 0; i < batch; i++) {
            y.setFlat(i, rng.nextInt(kind.classes));
        }
        this.optimizer = switch (opt) {
            case ADAM -> new Adam(model.parameters(), 1e-3);
            case SGD -> new SGD(model.parameters(), 0.01);
        };
        optimizer.zeroGrad();
    }

    /** One training step on the fixed batch; returns the loss before the update. */
    public float trainStep() {
        if (!model.isTraining()) {
            model.train(); // once, as the Trainer does per epoch (walking the children allocates)
        }
        Tensor out = model.forward(x);
        float l = loss.forward(out, y);
        model.backward(loss.backward(1f));
        optimizer.step();
        optimizer.zeroGrad();
        lastLoss = l;
        return l;
    }

    /** One forward pass in eval mode on the fixed batch; returns the logits (owned by the model). */
    public Tensor inferStep() {
        if (model.isTraining()) {
            model.eval();
        }
        return model.forward(x);
    }

    public int batch() {
        return batch;
    }

    public float lastLoss() {
        return lastLoss;
    }

    public Sequential model() {
        return model;
    }

    @Override
    public void close() {
        optimizer.close();
        loss.close();
        model.close();
        x.close();
        y.close();
    }
}
