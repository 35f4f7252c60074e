/**
 * Off-heap tensors: {@link dev.isthmus.tensor.Tensor} (contiguous row-major floats in a {@code MemorySegment}),
 * {@link dev.isthmus.tensor.TensorBuffer} (a reused tensor that reallocates only when a shape grows),
 * {@link dev.isthmus.tensor.NativeMemory} (every engine allocation: counted, freed on {@code close()}, and, when
 * an owner forgets, reported and freed by a {@code Cleaner}) and the seeded {@link dev.isthmus.tensor.Rng}.
 * The bottom of the engine: it imports no other Isthmus package.
 */
package dev.isthmus.tensor;
