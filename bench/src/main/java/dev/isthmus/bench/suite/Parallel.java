package dev.isthmus.bench.suite;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A fixed set of platform threads that run one body each at the same time, for the machine probes
 * (FMA peak and bandwidth on all cores). Kept apart from the engine's pool so a probe measures the
 * hardware, not the engine's scheduling.
 */
final class Parallel implements AutoCloseable {

    /** The work of one thread: {@code worker} in [0, threads). */
    @FunctionalInterface
    interface Body {
        void run(int worker);
    }

    private final int threads;
    private final ExecutorService pool;

    Parallel(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("Parallel: threads must be >= 1, got " + threads);
        }
        this.threads = threads;
        this.pool = threads == 1 ? null : Executors.newFixedThreadPool(threads - 1, r -> {
            Thread t = new Thread(r, "isthmus-bench-probe");
            t.setDaemon(true);
            return t;
        });
    }

    int threads() {
        return threads;
    }

    /** Runs {@code body} on every thread (the caller is worker 0) and returns when all are done. */
    void run(Body body) {
        if (pool == null) {
            body.run(0);
            return;
        }
        List<Future<?>> futures = new ArrayList<>(threads - 1);
        for (int w = 1; w < threads; w++) {
            int worker = w;
            futures.add(pool.submit(() -> body.run(worker)));
        }
        body.run(0);
        try {
            for (Future<?> f : futures) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Parallel: interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("Parallel: a probe thread failed: " + e.getCause(), e.getCause());
        }
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdownNow();
        }
    }
}
