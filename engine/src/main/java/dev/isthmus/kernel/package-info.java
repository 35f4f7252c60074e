/**
 * The functional kernels below the layers, and the one choice they ask: {@link dev.isthmus.kernel.Engine}
 * (which GEMM backend runs and whether the Vector API paths are taken).
 *
 * <ul>
 *   <li>GEMM: {@link dev.isthmus.kernel.Gemm} checks every call ({@code GemmChecks}) before a backend runs it:
 *       {@link dev.isthmus.kernel.OpenBlasGemm} (through the FFM bindings) or {@link dev.isthmus.kernel.VectorGemm}
 *       (packed panels, {@code GemmPack}, and {@code GemmKernel}); {@code SkinnyGemm} for a batch of a few rows.</li>
 *   <li>{@link dev.isthmus.kernel.RegisterTile}: the one 6 x 2-vector register tile of the GEMM micro-kernel
 *       and the direct convolutions.</li>
 *   <li>{@link dev.isthmus.kernel.Window}: the sliding-window geometry and stride-phase layout shared by
 *       {@link dev.isthmus.kernel.conv convolution} and {@link dev.isthmus.kernel.pool pooling}.</li>
 *   <li>Element-wise: {@link dev.isthmus.kernel.Activations}, {@link dev.isthmus.kernel.LossKernels}, the row,
 *       plane and run moves ({@code RowOps}, {@code PlaneOps}, {@code Runs}); every float sum goes through
 *       {@link dev.isthmus.kernel.BlockedSum} and {@link dev.isthmus.kernel.Lanes}, so it is reproducible.</li>
 * </ul>
 *
 * <p>Kernels take segments, offsets and sizes, check them in Java and keep no state between calls; the buffers
 * they need belong to the caller (a layer's {@code LayerState}).
 */
package dev.isthmus.kernel;
