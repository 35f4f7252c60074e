package dev.isthmus.runtime;

import dev.isthmus.natives.OpenBlas;

import java.util.concurrent.locks.StampedLock;

/**
 * One thread budget for the whole engine. It sizes the engine's {@link ThreadPool} and OpenBLAS's
 * thread count together, so the two never run at full width at the same time: on 2 cores, two
 * engine workers each calling a 2-thread OpenBLAS would make four threads fight for two cores,
 * and OpenBLAS's spinning threads make that many times slower.
 *
 * <p>Outside engine-parallel regions OpenBLAS gets the whole budget (one big GEMM uses every core);
 * inside {@link #parallelFor} it is set to one thread, since the engine already splits the work
 * (batch-parallel convolution, for instance).
 *
 * <p>OpenBLAS's thread count is one process-wide setting, and a product's bits can depend on it (the
 * split decides which rows fall into edge tiles). So that threads calling the engine at once (a shared
 * {@code Predictor}) get the bits a lone caller gets, every OpenBLAS call holds its width for its duration
 * ({@link #beginBlas}): a wide call runs alone, one-thread calls and engine-parallel regions run together.
 */
public final class ThreadBudget implements AutoCloseable {

    private final int threads;
    private final ThreadPool pool;
    private final boolean blas;
    private final boolean deterministic;
    private int blasWidth;
    /** Held shared by one-thread BLAS calls and engine-parallel regions, exclusively by wide BLAS calls. */
    private final StampedLock widthLock = new StampedLock();

    ThreadBudget(int threads, boolean blasLoaded) {
        this(threads, blasLoaded, false);
    }

    /**
     * @param deterministic keep OpenBLAS on one thread always, so its sums never depend on how it splits a
     *                      product; the engine's own reductions already run in a fixed order
     */
    public ThreadBudget(int threads, boolean blasLoaded, boolean deterministic) {
        if (threads < 1) {
            throw new IllegalArgumentException("thread budget must be >= 1, got " + threads);
        }
        this.threads = threads;
        this.pool = new ThreadPool(threads);
        this.blas = blasLoaded;
        this.deterministic = deterministic;
        setBlasWidth(deterministic ? 1 : threads);
    }

    /** The total number of threads the engine may keep busy. */
    public int threads() {
        return threads;
    }

    /** The engine's pool, sized to the budget. */
    public ThreadPool pool() {
        return pool;
    }

    /** True in deterministic mode: OpenBLAS stays on one thread. */
    public boolean deterministic() {
        return deterministic;
    }

    /** The thread count OpenBLAS currently has (0 when not loaded). */
    public int blasThreads() {
        return blas ? OpenBlas.numThreads() : 0;
    }

    /**
     * Runs {@code body} over {@code [0, count)} on the pool, with OpenBLAS narrowed to one thread for the
     * duration so BLAS calls made inside the body do not oversubscribe the cores.
     */
    public void parallelFor(int count, ThreadPool.RangeTask body) {
        if (threads == 1 || count <= 1 || pool.insideTask()) {
            pool.parallelFor(count, body);
            return;
        }
        long stamp = blas && !deterministic ? widthLock.readLock() : 0;
        try {
            narrow();
            pool.parallelFor(count, body);
        } finally {
            release(stamp);
        }
    }

    /**
     * Sets OpenBLAS's width for a product of {@code macs} multiply-adds (as {@link #fitBlasTo}) and keeps it
     * until {@link #endBlas}: a wide product waits for the one-thread ones in flight and runs alone, one-thread
     * products run together. Returns the token for {@code endBlas} (0 when nothing is held: no OpenBLAS,
     * a one-thread budget, deterministic mode, or inside an engine-parallel region, where the width is fixed).
     */
    public long beginBlas(long macs) {
        if (!blas || threads == 1 || deterministic || pool.insideTask()) {
            return 0;
        }
        if (macs < BLAS_PARALLEL_MIN_MACS) {
            long stamp = widthLock.readLock();
            narrow();
            return stamp;
        }
        long stamp = widthLock.writeLock();
        synchronized (this) {
            setBlasWidth(threads);
        }
        return stamp;
    }

    /** Ends the BLAS call that {@link #beginBlas} returned {@code token} for. */
    public void endBlas(long token) {
        if (token != 0) {
            widthLock.unlock(token);
        }
    }

    private synchronized void narrow() {
        setBlasWidth(1);
    }

    /** Ends a region: gives OpenBLAS the whole budget back when no other one-thread call is in flight. */
    private void release(long stamp) {
        if (stamp == 0) {
            return;
        }
        synchronized (this) {
            if (widthLock.getReadLockCount() == 1) {
                setBlasWidth(threads);
            }
        }
        widthLock.unlockRead(stamp);
    }

    /**
     * Products below this many multiply-adds run on one OpenBLAS thread: at this size waking OpenBLAS's
     * workers saves at most a fraction of a millisecond, and their spinning between calls takes the cores
     * from the engine's own threads (a 2-thread MLP step went from ~0.7 ms to ~35 ms on a busy 2-core machine).
     */
    public static final long BLAS_PARALLEL_MIN_MACS = 1L << 22;

    /**
     * Gives OpenBLAS one thread for a product of {@code macs} multiply-adds below
     * {@link #BLAS_PARALLEL_MIN_MACS} and the whole budget for a larger one. Does nothing inside
     * engine-parallel regions (OpenBLAS is already at one thread there) or with a budget of one thread.
     */
    public void fitBlasTo(long macs) {
        if (!blas || threads == 1 || deterministic || pool.insideTask()) {
            return;
        }
        setBlasWidth(macs < BLAS_PARALLEL_MIN_MACS ? 1 : threads);
    }

    private void setBlasWidth(int width) {
        if (blas && blasWidth != width) {
            OpenBlas.setNumThreads(width);
            blasWidth = width;
        }
    }

    @Override
    public void close() {
        pool.close();
    }
}
