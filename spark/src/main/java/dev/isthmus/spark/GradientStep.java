package dev.isthmus.spark;

import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;

import java.lang.foreign.MemorySegment;
import java.util.Iterator;
import java.util.List;

/**
 * The task of one training step (what MLlib's MultilayerPerceptronClassifier runs per partition): read the
 * broadcast weights, compute this partition's share of the global mini-batch with Isthmus, and hand back its
 * summed gradient and loss as a leaf of the {@link GradientSum} (at the place {@link AggregationOrder} gives
 * it). Depends only on its inputs, so a retried
 * task returns the same bits.
 */
final class GradientStep implements FlatMapFunction<Iterator<PartitionBlock>, GradientSum> {
    private static final long serialVersionUID = 1L;

    private final String runId;
    private final String architecture;
    private final int[] inputShape;
    private final Broadcast<byte[]> weights;
    private final Broadcast<int[]> order;
    private final long[] blockStarts;
    private final int[] leafLabels;
    private final int from;
    private final int to;
    private final float scale;
    private final long step;
    private final StepHook hook;

    GradientStep(String runId, String architecture, int[] inputShape, Broadcast<byte[]> weights, Broadcast<int[]> order,
                 long[] blockStarts, int[] leafLabels, int from, int to, float scale, long step, StepHook hook) {
        this.runId = runId;
        this.architecture = architecture;
        this.inputShape = inputShape;
        this.weights = weights;
        this.order = order;
        this.blockStarts = blockStarts;
        this.leafLabels = leafLabels;
        this.from = from;
        this.to = to;
        this.scale = scale;
        this.step = step;
        this.hook = hook;
    }

    @Override
    public Iterator<GradientSum> call(Iterator<PartitionBlock> blocks) {
        PartitionBlock block = blocks.next();
        TrainingWorker worker = ExecutorCache.borrow(runId, () -> new TrainingWorker(architecture, inputShape));
        GradientSum.Node leaf;
        try {
            leaf = worker.compute(MemorySegment.ofArray(weights.value()), "weights of step " + step, block,
                    blockStarts[block.partition], order.value(), from, to, scale);
            hook.afterGradient(step, block.partition);
        } catch (RuntimeException | Error e) {
            worker.close();
            throw e;
        }
        ExecutorCache.release(runId, worker);
        return List.of(new GradientSum(blockStarts.length).add(leafLabels[block.partition], leaf)).iterator();
    }
}
