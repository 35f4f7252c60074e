package dev.isthmus.kernel;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * One thread's packing buffers for {@link VectorGemm}: a packed block of op(A), a packed panel of op(B)
 * (both off-heap and 64-byte aligned) and the accumulator tile.
 *
 * <p>There is one workspace per thread ({@link #get()}), whichever thread it is: the caller of
 * {@code sgemm}, a pool worker, or a thread that calls {@code sgemm} concurrently with others. Buffers
 * therefore never need locking, and a thread's steady state allocates nothing: they are allocated on
 * first use and replaced only when a larger block is needed (the sizes are capped by the block sizes,
 * so that happens a few times per thread at most). Old buffers are freed by the garbage collector
 * ({@link Arena#ofAuto()}), as is a dead thread's workspace.
 */
final class GemmWorkspace {

    private static final ThreadLocal<GemmWorkspace> LOCAL = ThreadLocal.withInitial(GemmWorkspace::new);
    private static final long ALIGNMENT = 64;

    private MemorySegment a = MemorySegment.NULL;
    private MemorySegment b = MemorySegment.NULL;
    /** The accumulator tile {@link GemmKernel#multiply} writes and the stores read. */
    final MemorySegment tile = Arena.ofAuto().allocate((long) GemmKernel.MR * GemmKernel.NR * Float.BYTES, ALIGNMENT);
    /** The task this thread hands to the pool when it calls a multi-threaded {@code sgemm}. */
    final VectorGemm.Split split = new VectorGemm.Split();

    private GemmWorkspace() {
    }

    /** The calling thread's workspace. */
    static GemmWorkspace get() {
        return LOCAL.get();
    }

    /** A buffer of at least {@code floats} floats for packed A. */
    MemorySegment a(long floats) {
        if (a.byteSize() < floats * Float.BYTES) {
            a = Arena.ofAuto().allocate(floats * Float.BYTES, ALIGNMENT);
        }
        return a;
    }

    /** A buffer of at least {@code floats} floats for packed B. */
    MemorySegment b(long floats) {
        if (b.byteSize() < floats * Float.BYTES) {
            b = Arena.ofAuto().allocate(floats * Float.BYTES, ALIGNMENT);
        }
        return b;
    }
}
