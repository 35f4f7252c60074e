package dev.isthmus.spark;

import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;

/**
 * The sum of the partitions' gradients and losses, added in one fixed order whatever order Spark delivers them
 * in: the partials are the leaves of a binary tree over partition numbers, and two nodes are added only when
 * they are siblings (left + right). {@code treeAggregate} may merge partials on any executor, in any order,
 * and a retried task may finish last instead of first; the root is the same bits every time, so a seeded run
 * is reproducible and a retry does not change the result.
 *
 * <p>Partials whose sibling has not arrived wait in {@link #pending}; in the worst case (every partition's
 * partial arriving at one merger before any sibling) that holds one gradient per partition.
 */
final class GradientSum implements Serializable {
    private static final long serialVersionUID = 1L;

    /**
     * One node of the tree: a gradient (null: all-empty partitions), a loss sum, a sample count and the longest
     * time any of its partitions spent computing.
     */
    record Node(float[] grad, double loss, long count, long maxNanos) implements Serializable {
    }

    private final int partitions;
    private final Map<Long, Node> pending = new HashMap<>();

    GradientSum(int partitions) {
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be >= 1, got " + partitions);
        }
        this.partitions = partitions;
    }

    /** Adds partition {@code partition}'s partial. */
    GradientSum add(int partition, Node leaf) {
        if (partition < 0 || partition >= partitions) {
            throw new IllegalArgumentException("partition " + partition + " outside [0, " + partitions + ")");
        }
        insert(0, partition, leaf);
        return this;
    }

    /** Adds everything {@code other} holds (its pending nodes climb the same tree). */
    GradientSum merge(GradientSum other) {
        if (other.partitions != partitions) {
            throw new IllegalArgumentException("merging sums over " + other.partitions + " and " + partitions + " partitions");
        }
        other.pending.forEach((key, node) -> insert((int) (key >>> 32), (int) (long) key, node));
        other.pending.clear();
        return this;
    }

    /** The complete sum; throws if some partition's partial is missing. */
    Node total() {
        int root = rootLevel();
        Node n = pending.get(key(root, 0));
        if (n == null || pending.size() != 1) {
            throw new IllegalStateException("gradient sum incomplete: " + pending.size() + " partial sums pending over "
                    + partitions + " partitions");
        }
        return n;
    }

    /** Partial sums held, waiting for their siblings (what this object carries when serialized). */
    int pendingCount() {
        return pending.size();
    }

    private int rootLevel() {
        int level = 0;
        while ((1L << level) < partitions) {
            level++;
        }
        return level;
    }

    private void insert(int level, int index, Node node) {
        int root = rootLevel();
        while (level < root) {
            int sibling = index ^ 1;
            if (((long) sibling << level) >= partitions) {
                // The sibling's range is past the last partition: nothing to add, move up.
            } else {
                Node other = pending.remove(key(level, sibling));
                if (other == null) {
                    break;
                }
                node = (index & 1) == 0 ? add(node, other) : add(other, node);
            }
            level++;
            index >>= 1;
        }
        if (pending.putIfAbsent(key(level, index), node) != null) {
            throw new IllegalStateException("partition range (" + level + ", " + index + ") added twice");
        }
    }

    private static long key(int level, int index) {
        return ((long) level << 32) | (index & 0xFFFFFFFFL);
    }

    /** left + right, element by element, into left's array when it has one. */
    private static Node add(Node left, Node right) {
        float[] g;
        if (left.grad == null) {
            g = right.grad;
        } else if (right.grad == null) {
            g = left.grad;
        } else {
            if (left.grad.length != right.grad.length) {
                throw new IllegalStateException("gradients of " + left.grad.length + " and " + right.grad.length + " floats");
            }
            g = left.grad;
            float[] r = right.grad;
            for (int i = 0; i < g.length; i++) {
                g[i] += r[i];
            }
        }
        return new Node(g, left.loss + right.loss, left.count + right.count, Math.max(left.maxNanos, right.maxNanos));
    }
}
