package dev.isthmus.testing;

import dev.isthmus.kernel.Engine;

import java.util.function.Supplier;

/**
 * Runs test code on an engine of a given thread count and backend, then puts back the engine the test
 * JVM had (same thread count; OpenBLAS if it was in use, else the Vector API).
 */
public final class EngineScope {
    private EngineScope() {
    }

    public static <T> T with(int threads, Engine.Backend backend, Supplier<T> body) {
        Engine before = Engine.get();
        int oldThreads = before.threads().threads();
        Engine.Backend oldBackend = "openblas".equals(before.gemm().name()) ? Engine.Backend.AUTO : Engine.Backend.VECTOR;
        Engine.configure(threads, backend);
        try {
            return body.get();
        } finally {
            Engine.configure(oldThreads, oldBackend);
        }
    }

    public static <T> T withThreads(int threads, Supplier<T> body) {
        return with(threads, Engine.Backend.AUTO, body);
    }
}
