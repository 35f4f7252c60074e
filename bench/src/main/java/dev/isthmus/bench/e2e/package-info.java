/** The end-to-end comparison with PyTorch: the same training and inference workloads, timed the same way. */
package dev.isthmus.bench.e2e;
