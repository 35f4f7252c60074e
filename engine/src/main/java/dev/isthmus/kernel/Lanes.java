package dev.isthmus.kernel;

import jdk.incubator.vector.FloatVector;

/**
 * The sum of a vector's lanes in a fixed order (lane 0 first). {@code reduceLanes(ADD)} leaves the order
 * of its float additions unspecified, and the JIT's tree reduction differs from the interpreter's
 * sequential one, so the same run would round differently before and after C2 compiles a kernel; runs
 * must be bit-reproducible, so every float sum of lanes goes through here.
 */
public final class Lanes {
    private Lanes() {
    }

    /** {@code v[0] + v[1] + ... + v[n-1]}, added left to right. */
    public static float sum(FloatVector v) {
        float s = 0f;
        for (int i = 0; i < v.length(); i++) {
            s += v.lane(i);
        }
        return s;
    }
}
