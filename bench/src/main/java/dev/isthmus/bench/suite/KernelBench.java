package dev.isthmus.bench.suite;

import dev.isthmus.kernel.Engine;

import java.util.List;

/**
 * Runs the {@link KernelCatalog} on each thread count and places every kernel on the roofline of that
 * thread count: the measured FMA peak and triad bandwidth of the machine ({@link MachineInfo#peakGflops},
 * {@link MachineInfo#bandwidthGBs}).
 */
final class KernelBench {
    private final RowRecorder recorder;
    private final Sampler sampler;
    private final Engine.Backend backend;

    KernelBench(RowRecorder recorder, Sampler sampler, Engine.Backend backend) {
        this.recorder = recorder;
        this.sampler = sampler;
        this.backend = backend;
    }

    static int steps(List<Integer> threadCounts) {
        return KernelCatalog.all().size() * threadCounts.size();
    }

    void run(MachineInfo machine, List<Integer> threadCounts) {
        for (int t : threadCounts) {
            Engine.configure(t, backend);
            double peak = machine.peakGflops(t), bw = machine.bandwidthGBs(t);
            for (Kernel k : KernelCatalog.all()) {
                recorder.starting("kernel " + k.name() + " on " + t + " thread" + (t == 1 ? "" : "s"));
                try (Kernel.Op op = k.setup().get()) {
                    recorder.measured("kernel", k.name(), t, k.batch(), k.unit(), true, sampler.measure(op.probe()),
                            k::rate, secs -> Roofline.classify(k.flops(), k.bytes(), secs, peak, bw), k.note());
                }
            }
        }
    }
}
