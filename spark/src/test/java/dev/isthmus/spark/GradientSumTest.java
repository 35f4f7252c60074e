package dev.isthmus.spark;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Float addition is not associative, so the order in which Spark delivers partial gradients would change the
 * bits of their sum; {@link GradientSum} adds them in one tree order whatever the arrival order and grouping.
 */
class GradientSumTest {

    static GradientSum.Node leaf(Random r, int n) {
        float[] g = new float[n];
        for (int i = 0; i < n; i++) {
            g[i] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(7) - 3));
        }
        return new GradientSum.Node(g, r.nextDouble(), 1 + r.nextInt(10), r.nextInt(1000));
    }

    static GradientSum.Node copy(GradientSum.Node n) {
        return new GradientSum.Node(n.grad() == null ? null : n.grad().clone(), n.loss(), n.count(), n.maxNanos());
    }

    @Test
    void anyArrivalOrderAndGroupingGivesTheSameBits() {
        for (int partitions : new int[] {1, 2, 3, 5, 8, 13}) {
            Random r = new Random(partitions);
            List<GradientSum.Node> leaves = new ArrayList<>();
            for (int p = 0; p < partitions; p++) {
                leaves.add(p == 1 ? new GradientSum.Node(null, 0, 0, 0) : leaf(r, 257));
            }
            GradientSum inOrder = new GradientSum(partitions);
            for (int p = 0; p < partitions; p++) {
                inOrder.add(p, copy(leaves.get(p)));
            }
            GradientSum.Node expected = inOrder.total();
            for (int trial = 0; trial < 20; trial++) {
                List<Integer> order = new ArrayList<>();
                for (int p = 0; p < partitions; p++) {
                    order.add(p);
                }
                Collections.shuffle(order, r);
                // Scatter the leaves over 3 mergers (as treeAggregate's intermediate level does), merge those in a random order.
                List<GradientSum> mergers = new ArrayList<>();
                for (int k = 0; k < 3; k++) {
                    mergers.add(new GradientSum(partitions));
                }
                for (int p : order) {
                    mergers.get(r.nextInt(3)).add(p, copy(leaves.get(p)));
                }
                Collections.shuffle(mergers, r);
                GradientSum total = new GradientSum(partitions);
                mergers.forEach(total::merge);
                GradientSum.Node got = total.total();
                assertArrayEquals(expected.grad(), got.grad(), 0f, partitions + " partitions, trial " + trial);
                assertEquals(Double.doubleToLongBits(expected.loss()), Double.doubleToLongBits(got.loss()));
                assertEquals(expected.count(), got.count());
                assertEquals(expected.maxNanos(), got.maxNanos());
            }
            // And the tree sum is a sum: close to the plain left-to-right one.
            double[] exact = new double[257], magnitude = new double[257];
            for (GradientSum.Node n : leaves) {
                if (n.grad() != null) {
                    for (int i = 0; i < exact.length; i++) {
                        exact[i] += n.grad()[i];
                        magnitude[i] += Math.abs(n.grad()[i]);
                    }
                }
            }
            for (int i = 0; i < exact.length; i++) {
                // Error bound of a float sum of 13 terms: about 13 ulps of the sum of magnitudes.
                assertEquals(exact[i], expected.grad()[i], 13 * Math.ulp((float) magnitude[i]));
            }
        }
    }

    @Test
    void missingOrRepeatedPartitionsAreErrors() {
        Random r = new Random(1);
        GradientSum s = new GradientSum(3).add(0, leaf(r, 4)).add(2, leaf(r, 4));
        assertThrows(IllegalStateException.class, s::total);
        assertThrows(IllegalArgumentException.class, () -> s.add(3, leaf(r, 4)));
        assertThrows(IllegalStateException.class, () -> new GradientSum(3).add(2, leaf(r, 4)).add(2, leaf(r, 4)));
    }
}
