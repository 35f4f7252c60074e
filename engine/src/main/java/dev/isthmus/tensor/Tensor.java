package dev.isthmus.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * A contiguous, row-major float32 tensor (NCHW for images) whose elements live off-heap in a
 * 64-byte-aligned {@link MemorySegment}.
 *
 * <p>Ownership is explicit. A tensor made by a factory without an {@link Arena} owns an arena of its own
 * ({@link NativeMemory#arena}) and frees it on {@link #close()} (idempotent). A tensor made in a caller's
 * arena lives as long as that arena, and {@code close()} leaves it alone. Views ({@link #reshape},
 * {@link #view}, {@link #slice}) share the memory of the tensor they come from, never free it, and keep
 * it reachable. A tensor nobody closed is reported once and freed when it and all its views become
 * unreachable. Any access after the memory is freed throws {@link IllegalStateException}; it never
 * reaches freed memory.
 */
public final class Tensor implements AutoCloseable {

    /** Alignment of every allocation: one cache line, and the width of an AVX-512 register. */
    public static final long ALIGNMENT = 64;
    static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private final int[] shape;
    private final long size;
    private final MemorySegment data;
    private final Arena owner;
    /** What keeps {@link #data} allocated while this tensor is reachable: the owning arena, or null. */
    private final Object anchor;

    private Tensor(int[] shape, MemorySegment data, Arena owner, Object anchor) {
        this.shape = shape;
        this.size = data.byteSize() / Float.BYTES;
        this.data = data;
        this.owner = owner;
        this.anchor = anchor;
    }

    /** A tensor over {@code data} that keeps {@code anchor} (the arena the memory belongs to) reachable. */
    static Tensor anchored(MemorySegment data, Object anchor, int[] shape) {
        return new Tensor(shape, data, null, anchor);
    }

    // ---------------------------------------------------------------- factories

    /** A zero-filled tensor that owns its memory. */
    public static Tensor zeros(int... shape) {
        int[] s = checkShape(shape);
        Arena arena = NativeMemory.arena("Tensor", s);
        try {
            return new Tensor(s, allocate(arena, s), arena, arena);
        } catch (RuntimeException | OutOfMemoryError e) {
            arena.close();
            throw e;
        }
    }

    /** A zero-filled tensor whose memory belongs to {@code arena}. */
    public static Tensor zeros(Arena arena, int... shape) {
        int[] s = checkShape(shape);
        return new Tensor(s, allocate(arena, s), null, arena);
    }

    /** A tensor filled with {@code value}, owning its memory. */
    public static Tensor full(float value, int... shape) {
        Tensor t = zeros(shape);
        t.fill(value);
        return t;
    }

    /** A copy of {@code values} in a tensor of the given shape, owning its memory. */
    public static Tensor of(float[] values, int... shape) {
        int[] s = checkShape(shape);
        if (numel(s) != values.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(s) + " holds " + numel(s)
                    + " elements but " + values.length + " values were given");
        }
        Tensor t = zeros(s);
        MemorySegment.copy(values, 0, t.data, FLOAT, 0, values.length);
        return t;
    }

    /** A copy of {@code values} in {@code arena}. */
    public static Tensor of(Arena arena, float[] values, int... shape) {
        int[] s = checkShape(shape);
        if (numel(s) != values.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(s) + " holds " + numel(s)
                    + " elements but " + values.length + " values were given");
        }
        Tensor t = zeros(arena, s);
        MemorySegment.copy(values, 0, t.data, FLOAT, 0, values.length);
        return t;
    }

    /** Uniform values in [0, 1) from {@code rng}. */
    public static Tensor rand(Rng rng, int... shape) {
        Tensor t = zeros(shape);
        for (long i = 0; i < t.size; i++) {
            t.data.setAtIndex(FLOAT, i, rng.nextFloat());
        }
        return t;
    }

    /** Standard normal values from {@code rng}. */
    public static Tensor randn(Rng rng, int... shape) {
        Tensor t = zeros(shape);
        for (long i = 0; i < t.size; i++) {
            t.data.setAtIndex(FLOAT, i, (float) rng.nextGaussian());
        }
        return t;
    }

    /**
     * A tensor over existing memory (not owned, not freed by {@link #close()}).
     *
     * @throws IllegalArgumentException if the segment does not hold exactly the shape's elements
     */
    public static Tensor wrap(MemorySegment segment, int... shape) {
        int[] s = checkShape(shape);
        if (segment.byteSize() != numel(s) * Float.BYTES) {
            throw new IllegalArgumentException("segment of " + segment.byteSize() + " bytes cannot hold shape "
                    + Arrays.toString(s) + " (" + numel(s) * Float.BYTES + " bytes)");
        }
        return new Tensor(s, segment, null, null);
    }

    // ---------------------------------------------------------------- views

    /**
     * The same elements under another shape, sharing memory. One dimension may be {@code -1} and is
     * inferred.
     */
    public Tensor reshape(int... newShape) {
        int[] s = newShape.clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < s.length; i++) {
            if (s[i] == -1) {
                if (infer >= 0) {
                    throw new IllegalArgumentException("only one dimension can be -1 in " + Arrays.toString(newShape));
                }
                infer = i;
            } else if (s[i] < 0) {
                throw new IllegalArgumentException("negative dimension in " + Arrays.toString(newShape));
            } else {
                known *= s[i];
            }
        }
        if (infer >= 0) {
            if (known == 0 || size % known != 0) {
                throw new IllegalArgumentException("cannot reshape " + Arrays.toString(shape) + " to " + Arrays.toString(newShape));
            }
            s[infer] = Math.toIntExact(size / known);
            known = size;
        }
        if (known != size) {
            throw new IllegalArgumentException("cannot reshape " + Arrays.toString(shape) + " (" + size
                    + " elements) to " + Arrays.toString(newShape) + " (" + known + " elements)");
        }
        return new Tensor(s, data, null, anchor);
    }

    /** A view of {@code numel(shape)} elements starting at element {@code offset}, sharing memory. */
    public Tensor view(long offset, int... shape) {
        int[] s = checkShape(shape);
        long n = numel(s);
        if (offset < 0 || offset + n > size) {
            throw new IndexOutOfBoundsException("view of " + Arrays.toString(s) + " at offset " + offset
                    + " exceeds tensor " + Arrays.toString(this.shape) + " of " + size + " elements");
        }
        return new Tensor(s, data.asSlice(offset * Float.BYTES, n * Float.BYTES), null, anchor);
    }

    /** Rows {@code [from, to)} along the first dimension, sharing memory (a mini-batch of a dataset). */
    public Tensor slice(int from, int to) {
        if (shape.length == 0 || from < 0 || to > shape[0] || from > to) {
            throw new IndexOutOfBoundsException("slice [" + from + ", " + to + ") of " + Arrays.toString(shape));
        }
        long row = shape[0] == 0 ? 0 : size / shape[0];
        int[] s = shape.clone();
        s[0] = to - from;
        return new Tensor(s, data.asSlice(from * row * Float.BYTES, (to - from) * row * Float.BYTES), null, anchor);
    }

    // ---------------------------------------------------------------- element access

    public float get(int... index) {
        return data.getAtIndex(FLOAT, flatIndex(index));
    }

    public void set(float value, int... index) {
        data.setAtIndex(FLOAT, flatIndex(index), value);
    }

    public float getFlat(long i) {
        return data.getAtIndex(FLOAT, i);
    }

    public void setFlat(long i, float value) {
        data.setAtIndex(FLOAT, i, value);
    }

    /** A heap copy of all elements in row-major order. */
    public float[] toArray() {
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("tensor of " + size + " elements does not fit a Java array");
        }
        float[] out = new float[(int) size];
        MemorySegment.copy(data, FLOAT, 0, out, 0, out.length);
        return out;
    }

    /** Copies all elements of {@code src} (same element count) into this tensor. */
    public Tensor copyFrom(Tensor src) {
        if (src.size != size) {
            throw new IllegalArgumentException("copy from " + Arrays.toString(src.shape) + " into " + Arrays.toString(shape)
                    + ": element counts differ");
        }
        MemorySegment.copy(src.data, 0, data, 0, size * Float.BYTES);
        return this;
    }

    /** Copies {@code values} (same element count) into this tensor. */
    public Tensor copyFrom(float[] values) {
        if (values.length != size) {
            throw new IllegalArgumentException("copy of " + values.length + " values into " + Arrays.toString(shape)
                    + " (" + size + " elements)");
        }
        MemorySegment.copy(values, 0, data, FLOAT, 0, values.length);
        return this;
    }

    public Tensor fill(float value) {
        if (value == 0f) {
            data.fill((byte) 0);
        } else {
            for (long i = 0; i < size; i++) {
                data.setAtIndex(FLOAT, i, value);
            }
        }
        return this;
    }

    /** A deep copy that owns its memory. */
    public Tensor copy() {
        return zeros(shape).copyFrom(this);
    }

    // ---------------------------------------------------------------- metadata

    public int[] shape() {
        return shape.clone();
    }

    public int dim(int axis) {
        return shape[axis < 0 ? shape.length + axis : axis];
    }

    public int rank() {
        return shape.length;
    }

    /** Whether {@code other} has this tensor's shape (compared in place: {@link #shape()} would copy). */
    public boolean sameShape(Tensor other) {
        return java.util.Arrays.equals(shape, other.shape);
    }

    public long size() {
        return size;
    }

    /** The memory of exactly this tensor's elements. */
    public MemorySegment segment() {
        return data;
    }

    /** True while the memory can be read. */
    public boolean isAlive() {
        return data.scope().isAlive();
    }

    /** True if this tensor frees its memory on {@link #close()}. */
    public boolean ownsMemory() {
        return owner != null;
    }

    public boolean hasShape(int... s) {
        return Arrays.equals(shape, s);
    }

    /** Frees the memory if this tensor owns it (idempotent); views and arena-allocated tensors are left to their owner. */
    @Override
    public void close() {
        if (owner != null) {
            owner.close();
        }
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Tensor").append(Arrays.toString(shape));
        if (!isAlive()) {
            return sb.append("(freed)").toString();
        }
        sb.append(" [");
        long n = Math.min(size, 8);
        for (long i = 0; i < n; i++) {
            sb.append(i == 0 ? "" : ", ").append(getFlat(i));
        }
        return sb.append(size > n ? ", ...]" : "]").toString();
    }

    /** Shape as text, e.g. {@code [64, 1, 28, 28]}. */
    public String shapeString() {
        return Arrays.toString(shape);
    }

    // ---------------------------------------------------------------- helpers

    /** Number of elements of a shape. */
    public static long numel(int... shape) {
        long n = 1;
        for (int d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /**
     * Bytes of float32 storage for {@code shape}, or an {@link IllegalArgumentException} naming the shape when the
     * count overflows a long: a hostile shape must never reach native code as a wrapped-around size.
     */
    public static long byteSize(int... shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            if (d != 0 && n > Long.MAX_VALUE / Float.BYTES / d) {
                throw new IllegalArgumentException("shape " + Arrays.toString(shape)
                        + " is too large: its float32 size overflows 2^63 bytes");
            }
            n *= d;
        }
        return n * Float.BYTES;
    }

    /** The memory for {@code shape}; an allocation failure names the shape and its size. */
    private static MemorySegment allocate(Arena arena, int[] shape) {
        long bytes = byteSize(shape);
        try {
            return arena.allocate(bytes, ALIGNMENT);
        } catch (OutOfMemoryError e) {
            OutOfMemoryError named = new OutOfMemoryError("cannot allocate a tensor of shape " + Arrays.toString(shape)
                    + " (" + bytes + " bytes off-heap): " + e.getMessage());
            named.initCause(e);
            throw named;
        }
    }

    private static int[] checkShape(int[] shape) {
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
        }
        return shape.clone();
    }

    private long flatIndex(int[] index) {
        if (index.length != shape.length) {
            throw new IllegalArgumentException("index of rank " + index.length + " for tensor of shape " + Arrays.toString(shape));
        }
        long flat = 0;
        for (int i = 0; i < shape.length; i++) {
            if (index[i] < 0 || index[i] >= shape[i]) {
                throw new IndexOutOfBoundsException("index " + Arrays.toString(index) + " out of shape " + Arrays.toString(shape));
            }
            flat = flat * shape[i] + index[i];
        }
        return flat;
    }
}
