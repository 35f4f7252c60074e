package dev.isthmus.nn;

import dev.isthmus.tensor.NativeMemory;
import dev.isthmus.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model's parameters in one flat off-heap buffer and their gradients in another (as llm.c does), with
 * each named parameter a view into them. Zeroing the gradients is one fill; an optimizer step is one
 * vectorized loop over {@link #data()} and {@link #grad()}.
 *
 * <p>Each parameter starts at a multiple of 16 floats (64 bytes), so every view is aligned for vectors;
 * the gaps are zero in both buffers and stay zero under every optimizer. The buffers belong to this
 * store's arena and are freed by {@link #close()}.
 */
public final class Parameters implements AutoCloseable {
    private static final int ALIGN_FLOATS = 16;

    private final Arena arena;
    private final Map<String, Parameter> named;
    private final Tensor data;
    private final Tensor grad;
    private final long[] offsets;
    private final long count;

    private Parameters(Map<String, Parameter> named) {
        this.named = Collections.unmodifiableMap(new LinkedHashMap<>(named));
        this.offsets = new long[named.size()];
        long total = 0, real = 0;
        int i = 0;
        for (Parameter p : named.values()) {
            offsets[i++] = total;
            total += (p.size() + ALIGN_FLOATS - 1) / ALIGN_FLOATS * ALIGN_FLOATS;
            real += p.size();
        }
        this.count = real;
        this.arena = NativeMemory.arena("Parameters", Math.toIntExact(Math.max(total, ALIGN_FLOATS)));
        long slots = Math.max(total, ALIGN_FLOATS);
        this.data = Tensor.zeros(arena, Math.toIntExact(slots));
        this.grad = Tensor.zeros(arena, Math.toIntExact(slots));
        i = 0;
        for (Parameter p : named.values()) {
            p.rebind(data.view(offsets[i], p.shape()), grad.view(offsets[i], p.shape()));
            i++;
        }
    }

    /** Gathers {@code named} parameters (state_dict names, in order) into fresh flat buffers, keeping their values. */
    public static Parameters gather(Map<String, Parameter> named) {
        return new Parameters(named);
    }

    /** The flat value buffer (including alignment gaps, which stay zero). */
    public Tensor data() {
        return data;
    }

    /** The flat gradient buffer, same layout as {@link #data()}. */
    public Tensor grad() {
        return grad;
    }

    /** The flat buffers as segments, for vectorized optimizer loops. */
    public MemorySegment dataSegment() {
        return data.segment();
    }

    public MemorySegment gradSegment() {
        return grad.segment();
    }

    /** Number of learnable scalars (without alignment gaps): the "parameters" of a model summary. */
    public long count() {
        return count;
    }

    /** Parameters by state_dict name ({@code 0.weight}, {@code 0.bias}, ...), in model order. */
    public Map<String, Parameter> named() {
        return named;
    }

    public List<Parameter> list() {
        return List.copyOf(named.values());
    }

    /** Element offset of the i-th parameter in the flat buffers. */
    public long offset(int i) {
        return offsets[i];
    }

    /** Values by state_dict name: views into the flat buffer (PyTorch's {@code state_dict()}). */
    public Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        named.forEach((k, p) -> out.put(k, p.data()));
        return out;
    }

    /** Sets every gradient to zero (one fill of the flat buffer). */
    public void zeroGrad() {
        grad.segment().fill((byte) 0);
    }

    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }
}
