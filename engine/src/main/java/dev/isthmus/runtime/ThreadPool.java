package dev.isthmus.runtime;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The engine's own worker pool: a fixed set of daemon threads that split a loop of {@code count}
 * iterations into one contiguous chunk per thread, the calling thread taking the first.
 *
 * <p>It allocates nothing per call (the task is a reused object), so training steps stay
 * allocation-free, and the split depends only on {@code count} and the thread count, so sums that
 * each chunk computes come out in the same order on every run. Calls from inside a task run inline
 * on the calling thread. One call at a time: concurrent callers are serialised.
 */
public final class ThreadPool implements AutoCloseable {

    /** A loop body over the iteration range {@code [start, end)}; {@code worker} is in [0, threads). */
    @FunctionalInterface
    public interface RangeTask {
        void run(int start, int end, int worker);
    }

    private final int threads;
    private final Worker[] workers;
    private final AtomicInteger pending = new AtomicInteger();
    private volatile RangeTask task;
    private volatile int count;
    private volatile boolean shutdown;
    private volatile Throwable failure;
    private volatile Thread caller;
    private final ThreadLocal<Boolean> inside = ThreadLocal.withInitial(() -> Boolean.FALSE);

    public ThreadPool(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("thread count must be >= 1, got " + threads);
        }
        this.threads = threads;
        this.workers = new Worker[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker(i + 1);
            workers[i].start();
        }
    }

    public int threads() {
        return threads;
    }

    /** True on a pool worker, or on a caller while it runs its own chunk of a {@link #parallelFor}. */
    public boolean insideTask() {
        return inside.get();
    }

    /** True if the pool's workers may touch {@code segment} (it is not confined to another thread). */
    public boolean canShare(java.lang.foreign.MemorySegment segment) {
        return workers.length == 0 || segment.isAccessibleBy(workers[0]);
    }

    /**
     * Runs {@code body} over {@code [0, count)} split into at most {@link #threads()} contiguous chunks,
     * and returns when all are done. The first exception thrown by any chunk is rethrown here.
     */
    public void parallelFor(int count, RangeTask body) {
        if (count <= 0) {
            return;
        }
        if (threads == 1 || count == 1 || inside.get()) {
            body.run(0, count, 0);
            return;
        }
        synchronized (this) {
            if (shutdown) {
                throw new IllegalStateException("thread pool is closed");
            }
            int active = Math.min(threads, count);
            this.task = body;
            this.count = count;
            this.failure = null;
            this.caller = Thread.currentThread();
            pending.set(active - 1);
            for (int w = 1; w < active; w++) {
                workers[w - 1].wake();
            }
            inside.set(Boolean.TRUE);
            try {
                runChunk(body, count, active, 0);
            } catch (Throwable t) {
                failure = t;
            } finally {
                inside.set(Boolean.FALSE);
            }
            int spins = 0;
            while (pending.get() > 0) {
                if (++spins < 20_000) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.parkNanos(this, 20_000);
                }
            }
            this.task = null;
            Throwable f = failure;
            if (f != null) {
                if (f instanceof RuntimeException re) {
                    throw re;
                }
                if (f instanceof Error err) {
                    throw err;
                }
                throw new RuntimeException(f);
            }
        }
    }

    private static void runChunk(RangeTask body, int count, int active, int worker) {
        long start = (long) count * worker / active;
        long end = (long) count * (worker + 1) / active;
        if (end > start) {
            body.run((int) start, (int) end, worker);
        }
    }

    @Override
    public void close() {
        shutdown = true;
        for (Worker w : workers) {
            w.wake();
        }
    }

    private final class Worker extends Thread {
        private final int index;
        private volatile int generation;
        private int seen;

        Worker(int index) {
            super("isthmus-worker-" + index);
            this.index = index;
            setDaemon(true);
        }

        void wake() {
            generation++;
            LockSupport.unpark(this);
        }

        @Override
        public void run() {
            inside.set(Boolean.TRUE);
            int spins = 0;
            while (!shutdown) {
                int g = generation;
                if (g == seen) {
                    if (++spins < 5_000) {
                        Thread.onSpinWait();
                    } else {
                        LockSupport.park(this);
                    }
                    continue;
                }
                seen = g;
                spins = 0;
                RangeTask t = task;
                int n = count;
                int active = Math.min(threads, n);
                try {
                    if (t != null && index < active) {
                        runChunk(t, n, active, index);
                    }
                } catch (Throwable e) {
                    if (failure == null) {
                        failure = e;
                    }
                } finally {
                    if (pending.decrementAndGet() == 0) {
                        Thread c = caller;
                        if (c != null) {
                            LockSupport.unpark(c);
                        }
                    }
                }
            }
        }
    }
}
