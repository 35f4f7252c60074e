/**
 * The CPU benchmark suite behind {@code isthmus bench}: a description of the machine (measured FMA peak,
 * memory bandwidth, JIT, Vector API, OpenBLAS), kernels at the course networks' shapes placed on a
 * roofline, and the course models' training and inference throughput over thread counts, with
 * single-stream latency. Every figure is a median repeated until it is stable (or a time budget ends),
 * with its spread and the machine's load recorded, so two runs or two machines can be compared honestly:
 * {@link dev.isthmus.bench.suite.BenchSuite} runs it, {@link dev.isthmus.bench.suite.ResultsIo} reads and
 * writes the versioned JSON ({@code bench/SUITE.md} documents it), {@link dev.isthmus.bench.suite.Comparison}
 * puts results side by side.
 */
package dev.isthmus.bench.suite;
