package dev.isthmus.infer;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Supplier;

/**
 * Workspaces handed out per call: a call takes a free one (or makes one), uses it alone and gives it back.
 * The free list is a fixed array of slots taken and returned by compare-and-set, so a steady call allocates
 * nothing (a queue would allocate a node per return) and works alike for platform and virtual threads.
 * Every workspace ever made is remembered and freed by {@link #close()}; one returned when all slots are
 * full is freed at once.
 */
final class WorkspacePool implements AutoCloseable {
    private final AtomicReferenceArray<Workspace> free;
    private final Supplier<Workspace> factory;
    private final List<Workspace> all = new ArrayList<>();

    WorkspacePool(int slots, Supplier<Workspace> factory) {
        this.free = new AtomicReferenceArray<>(slots);
        this.factory = factory;
    }

    Workspace take() {
        for (int i = 0; i < free.length(); i++) {
            Workspace w = free.get(i);
            if (w != null && free.compareAndSet(i, w, null)) {
                return w;
            }
        }
        Workspace w = factory.get();
        synchronized (all) {
            all.add(w);
        }
        return w;
    }

    void give(Workspace w) {
        for (int i = 0; i < free.length(); i++) {
            if (free.get(i) == null && free.compareAndSet(i, null, w)) {
                return;
            }
        }
        synchronized (all) {
            all.remove(w);
        }
        w.close();
    }

    /** Workspaces made so far and not yet freed (tests). */
    int size() {
        synchronized (all) {
            return all.size();
        }
    }

    @Override
    public void close() {
        synchronized (all) {
            for (Workspace w : all) {
                w.close();
            }
            all.clear();
        }
        for (int i = 0; i < free.length(); i++) {
            free.set(i, null);
        }
    }
}
