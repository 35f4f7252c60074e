/** JMH benchmarks of the optimizers' step over flat parameter stores. */
package dev.isthmus.bench.optim;
