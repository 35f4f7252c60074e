package dev.isthmus.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * A reusable off-heap buffer that hands out a tensor of the requested shape, allocating only when the
 * shape changes to a larger size. Layers keep one per activation or gradient they produce, so a
 * training step with a steady batch shape allocates nothing; a smaller last batch gets a view of the
 * same memory (one small view object per shape change).
 *
 * <p>The tensor returned by {@link #get} stays valid until the next call with another shape or
 * {@link #close()}; its contents are whatever was there before (callers overwrite it). The memory comes
 * from {@link NativeMemory}: a buffer its layer forgot to close is reported and freed once unreachable.
 */
public final class TensorBuffer implements AutoCloseable {
    private Arena arena;
    private MemorySegment memory;
    private long capacity;
    private Tensor current;
    private int[] currentShape;

    /** A tensor of {@code shape} over this buffer's memory (same object as last time if the shape is unchanged). */
    public Tensor get(int... shape) {
        if (current != null && Arrays.equals(currentShape, shape) && current.isAlive()) {
            return current;
        }
        long n = Tensor.byteSize(shape) / Float.BYTES; // rejects overflowing shapes by name
        if (n > capacity || memory == null) {
            if (arena != null) {
                arena.close();
            }
            arena = NativeMemory.arena("TensorBuffer");
            long elems = Math.max(n, 16);
            memory = arena.allocate(elems * Float.BYTES, Tensor.ALIGNMENT);
            capacity = elems;
        }
        currentShape = shape.clone();
        current = Tensor.anchored(memory.asSlice(0, n * Float.BYTES), arena, currentShape);
        return current;
    }

    /** Like {@link #get} and zero-filled. */
    public Tensor zeros(int... shape) {
        Tensor t = get(shape);
        t.segment().fill((byte) 0);
        return t;
    }

    /** Elements this buffer can hold without reallocating. */
    public long capacity() {
        return capacity;
    }

    @Override
    public void close() {
        if (arena != null) {
            arena.close();
            arena = null;
            memory = null;
            current = null;
            capacity = 0;
        }
    }
}
