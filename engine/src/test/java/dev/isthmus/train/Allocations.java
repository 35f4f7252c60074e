package dev.isthmus.train;

import java.lang.management.ManagementFactory;

/** Bytes the current thread allocates while running a piece of code (HotSpot's per-thread counter). */
final class Allocations {
    private Allocations() {
    }

    static long measure(Runnable r) {
        com.sun.management.ThreadMXBean bean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long id = Thread.currentThread().threadId();
        long overhead = bean.getThreadAllocatedBytes(id);
        overhead = bean.getThreadAllocatedBytes(id) - overhead;
        long before = bean.getThreadAllocatedBytes(id);
        r.run();
        return bean.getThreadAllocatedBytes(id) - before - overhead;
    }
}
