/** The soak benchmark: RSS, NMT and the engine's off-heap bytes over long training runs and many short-lived trainers. */
package dev.isthmus.bench.soak;
