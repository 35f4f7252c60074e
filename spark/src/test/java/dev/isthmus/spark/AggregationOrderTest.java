package dev.isthmus.spark;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * treeAggregate(depth 2) over 8 partitions sends partition i to reducer i mod 2, over 32 to i mod 5. With the
 * leaves numbered reducer by reducer, each reducer merges its partials into a few nodes before the driver; in
 * partition order nothing would merge and the driver would get all 32 gradients.
 */
class AggregationOrderTest {

    @Test
    void levelsFollowSparksTreeAggregate() {
        assertArrayEquals(new int[0], AggregationOrder.levels(2, 2));
        assertArrayEquals(new int[0], AggregationOrder.levels(5, 2));
        assertArrayEquals(new int[] {2}, AggregationOrder.levels(6, 2));
        assertArrayEquals(new int[] {2}, AggregationOrder.levels(8, 2));
        assertArrayEquals(new int[] {5}, AggregationOrder.levels(32, 2));
        assertArrayEquals(new int[] {8, 2}, AggregationOrder.levels(32, 3));
    }

    /** Partials the driver receives when reducer r of the first level holds partitions i with i mod c == r. */
    static int arrivingAtDriver(int partitions, int[] labels, int reducers) {
        int total = 0;
        for (int r = 0; r < reducers; r++) {
            GradientSum s = new GradientSum(partitions);
            for (int i = r; i < partitions; i += reducers) {
                s.add(labels[i], new GradientSum.Node(new float[] {i}, i, 1, 0));
            }
            total += s.pendingCount();
        }
        return total;
    }

    @Test
    void labelsArePermutationsThatLetReducersMerge() {
        for (int p : new int[] {1, 2, 3, 6, 8, 13, 32, 100}) {
            int[] labels = AggregationOrder.leafLabels(p, 2);
            int[] sorted = labels.clone();
            Arrays.sort(sorted);
            for (int i = 0; i < p; i++) {
                assertEquals(i, sorted[i], p + " partitions: a permutation");
            }
        }
        int[] identity = new int[32];
        Arrays.setAll(identity, i -> i);
        assertEquals(32, arrivingAtDriver(32, identity, 5), "partition order: nothing merges");
        int merged = arrivingAtDriver(32, AggregationOrder.leafLabels(32, 2), 5);
        assertTrue(merged <= 12, "reducer by reducer: " + merged + " partials reach the driver");
        assertEquals(2, arrivingAtDriver(8, AggregationOrder.leafLabels(8, 2), 2), "8 partitions: one sum per reducer");
    }
}
