/** JMH benchmarks of whole training steps (time and heap allocation per step). */
package dev.isthmus.bench.train;
