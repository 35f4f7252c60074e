package dev.isthmus.tensor;

/**
 * A seeded pseudo-random generator (xoshiro256**, seeded through SplitMix64) whose whole state can be
 * read and restored, so a training checkpoint can resume with the very same random stream.
 *
 * <p>Same seed, same sequence, on every JVM and platform: initialisation, dropout masks, shuffling and
 * augmentation all draw from instances of this class. Not thread-safe; give each thread its own
 * (see {@link #split()}).
 */
public final class Rng {
    private long s0, s1, s2, s3;
    private double spareGaussian;
    private boolean hasSpare;

    public Rng(long seed) {
        reseed(seed);
    }

    /** Restarts the stream as {@code new Rng(seed)} would, without allocating. */
    public void reseed(long seed) {
        hasSpare = false;
        spareGaussian = 0;
        long x = seed;
        s0 = splitMix(x += 0x9E3779B97F4A7C15L);
        s1 = splitMix(x += 0x9E3779B97F4A7C15L);
        s2 = splitMix(x += 0x9E3779B97F4A7C15L);
        s3 = splitMix(x + 0x9E3779B97F4A7C15L);
    }

    private static long splitMix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    public long nextLong() {
        long result = Long.rotateLeft(s1 * 5, 7) * 9;
        long t = s1 << 17;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = Long.rotateLeft(s3, 45);
        return result;
    }

    /** Uniform in [0, 1) with 24 random bits. */
    public float nextFloat() {
        return (nextLong() >>> 40) * 0x1.0p-24f;
    }

    /** Uniform in [0, 1) with 53 random bits. */
    public double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /** Uniform in [lo, hi). */
    public float uniform(float lo, float hi) {
        return lo + (hi - lo) * nextFloat();
    }

    /** Uniform integer in [0, bound), without modulo bias. */
    public int nextInt(int bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("bound must be positive, got " + bound);
        }
        long r = nextLong() >>> 33; // 31 bits
        long m = r * bound;
        long l = m & 0x7FFFFFFFL;
        if (l < bound) {
            long threshold = (0x80000000L - bound) % bound;
            while (l < threshold) {
                r = nextLong() >>> 33;
                m = r * bound;
                l = m & 0x7FFFFFFFL;
            }
        }
        return (int) (m >>> 31);
    }

    /** Standard normal (Box-Muller, the spare value kept for the next call). */
    public double nextGaussian() {
        if (hasSpare) {
            hasSpare = false;
            return spareGaussian;
        }
        double u1;
        do {
            u1 = nextDouble();
        } while (u1 <= 0x1.0p-53);
        double u2 = nextDouble();
        double r = Math.sqrt(-2.0 * Math.log(u1));
        spareGaussian = r * Math.sin(2 * Math.PI * u2);
        hasSpare = true;
        return r * Math.cos(2 * Math.PI * u2);
    }

    /** A new generator seeded from this one's stream: independent sequences for workers. */
    public Rng split() {
        return new Rng(nextLong());
    }

    /** Fisher-Yates shuffle of {@code a} in place. */
    public void shuffle(int[] a) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    /** The complete state (for checkpoints): four words, the spare Gaussian's bits and whether it is set. */
    public long[] state() {
        return new long[]{s0, s1, s2, s3, Double.doubleToRawLongBits(spareGaussian), hasSpare ? 1 : 0};
    }

    /** Restores a state returned by {@link #state()}. */
    public void setState(long[] state) {
        if (state.length != 6) {
            throw new IllegalArgumentException("Rng state has 6 words, got " + state.length);
        }
        s0 = state[0];
        s1 = state[1];
        s2 = state[2];
        s3 = state[3];
        spareGaussian = Double.longBitsToDouble(state[4]);
        hasSpare = state[5] != 0;
    }
}
