package dev.isthmus.data;

import dev.isthmus.tensor.Tensor;

/** Small datasets whose contents encode their indices, so a batch's contents can be checked exactly. */
final class TestData {

    private TestData() {
    }

    /** n samples of {@code shape}; element j of sample i is {@code i * 1000 + j}; label {@code i % classes}. */
    static TensorDataset classification(int n, int classes, int... shape) {
        int[] full = new int[shape.length + 1];
        full[0] = n;
        System.arraycopy(shape, 0, full, 1, shape.length);
        Tensor x = Tensor.zeros(full);
        long per = Tensor.numel(shape);
        for (int i = 0; i < n; i++) {
            for (long j = 0; j < per; j++) {
                x.setFlat(i * per + j, i * 1000f + j);
            }
        }
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % classes;
        }
        return TensorDataset.classification(x, labels, classes);
    }

    /** n samples of 2 features {@code (i, -i)} and target {@code [2i, 3i]}. */
    static TensorDataset regression(int n) {
        Tensor x = Tensor.zeros(n, 2);
        Tensor y = Tensor.zeros(n, 2);
        for (int i = 0; i < n; i++) {
            x.set(i, i, 0);
            x.set(-i, i, 1);
            y.set(2 * i, i, 0);
            y.set(3 * i, i, 1);
        }
        return TensorDataset.regression(x, y);
    }

    /** A dataset with labels exactly as given and one feature per sample equal to its index. */
    static TensorDataset withLabels(int[] labels, int classes) {
        Tensor x = Tensor.zeros(labels.length, 1);
        for (int i = 0; i < labels.length; i++) {
            x.setFlat(i, i);
        }
        return TensorDataset.classification(x, labels, classes);
    }
}
