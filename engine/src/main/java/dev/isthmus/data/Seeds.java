package dev.isthmus.data;

import dev.isthmus.tensor.Rng;

/**
 * Derives independent, reproducible random streams from a user seed: the stream for (seed, epoch, purpose)
 * depends on nothing else, so epoch {@code e} can be recomputed when training resumes there.
 */
final class Seeds {

    /** Purposes, so the shuffle and the augmentation of one epoch draw from unrelated streams. */
    static final long SHUFFLE = 1, AUGMENT = 2, WEIGHTED = 3, SPLIT = 4, BALANCE = 5;

    private Seeds() {
    }

    static Rng rng(long seed, long epoch, long purpose) {
        long z = mix(seed + 0x9E3779B97F4A7C15L);
        z = mix(z ^ (epoch * 0xD1B54A32D192ED03L + 0x8CB92BA72F3D8DD7L));
        z = mix(z ^ (purpose * 0xC2B2AE3D27D4EB4FL));
        return new Rng(z);
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
