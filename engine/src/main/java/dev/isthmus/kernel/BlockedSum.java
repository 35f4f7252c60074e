package dev.isthmus.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;

/**
 * The one blocked reduction of the engine's float sums (loss values, norms, penalties): elements
 * {@code [from, to)} in runs of {@value #RUN}; in each run a float vector accumulates the terms lane by lane,
 * its lanes are added in order ({@link Lanes#sum}), the run's scalar tail follows in float, and the run's
 * sum moves to double. Float runs keep the vector loop fast; double across runs keeps a sum over millions
 * of elements from drifting. The terms are lambdas so that each kernel states only what it sums (and what
 * it writes beside it, as a penalty's gradient). They take their operands as arguments ({@code a}, {@code b},
 * {@code c}) rather than capturing them: a lambda that captures nothing is one shared object, so a sum
 * allocates nothing per call (the optimizers' steady-state test counts the bytes).
 */
public final class BlockedSum {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Elements summed in float before the partial sum moves to double. */
    public static final int RUN = 1024;

    /** Adds the terms of elements {@code i .. i + L - 1} of operands {@code a, b} (scalar {@code c}) to {@code acc}. */
    @FunctionalInterface
    public interface VectorStep {
        FloatVector add(FloatVector acc, MemorySegment a, MemorySegment b, float c, long i);
    }

    /** Adds element {@code i}'s term to {@code s}. */
    @FunctionalInterface
    public interface ScalarStep {
        float add(float s, MemorySegment a, MemorySegment b, float c, long i);
    }

    private BlockedSum() {
    }

    /** The sum over {@code [from, to)}; {@code vec == false} runs every element through {@code scalar}. */
    public static double sum(MemorySegment a, MemorySegment b, float c, long from, long to, boolean vec,
                             VectorStep vector, ScalarStep scalar) {
        double total = 0;
        for (long run = from; run < to; run += RUN) {
            long stop = Math.min(to, run + RUN);
            long end = vec ? run + (stop - run) / L * L : run;
            long i = run;
            float s = 0;
            if (end > i) {
                FloatVector acc = FloatVector.zero(S);
                for (; i < end; i += L) {
                    acc = vector.add(acc, a, b, c, i);
                }
                s = Lanes.sum(acc);
            }
            for (; i < stop; i++) {
                s = scalar.add(s, a, b, c, i);
            }
            total += s;
        }
        return total;
    }
}
