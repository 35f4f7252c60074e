/**
 * The data side of training: datasets of off-heap samples, a double-buffered {@link dev.isthmus.data.DataLoader}
 * that allocates nothing per batch, seeded samplers and splits, scalers, image augmentation, and readers for the
 * IDX (MNIST) and numeric CSV formats that reject truncated or lying files with a message naming the file.
 *
 * <p>Names follow PyTorch's {@code torch.utils.data}: {@code Dataset}, {@code DataLoader}, {@code random_split}
 * ({@link dev.isthmus.data.Splits#randomSplit}), {@code WeightedRandomSampler}, {@code Subset}.
 */
package dev.isthmus.data;
