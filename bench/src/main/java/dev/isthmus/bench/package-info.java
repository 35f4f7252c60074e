/** Benchmarks: JMH kernels, end-to-end training throughput, and side-by-side runs of C and PyTorch. */
package dev.isthmus.bench;
