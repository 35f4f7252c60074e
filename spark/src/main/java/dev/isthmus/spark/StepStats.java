package dev.isthmus.spark;

/**
 * What one synchronous training step on Spark cost: the wall time on the driver (broadcast, the job, the
 * aggregation, the optimizer step), the slowest task's gradient computation, the optimizer step, and the bytes
 * of the weights broadcast. {@code wallNanos - slowestTaskNanos - optimizerNanos} is the communication and
 * scheduling overhead of the step.
 *
 * @param epoch            0-based epoch
 * @param step             0-based global step (optimizer steps taken before this one)
 * @param samples          samples in the global mini-batch
 * @param loss             mean loss of the mini-batch
 * @param wallNanos        driver wall time of the whole step
 * @param slowestTaskNanos the longest forward + backward of any partition this step
 * @param optimizerNanos   the driver's optimizer step
 * @param weightBytes      size of the safetensors image broadcast
 */
public record StepStats(int epoch, long step, long samples, double loss, long wallNanos, long slowestTaskNanos,
                        long optimizerNanos, long weightBytes) {

    /** Wall time not spent computing: broadcast, scheduling, serialization, aggregation. */
    public long overheadNanos() {
        return Math.max(0, wallNanos - slowestTaskNanos - optimizerNanos);
    }
}
