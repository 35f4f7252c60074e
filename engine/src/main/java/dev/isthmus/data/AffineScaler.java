package dev.isthmus.data;

import dev.isthmus.tensor.Tensor;

/**
 * What both scalers are: per feature {@code j}, {@code x' = (x - sub[j]) / div[j] + add[j]} (or {@code * mul[j]}),
 * whose inverse is the same map with {@code sub} and {@code add} swapped and the division turned into a
 * multiplication. The subclasses fit and name the statistics; the map and its inverse live here once.
 */
abstract sealed class AffineScaler implements Scaler permits MinMaxScaler, StandardScaler {
    private final String name;
    private final float[] sub, factor, add;
    private final boolean divide;
    final boolean vectors;

    AffineScaler(String name, float[] sub, float[] factor, float[] add, boolean divide, boolean vectors) {
        this.name = name;
        this.sub = sub;
        this.factor = factor;
        this.add = add;
        this.divide = divide;
        this.vectors = vectors;
    }

    @Override
    public final int features() {
        return sub.length;
    }

    @Override
    public final void transform(Tensor t) {
        Affine.rows(t, sub.length, name);
        Affine.apply(t, sub, factor, add, divide, vectors);
    }

    @Override
    public final void inverse(Tensor t) {
        Affine.rows(t, sub.length, name);
        Affine.apply(t, add, factor, sub, !divide, vectors);
    }
}
