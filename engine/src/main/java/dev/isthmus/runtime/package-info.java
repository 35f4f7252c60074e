/**
 * What the kernels run on, below them and knowing nothing of them: the engine's one
 * {@link dev.isthmus.runtime.ThreadBudget} (engine workers and OpenBLAS threads sized together), its
 * {@link dev.isthmus.runtime.ThreadPool}, and the Vector API self-check ({@link dev.isthmus.runtime.VectorSupport}).
 */
package dev.isthmus.runtime;
