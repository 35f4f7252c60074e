package dev.isthmus.data;

import dev.isthmus.tensor.Rng;

/**
 * Helpers to correct a class imbalance: per-sample weights for a {@link WeightedRandomSampler}, and seeded
 * over- and under-sampling that return index arrays for {@link Dataset#subset}.
 */
public final class ClassBalance {

    private ClassBalance() {
    }

    /** Samples per class (see {@link Dataset#classCounts()}). */
    public static int[] counts(Dataset ds) {
        return ds.classCounts();
    }

    /**
     * One weight per sample, {@code 1 / count(class of the sample)}: with a {@link WeightedRandomSampler} every
     * class present is drawn equally often on average.
     */
    public static double[] inverseFrequencyWeights(Dataset ds) {
        int[] labels = ds.labels();
        int[] counts = new int[ds.numClasses()];
        for (int l : labels) {
            counts[l]++;
        }
        double[] w = new double[labels.length];
        for (int i = 0; i < w.length; i++) {
            w[i] = 1.0 / counts[labels[i]];
        }
        return w;
    }

    /**
     * Indices that bring every class present up to the largest class's count: each class keeps all its samples
     * and draws the missing ones at random with replacement from itself. Classes without samples stay empty.
     * The result is shuffled.
     */
    public static int[] oversample(Dataset ds, long seed) {
        int[][] byClass = byClass(ds);
        int target = 0;
        for (int[] members : byClass) {
            target = Math.max(target, members.length);
        }
        Rng rng = Seeds.rng(seed, 0, Seeds.BALANCE);
        int present = 0;
        for (int[] members : byClass) {
            present += members.length > 0 ? 1 : 0;
        }
        int[] out = new int[present * target];
        int at = 0;
        for (int[] members : byClass) {
            if (members.length == 0) {
                continue;
            }
            System.arraycopy(members, 0, out, at, members.length);
            at += members.length;
            for (int extra = members.length; extra < target; extra++) {
                out[at++] = members[rng.nextInt(members.length)];
            }
        }
        rng.shuffle(out);
        return out;
    }

    /**
     * Indices that bring every class present down to the smallest present class's count, keeping a random
     * selection (without replacement) of each. The result is shuffled.
     */
    public static int[] undersample(Dataset ds, long seed) {
        int[][] byClass = byClass(ds);
        int target = Integer.MAX_VALUE;
        int present = 0;
        for (int[] members : byClass) {
            if (members.length > 0) {
                target = Math.min(target, members.length);
                present++;
            }
        }
        if (present == 0) {
            return new int[0];
        }
        Rng rng = Seeds.rng(seed, 0, Seeds.BALANCE);
        int[] out = new int[present * target];
        int at = 0;
        for (int[] members : byClass) {
            if (members.length == 0) {
                continue;
            }
            int[] pick = members.clone();
            rng.shuffle(pick);
            System.arraycopy(pick, 0, out, at, target);
            at += target;
        }
        rng.shuffle(out);
        return out;
    }

    /** The sample indices of each class, in dataset order. */
    static int[][] byClass(Dataset ds) {
        int[] labels = ds.labels();
        int k = ds.numClasses();
        int[] counts = new int[k];
        for (int l : labels) {
            counts[l]++;
        }
        int[][] out = new int[k][];
        for (int c = 0; c < k; c++) {
            out[c] = new int[counts[c]];
        }
        int[] fill = new int[k];
        for (int i = 0; i < labels.length; i++) {
            out[labels[i]][fill[labels[i]]++] = i;
        }
        return out;
    }
}
