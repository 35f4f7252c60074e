package dev.isthmus.kernel;

import dev.isthmus.bindings.cblas.cblas_h;
import dev.isthmus.natives.OpenBlas;
import dev.isthmus.runtime.ThreadBudget;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.ref.Reference;

/**
 * {@link Gemm} through OpenBLAS's {@code cblas_sgemm}, called via the FFM bindings.
 *
 * <p>Small products use the bindings' critical downcall (no thread-state transition, the cheapest call
 * FFM has). Large ones use an ordinary downcall linked here from the same address and descriptor:
 * a critical call cannot be paused for a safepoint, and a 100 ms GEMM should not hold up the garbage
 * collector of every other thread. Heap segments cannot be passed to native code; they go to
 * {@link VectorGemm}.
 */
public final class OpenBlasGemm extends Gemm {

    /** Above this many multiply-adds a call is long enough that the transition cost does not matter. */
    static final long CRITICAL_LIMIT = 1L << 21;

    private static final class Plain {
        static final MethodHandle SGEMM = Linker.nativeLinker()
                .downcallHandle(cblas_h.cblas_sgemm$address(), cblas_h.cblas_sgemm$descriptor());
    }

    /**
     * The same function with the three matrix pointers declared as 64-bit integers, for calls at an offset:
     * {@code asSlice} would allocate a segment object per call (one per image in a per-image convolution),
     * which escape analysis does not remove across a downcall. A pointer and a 64-bit integer are passed
     * alike on every 64-bit ABI the FFM linker supports.
     */
    private static final class Raw {
        static final FunctionDescriptor DESCRIPTOR = FunctionDescriptor.ofVoid(
                ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_FLOAT,
                ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT,
                ValueLayout.JAVA_FLOAT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT);
        static final MethodHandle CRITICAL = Linker.nativeLinker()
                .downcallHandle(cblas_h.cblas_sgemm$address(), DESCRIPTOR, Linker.Option.critical(false));
        static final MethodHandle PLAIN = Linker.nativeLinker()
                .downcallHandle(cblas_h.cblas_sgemm$address(), DESCRIPTOR);
    }

    private final VectorGemm heapFallback;
    private final SkinnyGemm skinny;

    /** Every product through {@code cblas_sgemm} (heap segments through {@code heapFallback}). */
    public OpenBlasGemm(VectorGemm heapFallback) {
        this(heapFallback, null);
    }

    /**
     * As {@link #OpenBlasGemm(VectorGemm)}, but the products {@link SkinnyGemm#accepts} (few rows against many
     * weights, where the skinny kernel measured faster) go to {@code skinny}; null routes nothing.
     *
     * @throws IllegalStateException if OpenBLAS could not be loaded
     */
    public OpenBlasGemm(VectorGemm heapFallback, SkinnyGemm skinny) {
        if (!OpenBlas.isAvailable()) {
            throw new IllegalStateException("OpenBLAS is not loaded; tried: " + OpenBlas.attempts());
        }
        this.heapFallback = heapFallback;
        this.skinny = skinny;
    }

    /** True if this call would run in the skinny kernel rather than OpenBLAS (for reports). */
    public boolean routesToSkinny(boolean transA, boolean transB, int m, int n, int k) {
        return skinny != null && SkinnyGemm.accepts(transA, transB, m, n, k);
    }

    @Override
    public String name() {
        return "openblas";
    }

    @Override
    void run(boolean transA, boolean transB, int m, int n, int k,
             float alpha, MemorySegment a, long aOff, int lda,
             MemorySegment b, long bOff, int ldb,
             float beta, MemorySegment c, long cOff, int ldc) {
        if (!a.isNative() || !b.isNative() || !c.isNative()) {
            heapFallback.sgemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            return;
        }
        if (skinny != null && SkinnyGemm.accepts(transA, transB, m, n, k)) {
            skinny.run(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            return;
        }
        ThreadBudget budget = Engine.get().threads();
        long token = budget.beginBlas((long) m * n * k);
        try {
            call(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        } finally {
            budget.endBlas(token);
        }
    }

    private static void call(boolean transA, boolean transB, int m, int n, int k,
                             float alpha, MemorySegment a, long aOff, int lda,
                             MemorySegment b, long bOff, int ldb,
                             float beta, MemorySegment c, long cOff, int ldc) {
        int order = cblas_h.CblasRowMajor();
        int ta = transA ? cblas_h.CblasTrans() : cblas_h.CblasNoTrans();
        int tb = transB ? cblas_h.CblasTrans() : cblas_h.CblasNoTrans();
        if ((aOff | bOff | cOff) != 0) {
            // GemmChecks has bounds-checked the offsets against the segments. Raw addresses bypass FFM's own
            // liveness and owner-thread checks, so make them here: a freed tensor must throw, never crash.
            // (Closing a shared arena from another thread during the call is not guarded against.)
            requireUsable(a, "A");
            requireUsable(b, "B");
            requireUsable(c, "C");
            long pa = a.address() + aOff * Float.BYTES, pb = b.address() + bOff * Float.BYTES;
            long pc = c.address() + cOff * Float.BYTES;
            try {
                if ((long) m * n * k <= CRITICAL_LIMIT) {
                    Raw.CRITICAL.invokeExact(order, ta, tb, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
                } else {
                    Raw.PLAIN.invokeExact(order, ta, tb, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
                }
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new AssertionError("cblas_sgemm", t);
            } finally {
                // the addresses are only valid while the segments' memory is
                Reference.reachabilityFence(a);
                Reference.reachabilityFence(b);
                Reference.reachabilityFence(c);
            }
            return;
        }
        MemorySegment pa = a, pb = b, pc = c;
        if ((long) m * n * k <= CRITICAL_LIMIT) {
            cblas_h.cblas_sgemm(order, ta, tb, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
        } else {
            try {
                Plain.SGEMM.invokeExact(order, ta, tb, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new AssertionError("cblas_sgemm", t);
            }
        }
    }

    private static void requireUsable(MemorySegment s, String name) {
        if (!s.scope().isAlive()) {
            throw new IllegalStateException("sgemm: matrix " + name + " has been freed (its arena is closed)");
        }
        if (!s.isAccessibleBy(Thread.currentThread())) {
            throw new WrongThreadException("sgemm: matrix " + name + " is confined to another thread");
        }
    }
}
