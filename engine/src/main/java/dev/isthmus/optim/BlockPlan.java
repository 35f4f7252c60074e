package dev.isthmus.optim;

import dev.isthmus.nn.Parameter;
import dev.isthmus.nn.Parameters;

import java.util.Arrays;
import java.util.List;

/**
 * How a flat parameter buffer is cut into blocks for the optimizer loops: ranges of at most
 * {@link #CHUNK} elements that start at multiples of 16 floats (as every parameter does), each marked
 * with whether weight decay / penalties apply to it. The engine's pool runs the blocks, so the split
 * (and every per-block partial sum) is the same whatever the thread count.
 *
 * <p>Alignment gaps belong to the parameter before them; they hold zeros, which every update keeps zero.
 */
final class BlockPlan {
    /** 32 Ki floats: 128 KiB per stream, small enough to spread 1M parameters over several threads. */
    static final int CHUNK = 1 << 15;

    final long size;
    final int count;
    final long[] from;
    final long[] to;
    final boolean[] decay;

    private BlockPlan(long size, long[] from, long[] to, boolean[] decay, int count) {
        this.size = size;
        this.count = count;
        this.from = Arrays.copyOf(from, count);
        this.to = Arrays.copyOf(to, count);
        this.decay = Arrays.copyOf(decay, count);
    }

    /** Blocks over {@code [0, size)}, all marked for decay. */
    static BlockPlan uniform(long size) {
        return build(size, new long[]{0}, new long[]{size}, new boolean[]{true}, 1);
    }

    /**
     * Blocks over a store's flat buffers; with {@code byFlag}, blocks never mix parameters whose
     * {@link Parameter#decay()} differ and carry that flag, otherwise all are marked for decay.
     */
    static BlockPlan of(Parameters params, boolean byFlag) {
        long size = params.data().size();
        if (!byFlag) {
            return uniform(size);
        }
        List<Parameter> list = params.list();
        int n = list.size();
        long[] from = new long[n + 1];
        long[] to = new long[n + 1];
        boolean[] flag = new boolean[n + 1];
        int ranges = 0;
        long pos = 0;
        for (int i = 0; i < n; i++) {
            long start = i == 0 ? 0 : params.offset(i);
            long end = i + 1 < n ? params.offset(i + 1) : size;
            boolean d = list.get(i).decay();
            if (ranges > 0 && flag[ranges - 1] == d) {
                to[ranges - 1] = end;
            } else {
                from[ranges] = start;
                to[ranges] = end;
                flag[ranges] = d;
                ranges++;
            }
            pos = end;
        }
        if (pos < size || ranges == 0) {
            from[ranges] = pos;
            to[ranges] = size;
            flag[ranges] = true;
            ranges++;
        }
        return build(size, from, to, flag, ranges);
    }

    private static BlockPlan build(long size, long[] rangeFrom, long[] rangeTo, boolean[] rangeFlag, int ranges) {
        int blocks = 0;
        for (int r = 0; r < ranges; r++) {
            blocks += (int) Math.max(1, (rangeTo[r] - rangeFrom[r] + CHUNK - 1) / CHUNK);
        }
        long[] from = new long[blocks];
        long[] to = new long[blocks];
        boolean[] decay = new boolean[blocks];
        int b = 0;
        for (int r = 0; r < ranges; r++) {
            long start = rangeFrom[r];
            do {
                long end = Math.min(rangeTo[r], start + CHUNK);
                from[b] = start;
                to[b] = end;
                decay[b] = rangeFlag[r];
                b++;
                start = end;
            } while (start < rangeTo[r]);
        }
        return new BlockPlan(size, from, to, decay, b);
    }
}
