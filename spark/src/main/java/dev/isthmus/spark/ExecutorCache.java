package dev.isthmus.spark;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What one executor JVM keeps between tasks: idle {@link TrainingWorker}s of recent training runs (a task
 * borrows one and gives it back, so concurrent tasks never share one) and one {@link BatchScorer} per model
 * being scored (loaded once, shared by every task of the JVM). Only the most recent {@link #RUNS} runs and
 * models are kept; older ones are closed when their last borrower returns them, so a long-lived executor
 * does not accumulate models.
 */
final class ExecutorCache {
    static final int RUNS = 4;

    private static final Map<String, Deque<TrainingWorker>> WORKERS = new LinkedHashMap<>(16, 0.75f, true);
    private static final Map<String, BatchScorer> SCORERS = new LinkedHashMap<>(16, 0.75f, true);

    private ExecutorCache() {
    }

    /** An idle worker of run {@code runId}, or a new one from {@code factory}. */
    static synchronized TrainingWorker borrow(String runId, Supplier<TrainingWorker> factory) {
        Deque<TrainingWorker> idle = WORKERS.computeIfAbsent(runId, k -> new ArrayDeque<>());
        evict(WORKERS, runId);
        TrainingWorker w = idle.pollFirst();
        return w != null ? w : factory.get();
    }

    /** Returns a worker after a successful task; one from an evicted run is closed instead. */
    static synchronized void release(String runId, TrainingWorker worker) {
        Deque<TrainingWorker> idle = WORKERS.get(runId);
        if (idle == null) {
            worker.close();
        } else {
            idle.addFirst(worker);
        }
    }

    /** The JVM's scorer for {@code modelId}, loaded by {@code loader} on first use. */
    static synchronized BatchScorer scorer(String modelId, Supplier<BatchScorer> loader) {
        BatchScorer s = SCORERS.get(modelId);
        if (s == null) {
            s = loader.get();
            SCORERS.put(modelId, s);
            evictScorers();
        }
        return s;
    }

    /** How many scorers this JVM has loaded and still holds (one per model scored recently). */
    static synchronized int scorerCount() {
        return SCORERS.size();
    }

    private static void evict(Map<String, Deque<TrainingWorker>> map, String keep) {
        Iterator<Map.Entry<String, Deque<TrainingWorker>>> it = map.entrySet().iterator();
        while (map.size() > RUNS && it.hasNext()) {
            Map.Entry<String, Deque<TrainingWorker>> e = it.next();
            if (!e.getKey().equals(keep)) {
                e.getValue().forEach(TrainingWorker::close);
                it.remove();
            }
        }
    }

    private static void evictScorers() {
        Iterator<BatchScorer> it = SCORERS.values().iterator();
        while (SCORERS.size() > RUNS && it.hasNext()) {
            it.next().retire();
            it.remove();
        }
    }
}
