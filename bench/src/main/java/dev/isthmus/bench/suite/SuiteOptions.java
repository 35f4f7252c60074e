package dev.isthmus.bench.suite;

import dev.isthmus.kernel.Engine;

import java.util.ArrayList;
import java.util.List;

/**
 * What a run measures and how long it may take.
 *
 * @param quick      about a minute: shorter budgets, a looser tolerance, kernels on all threads only, no AlexNet training
 * @param maxThreads the largest thread count (0: every logical CPU)
 * @param sections   which of {@code machine}, {@code kernels}, {@code models} to run (the machine always runs:
 *                   the roofline needs it)
 * @param backend    the GEMM backend
 * @param label      a name for the machine in reports (null: CPU model and core count)
 */
public record SuiteOptions(boolean quick, int maxThreads, List<String> sections, Engine.Backend backend, String label) {

    public static final List<String> SECTIONS = List.of("machine", "kernels", "models");

    public SuiteOptions {
        if (maxThreads < 0) {
            throw new IllegalArgumentException("SuiteOptions: maxThreads must be >= 0 (0: all logical CPUs), got " + maxThreads);
        }
        sections = List.copyOf(sections);
        for (String s : sections) {
            if (!SECTIONS.contains(s)) {
                throw new IllegalArgumentException("SuiteOptions: unknown section '" + s + "', expected one of " + SECTIONS);
            }
        }
    }

    /** The full suite on every logical CPU. */
    public static SuiteOptions full() {
        return new SuiteOptions(false, 0, SECTIONS, Engine.Backend.AUTO, null);
    }

    /** The quick suite on every logical CPU. */
    public static SuiteOptions quickRun() {
        return new SuiteOptions(true, 0, SECTIONS, Engine.Backend.AUTO, null);
    }

    public int threads() {
        return maxThreads == 0 ? Runtime.getRuntime().availableProcessors() : maxThreads;
    }

    public boolean runs(String section) {
        return sections.contains(section);
    }

    /** The models' thread counts: 1..N up to 8, then doubling, always ending at N (quick: 1 and N). */
    public List<Integer> modelThreads() {
        int n = threads();
        List<Integer> t = new ArrayList<>();
        for (int i = 1; i < n; i = quick ? n : i < 8 ? i + 1 : i * 2) {
            t.add(i);
        }
        t.add(n);
        return List.copyOf(t);
    }

    /** The kernels' thread counts: 1 and N (quick: N only). */
    public List<Integer> kernelThreads() {
        int n = threads();
        return quick || n == 1 ? List.of(n) : List.of(1, n);
    }

    /** Single-stream latency: on 1 thread and on N. */
    public List<Integer> latencyThreads() {
        int n = threads();
        return n == 1 ? List.of(1) : List.of(1, n);
    }

    /** The stability rule of this mode. */
    public Stability stability() {
        return quick ? Stability.quick() : Stability.full();
    }

    /** The time budget of one row in this mode. */
    public Sampler.Budget budget() {
        return quick ? new Sampler.Budget(0.2, 2.5, 0.9, 0.03) : new Sampler.Budget(1.5, 10, 8, 0.1);
    }
}
