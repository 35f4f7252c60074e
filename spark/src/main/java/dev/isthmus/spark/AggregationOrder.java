package dev.isthmus.spark;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Where each partition's partial gradient sits among the leaves of the {@link GradientSum} tree, chosen to suit
 * {@code treeAggregate}: its intermediate levels send partition {@code i} to reducer {@code i mod c}, so with
 * leaves in partition order no two tree siblings would ever meet before the driver, and the driver would
 * receive every partial unmerged. Numbering the partitions reducer by reducer instead gives each reducer a
 * contiguous run of leaves, which it merges down to a few nodes. The labelling is a fixed function of the
 * partition count and depth, so the summation order, and with it the result's bits, stay fixed.
 */
final class AggregationOrder {
    private AggregationOrder() {
    }

    /**
     * The intermediate partition counts {@code treeAggregate(depth)} uses over {@code partitions} partitions
     * (Spark's own loop: {@code scale = max(ceil(P^(1/depth)), 2)}; a level while {@code P > scale + ceil(P/scale)}).
     */
    static int[] levels(int partitions, int depth) {
        int scale = Math.max((int) Math.ceil(Math.pow(partitions, 1.0 / depth)), 2);
        List<Integer> out = new ArrayList<>();
        int n = partitions;
        while (n > scale + (int) Math.ceil((double) n / scale)) {
            n /= scale;
            out.add(n);
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The leaf label of every partition: a permutation of {@code 0..partitions-1}. */
    static int[] leafLabels(int partitions, int depth) {
        int[] levels = levels(partitions, depth);
        int[][] keys = new int[partitions][];
        Integer[] order = new Integer[partitions];
        for (int i = 0; i < partitions; i++) {
            int[] k = new int[levels.length + 1];
            int at = i;
            for (int l = 0; l < levels.length; l++) {
                at %= levels[l];
                k[levels.length - 1 - l] = at; // the last level's reducer sorts first
            }
            k[levels.length] = i;
            keys[i] = k;
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparing(i -> keys[i], Arrays::compare));
        int[] label = new int[partitions];
        for (int rank = 0; rank < partitions; rank++) {
            label[order[rank]] = rank;
        }
        return label;
    }
}
