package dev.isthmus.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Element-wise comparison of float arrays computed in different summation orders: each element within
 * {@code rtol} of the larger of its own magnitude and 1% of the array's largest, so that small elements
 * left by cancellation are not held to a relative bound their terms cannot give.
 */
public final class Approx {
    private Approx() {
    }

    public static void assertClose(float[] want, float[] got, double rtol) {
        assertEquals(want.length, got.length);
        double scale = 0;
        for (float v : want) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], rtol * Math.max(Math.abs(want[i]), scale * 1e-2), "element " + i);
        }
    }
}
