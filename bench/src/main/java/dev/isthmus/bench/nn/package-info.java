/** JMH benchmarks of the layers: convolution and pooling on the LeNet-5 and AlexNet layer shapes. */
package dev.isthmus.bench.nn;
