/**
 * Losses as PyTorch names and reduces them ({@code MSELoss}, {@code L1Loss}, {@code BCELoss},
 * {@code BCEWithLogitsLoss}, {@code CrossEntropyLoss}, and {@code WeightedSumLoss} for multi-task outputs):
 * forward returns the value, backward hands out a reused gradient buffer. The element-wise arithmetic is in
 * {@link dev.isthmus.kernel.LossKernels}.
 */
package dev.isthmus.loss;
