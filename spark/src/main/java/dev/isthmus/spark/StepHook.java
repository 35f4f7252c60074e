package dev.isthmus.spark;

import java.io.Serializable;

/**
 * Runs inside each training task after its gradient is computed and before it is returned: a seam for
 * injecting failures (the retry test throws here on a task's first attempt). Must be serializable.
 */
@FunctionalInterface
interface StepHook extends Serializable {
    StepHook NONE = (step, partition) -> { };

    void afterGradient(long step, int partition);
}
