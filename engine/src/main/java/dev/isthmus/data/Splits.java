package dev.isthmus.data;

import dev.isthmus.tensor.Rng;

import java.util.Arrays;

/**
 * Seeded train/validation/test splits, like {@code torch.utils.data.random_split}, optionally stratified by
 * class. Each split is a {@link Subset} of the dataset, sharing its storage; the same seed always gives the same
 * splits, and {@link Subset#indices()} gives their indices for a checkpoint.
 */
public final class Splits {

    private Splits() {
    }

    /**
     * Splits {@code ds} at random into parts of the given fractions (which must sum to 1). As in PyTorch, each
     * part gets {@code floor(fraction * n)} samples and the remainder goes one by one to the parts in order.
     */
    public static Subset[] randomSplit(Dataset ds, long seed, double... fractions) {
        return randomSplitCounts(ds, seed, counts(ds.size(), fractions));
    }

    /** Splits {@code ds} at random into parts of exactly {@code counts} samples (which must sum to its size). */
    public static Subset[] randomSplitCounts(Dataset ds, long seed, int... counts) {
        int n = ds.size();
        checkCounts(n, counts);
        int[] perm = identity(n);
        Seeds.rng(seed, 0, Seeds.SPLIT).shuffle(perm);
        Subset[] parts = new Subset[counts.length];
        int at = 0;
        for (int p = 0; p < counts.length; p++) {
            parts[p] = ds.subset(Arrays.copyOfRange(perm, at, at + counts[p]));
            at += counts[p];
        }
        return parts;
    }

    /**
     * Splits a dataset with class targets at random so that every part keeps each class's share: each class's
     * samples are divided by the fractions (by the same rounding as {@link #randomSplit}), so a part's count of
     * class {@code c} is within one of {@code fraction * count(c)}. Each part's order is shuffled.
     */
    public static Subset[] stratifiedSplit(Dataset ds, long seed, double... fractions) {
        Dataset.requireClassTargets(ds, "stratifiedSplit");
        int[][] byClass = ClassBalance.byClass(ds);
        int n = ds.size();
        Rng rng = Seeds.rng(seed, 0, Seeds.SPLIT);
        int[][] parts = new int[fractions.length][n];
        int[] partSize = new int[fractions.length];
        for (int[] members : byClass) {
            rng.shuffle(members);
            int[] perPart = counts(members.length, fractions);
            int at = 0;
            for (int p = 0; p < perPart.length; p++) {
                System.arraycopy(members, at, parts[p], partSize[p], perPart[p]);
                partSize[p] += perPart[p];
                at += perPart[p];
            }
        }
        Subset[] out = new Subset[fractions.length];
        for (int p = 0; p < out.length; p++) {
            int[] idx = Arrays.copyOf(parts[p], partSize[p]);
            rng.shuffle(idx);
            out[p] = ds.subset(idx);
        }
        return out;
    }

    /** The part sizes {@link #randomSplit} uses for {@code n} samples and the given fractions. */
    public static int[] counts(int n, double... fractions) {
        if (fractions.length == 0) {
            throw new IllegalArgumentException("no fractions given");
        }
        double sum = 0;
        for (double f : fractions) {
            if (!(f >= 0 && f <= 1)) {
                throw new IllegalArgumentException("fraction " + f + " is not in [0, 1]: " + Arrays.toString(fractions));
            }
            sum += f;
        }
        if (Math.abs(sum - 1) > 1e-6) {
            throw new IllegalArgumentException("fractions " + Arrays.toString(fractions) + " sum to " + sum + ", not 1");
        }
        int[] counts = new int[fractions.length];
        int total = 0;
        for (int i = 0; i < fractions.length; i++) {
            counts[i] = (int) Math.floor(n * fractions[i]);
            total += counts[i];
        }
        for (int i = 0; total < n; i = (i + 1) % counts.length) {
            counts[i]++;
            total++;
        }
        return counts;
    }

    private static void checkCounts(int n, int[] counts) {
        long total = 0;
        for (int c : counts) {
            if (c < 0) {
                throw new IllegalArgumentException("negative split size in " + Arrays.toString(counts));
            }
            total += c;
        }
        if (total != n) {
            throw new IllegalArgumentException("split sizes " + Arrays.toString(counts) + " sum to " + total
                    + ", but the dataset has " + n + " samples");
        }
    }

    static int[] identity(int n) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        return a;
    }
}
