/**
 * JMH kernel benchmarks. {@link dev.isthmus.bench.kernel.GemmBenchmark} times OpenBLAS through FFM and
 * the Vector API GEMM on the shapes of {@link dev.isthmus.bench.kernel.GemmShape};
 * {@link dev.isthmus.bench.kernel.GemmCallBenchmark} isolates the cost of one small downcall.
 */
package dev.isthmus.bench.kernel;
