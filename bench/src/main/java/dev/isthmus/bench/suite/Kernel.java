package dev.isthmus.bench.suite;

import java.util.function.Supplier;

/**
 * One kernel of the suite: its name, the floating-point work and minimal memory traffic of one call (the
 * roofline's two coordinates), whether it is reported in GFLOP/s or GB/s, and how to set it up.
 *
 * @param name   e.g. {@code gemm/square_1024} or {@code conv/alex_c2/backward_data}
 * @param unit   {@code GFLOP/s} (compute kernels) or {@code GB/s} (pooling, optimizer)
 * @param flops  FLOP of one call
 * @param bytes  bytes one call must move at least
 * @param batch  the batch the call processes, 0 for a plain GEMM
 * @param setup  builds the operands (on the engine configured at that moment) and returns the timed operation
 * @param note   how the work was counted
 */
public record Kernel(String name, String unit, double flops, double bytes, int batch, Supplier<Op> setup, String note) {

    /** A set-up kernel: the probe to time, owning its tensors until closed. */
    public interface Op extends AutoCloseable {
        Sampler.Probe probe();

        @Override
        void close();
    }

    /** An {@link Op} timing {@code body} and closing {@code resources} afterwards. */
    static Op op(Runnable body, AutoCloseable... resources) {
        return op(Sampler.of(body), resources);
    }

    static Op op(Sampler.Probe probe, AutoCloseable... resources) {
        return new Op() {
            @Override
            public Sampler.Probe probe() {
                return probe;
            }

            @Override
            public void close() {
                for (AutoCloseable r : resources) {
                    try {
                        r.close();
                    } catch (Exception e) {
                        throw new IllegalStateException("closing a kernel's operands: " + e, e);
                    }
                }
            }
        };
    }

    /** The unit's value for one call taking {@code seconds}. */
    public double rate(double seconds) {
        return (unit.equals("GB/s") ? bytes : flops) / seconds / 1e9;
    }
}
