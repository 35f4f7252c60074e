package dev.isthmus.runtime;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Start-up self-check of the Vector API: does a vector loop compute what a scalar loop computes, and
 * is it faster? Some JITs (C1 only, the interpreter, some native-image builds) run the Vector API
 * without intrinsics, where every vector op allocates and is many times slower than a scalar loop;
 * the engine then takes its scalar paths and says so.
 *
 * @param speciesBits      width of the preferred species, e.g. 512 with AVX-512
 * @param lanes            floats per vector
 * @param correct          the vector loop matched the scalar loop exactly
 * @param speedup          scalar time / vector time on the same loop after warm-up
 * @param intrinsified     correct, and fast enough that vectors are evidently compiled to SIMD (and not disabled):
 *                         the kernels take their Vector API paths exactly when this is true
 * @param decidedBy        what decided: {@code "self-check"}, {@code "assumed (isthmus.selfcheck=false)"} or
 *                         {@code "disabled (isthmus.vector=off)"}
 */
public record VectorSupport(int speciesBits, int lanes, boolean correct, double speedup, boolean intrinsified,
                            String decidedBy) {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    /**
     * Runs the check: about 50-150 ms on an idle machine, most of it JIT warm-up. A starved JIT (a loaded
     * machine) can leave the vector loop interpreted for a while, which looks exactly like a JVM without
     * intrinsics, so the measurement repeats for up to about 2 s and the verdict "not intrinsified" needs the
     * vector loop to stay far slower (under 0.3x scalar; without intrinsics it is 10-100x slower) throughout.
     * On HotSpot the JIT's own flags decide instead when they can be read ({@link #c2Jit()}): timing under a
     * heavy load once read 0.00x on a JVM whose C2 compiles the Vector API, and sent every kernel to its
     * scalar path. The timing then only feeds {@code info}, and correctness is still checked.
     */
    public static VectorSupport check() {
        Boolean c2 = c2Jit();
        int n = 1024;
        float[] x = new float[n], y = new float[n], yv = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (i % 17) * 0.25f - 2f;
            y[i] = (i % 5) * 0.5f;
        }
        long scalarBest = Long.MAX_VALUE, vectorBest = Long.MAX_VALUE;
        boolean correct = true;
        long deadline = System.nanoTime() + 2_000_000_000L;
        for (int round = 0; ; round++) {
            System.arraycopy(y, 0, yv, 0, n);
            float[] ys = y.clone();
            long t0 = System.nanoTime();
            for (int rep = 0; rep < 200; rep++) {
                scalarAxpy(0.5f, x, ys);
            }
            long t1 = System.nanoTime();
            for (int rep = 0; rep < 200; rep++) {
                vectorAxpy(0.5f, x, yv);
            }
            long t2 = System.nanoTime();
            if (round >= 4) {
                scalarBest = Math.min(scalarBest, t1 - t0);
                vectorBest = Math.min(vectorBest, t2 - t1);
            }
            for (int i = 0; i < n; i++) {
                if (Float.floatToIntBits(ys[i]) != Float.floatToIntBits(yv[i])) {
                    correct = false;
                    break;
                }
            }
            double speedup = (double) scalarBest / Math.max(1, vectorBest);
            if (!correct || (round >= 12 && speedup > 0.5) || System.nanoTime() > deadline) {
                break;
            }
        }
        double speedup = (double) scalarBest / Math.max(1, vectorBest);
        // The scalar loop may be auto-vectorised by C2 too, so "not far slower than scalar" is the robust test.
        boolean intrinsified = correct && (c2 != null ? c2 : speedup > 0.3);
        return new VectorSupport(S.vectorBitSize(), S.length(), correct, speedup, intrinsified,
                c2 == null ? "self-check" : c2 ? "self-check (C2 JIT present)" : "self-check (no C2 JIT)");
    }

    /**
     * Whether HotSpot's C2 compiler, which intrinsifies the Vector API, will compile this JVM's hot code:
     * false with {@code -Xint}, a tiered stop below level 4 (C1 only) or vector support switched off; null
     * where the flags cannot be read (not HotSpot, e.g. a native image, or no {@code jdk.management}).
     */
    static Boolean c2Jit() {
        try {
            com.sun.management.HotSpotDiagnosticMXBean vm =
                    java.lang.management.ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class);
            if (vm == null || !System.getProperty("java.vm.name", "").contains("Server")) {
                return null;
            }
            if (!Boolean.parseBoolean(vm.getVMOption("UseCompiler").getValue())) {
                return false;
            }
            if (Boolean.parseBoolean(vm.getVMOption("TieredCompilation").getValue())
                    && Integer.parseInt(vm.getVMOption("TieredStopAtLevel").getValue()) < 4) {
                return false;
            }
            try {
                if (!Boolean.parseBoolean(vm.getVMOption("EnableVectorSupport").getValue())) {
                    return false;
                }
            } catch (IllegalArgumentException notReadable) {
                // an experimental flag some builds do not expose: C2 alone decides
            }
            return true;
        } catch (RuntimeException | LinkageError e) {
            return null;
        }
    }

    /** Without a check: the Vector API paths taken, as {@code -Disthmus.selfcheck=false} asks. */
    public static VectorSupport assumed() {
        return new VectorSupport(S.vectorBitSize(), S.length(), true, Double.NaN, true, "assumed (isthmus.selfcheck=false)");
    }

    /**
     * The Vector API paths switched off ({@code -Disthmus.vector=off}): every kernel takes its scalar path and
     * GEMM goes to OpenBLAS, as a native image without Vector API support must.
     */
    public static VectorSupport disabled() {
        return new VectorSupport(S.vectorBitSize(), S.length(), true, Double.NaN, false, "disabled (isthmus.vector=off)");
    }

    /** One line for {@code isthmus info}. */
    public String describe() {
        if (!Double.isNaN(speedup)) {
            return String.format(java.util.Locale.ROOT, "%d-bit, %d floats/vector, %s (%.1fx scalar)%s", speciesBits, lanes,
                    intrinsified ? "intrinsified" : "NOT intrinsified: kernels take their scalar paths", speedup,
                    correct ? "" : ", vector results differed");
        }
        return String.format(java.util.Locale.ROOT, "%d-bit, %d floats/vector, %s", speciesBits, lanes,
                intrinsified ? "used, " + decidedBy : "off, " + decidedBy + ": kernels take their scalar paths");
    }

    private static void scalarAxpy(float a, float[] x, float[] y) {
        for (int i = 0; i < x.length; i++) {
            y[i] = Math.fma(a, x[i], y[i]);
        }
    }

    private static void vectorAxpy(float a, float[] x, float[] y) {
        int i = 0;
        int bound = S.loopBound(x.length);
        FloatVector va = FloatVector.broadcast(S, a);
        for (; i < bound; i += S.length()) {
            FloatVector.fromArray(S, x, i).fma(va, FloatVector.fromArray(S, y, i)).intoArray(y, i);
        }
        for (; i < x.length; i++) {
            y[i] = Math.fma(a, x[i], y[i]);
        }
    }
}
