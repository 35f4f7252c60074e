/**
 * Pooling and upsampling kernels over NCHW planes: {@link dev.isthmus.kernel.pool.MaxPool} (with the winners'
 * indices for backward, or none in an inference pass), {@link dev.isthmus.kernel.pool.AvgPool},
 * {@link dev.isthmus.kernel.pool.Upsampling}, the 2x2 stride-2 fast path {@code PairBlocks}, and
 * {@code PoolPhases}, the stride-phase split (from {@link dev.isthmus.kernel.Window}) the vector paths read.
 * NaN propagates as in PyTorch; vector and scalar paths agree bit for bit.
 */
package dev.isthmus.kernel.pool;
