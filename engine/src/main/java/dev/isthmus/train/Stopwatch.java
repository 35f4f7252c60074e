package dev.isthmus.train;

import java.util.function.LongSupplier;

/**
 * An accumulating stopwatch over {@link System#nanoTime()}: {@link #start()} and {@link #stop()} may be
 * called many times and the elapsed time adds up, so one instance can sum, say, the time a training loop
 * spent waiting for data across all batches of an epoch. Allocates nothing after construction. The clock
 * can be replaced for tests. Not thread-safe.
 */
public final class Stopwatch {
    private final LongSupplier clock;
    private long accumulated;
    private long startedAt;
    private boolean running;

    /** A stopped stopwatch on {@link System#nanoTime()}. */
    public Stopwatch() {
        this(System::nanoTime);
    }

    /** A stopped stopwatch reading nanoseconds from {@code clock}. */
    public Stopwatch(LongSupplier clock) {
        this.clock = clock;
    }

    /** A new stopwatch, already running. */
    public static Stopwatch started() {
        Stopwatch s = new Stopwatch();
        s.start();
        return s;
    }

    /** Starts (or restarts after a stop) timing; an error if already running. */
    public Stopwatch start() {
        if (running) {
            throw new IllegalStateException("Stopwatch.start: already running");
        }
        running = true;
        startedAt = clock.getAsLong();
        return this;
    }

    /**
     * Stops timing and adds the interval since {@link #start()} to the total.
     *
     * @return that interval in nanoseconds
     */
    public long stop() {
        if (!running) {
            throw new IllegalStateException("Stopwatch.stop: not running");
        }
        long interval = clock.getAsLong() - startedAt;
        accumulated += interval;
        running = false;
        return interval;
    }

    /** Zero elapsed time, stopped. */
    public Stopwatch reset() {
        accumulated = 0;
        running = false;
        return this;
    }

    public boolean isRunning() {
        return running;
    }

    /** Total elapsed nanoseconds, including the current interval if running. */
    public long elapsedNanos() {
        return running ? accumulated + clock.getAsLong() - startedAt : accumulated;
    }

    /** {@link #elapsedNanos()} in seconds. */
    public double seconds() {
        return elapsedNanos() / 1e9;
    }

    /** Items per second over the elapsed time ({@code count} samples, batches...); 0 if no time elapsed. */
    public double rate(long count) {
        long ns = elapsedNanos();
        return ns <= 0 ? 0 : count * 1e9 / ns;
    }

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT, "%.3f s%s", seconds(), running ? " (running)" : "");
    }
}
