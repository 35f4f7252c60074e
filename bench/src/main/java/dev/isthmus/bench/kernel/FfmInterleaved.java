package dev.isthmus.bench.kernel;

import dev.isthmus.bindings.cblas.cblas_h;
import dev.isthmus.kernel.Gemm;
import dev.isthmus.kernel.Engine;
import dev.isthmus.tensor.Rng;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * OpenBLAS through FFM against the same {@code cblas_sgemm} called from C, sample by sample in one process.
 *
 * <p>Run separately (the C program, then a JMH fork), the two sides of a large product are measured tens of
 * seconds apart, and on a shared VM the host's speed drifts by more than the 3% the FFM target allows; even
 * paired rounds move by +-10%. Here each sample times a C loop of the products (one downcall into
 * {@code bench/src/main/c/sgemm_loop.c}, built as a shared library, handed the very function pointer the
 * bindings call) and a Java loop of the engine's {@code Gemm.sgemm} calls, back to back in alternating order,
 * on the same thread, matrices and OpenBLAS thread count. The ratio of a pair sees the same host, so drift
 * cancels; its median over the samples is the figure.
 *
 * <p>Output, one line per shape and thread count, for {@code GemmReport report --interleaved FILE}:
 * {@code INTERLEAVED SHAPE THREADS RATIO...} with each pair's FFM/C speed ratio ({@code time_C / time_FFM}).
 *
 * <pre>java ... dev.isthmus.bench.kernel.FfmInterleaved --lib libsgemm_loop.so [--shapes SQ_256,...]
 *     [--threads 1,2] [--samples 15] [--sample-ms 150] [--warmup-ms 2000] [--out FILE]</pre>
 */
public final class FfmInterleaved {
    private FfmInterleaved() {
    }

    public static void main(String[] args) throws Throwable {
        Path lib = null;
        Path out = null;
        List<GemmShape> shapes = List.of(GemmShape.SQ_256, GemmShape.SQ_512, GemmShape.SQ_1024, GemmShape.SQ_2048);
        int[] threads = {1, 2};
        int samples = 15;
        long sampleMs = 150, warmupMs = 2000;
        for (int i = 0; i < args.length; i++) {
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--lib" -> lib = Path.of(v);
                case "--out" -> out = Path.of(v);
                case "--shapes" -> shapes = GemmShape.parseList(v);
                case "--threads" -> threads = Arrays.stream(v.split(",")).mapToInt(s -> Integer.parseInt(s.trim())).toArray();
                case "--samples" -> samples = Integer.parseInt(v);
                case "--sample-ms" -> sampleMs = Long.parseLong(v);
                case "--warmup-ms" -> warmupMs = Long.parseLong(v);
                default -> throw new IllegalArgumentException("FfmInterleaved: unknown option '" + args[i] + "'");
            }
            i++;
        }
        if (lib == null) {
            throw new IllegalArgumentException("FfmInterleaved: --lib PATH (libsgemm_loop.so, see bench/src/main/c/sgemm_loop.c) is required");
        }
        StringBuilder sb = new StringBuilder();
        Path library = lib;
        try (Arena arena = Arena.ofShared()) {
            MethodHandle loop = Linker.nativeLinker().downcallHandle(
                    SymbolLookup.libraryLookup(library, arena).find("isthmus_sgemm_loop").orElseThrow(() ->
                            new IllegalArgumentException("FfmInterleaved: " + library + " has no isthmus_sgemm_loop")),
                    FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.ADDRESS, ValueLayout.JAVA_INT,
                            ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                            ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_FLOAT, ValueLayout.ADDRESS,
                            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_FLOAT,
                            ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
            for (GemmShape shape : shapes) {
                if (shape.count != 1) {
                    throw new IllegalArgumentException("FfmInterleaved: " + shape + " is a batch of products; square shapes only");
                }
                for (int t : threads) {
                    Side side = new Side(shape, t, loop, arena);
                    side.run(warmupMs, 1, null);
                    double[] ratios = new double[samples];
                    side.run(sampleMs, samples, ratios);
                    sb.append("INTERLEAVED ").append(shape.name()).append(' ').append(t);
                    for (double r : ratios) {
                        sb.append(String.format(Locale.ROOT, " %.5f", r));
                    }
                    sb.append('\n');
                    double[] sorted = ratios.clone();
                    Arrays.sort(sorted);
                    System.err.printf(Locale.ROOT, "FfmInterleaved: %s %dt FFM/C median %.1f%% (range %.1f-%.1f%%, %d pairs)%n",
                            shape.label, t, 100 * sorted[sorted.length / 2], 100 * sorted[0], 100 * sorted[sorted.length - 1],
                            samples);
                }
            }
        }
        if (out != null) {
            Files.writeString(out, sb.toString());
        } else {
            System.out.print(sb);
        }
    }

    /** One shape at one thread count: the operands and the two timed loops. */
    private static final class Side {
        private final GemmShape s;
        private final MethodHandle loop;
        private final Gemm gemm;
        private final MemorySegment a, b, c;

        Side(GemmShape s, int threads, MethodHandle loop, Arena arena) {
            this.s = s;
            this.loop = loop;
            Engine engine = Engine.configure(threads, Engine.Backend.OPENBLAS);
            if (engine.threads().deterministic()) {
                throw new IllegalStateException("FfmInterleaved: deterministic mode keeps OpenBLAS on one thread; unset it");
            }
            this.gemm = engine.gemm();
            Rng rng = new Rng(42);
            a = filled(arena, s.aElements(), rng);
            b = filled(arena, s.bElements(), rng);
            c = arena.allocate(s.cElements() * Float.BYTES, 64);
        }

        private static MemorySegment filled(Arena arena, long n, Rng rng) {
            MemorySegment m = arena.allocate(n * Float.BYTES, 64);
            for (long i = 0; i < n; i++) {
                m.setAtIndex(ValueLayout.JAVA_FLOAT, i, rng.nextFloat() * 2f - 1f);
            }
            return m;
        }

        /** Nanoseconds of {@code reps} products through the engine's OpenBLAS Gemm (FFM). */
        private long java(int reps) {
            long t0 = System.nanoTime();
            for (int i = 0; i < reps; i++) {
                gemm.sgemm(s.transA, s.transB, s.m, s.n, s.k, 1f, a, 0, s.lda(), b, 0, s.ldb(), s.beta, c, 0, s.ldc());
            }
            return System.nanoTime() - t0;
        }

        /** Nanoseconds of {@code reps} products in the C loop, with OpenBLAS at the thread count the engine gives the shape. */
        private long c(int reps) throws Throwable {
            Engine.get().threads().fitBlasTo((long) s.m * s.n * s.k);
            return (long) loop.invokeExact(cblas_h.cblas_sgemm$address(), reps, cblas_h.CblasRowMajor(),
                    s.transA ? cblas_h.CblasTrans() : cblas_h.CblasNoTrans(),
                    s.transB ? cblas_h.CblasTrans() : cblas_h.CblasNoTrans(), s.m, s.n, s.k, 1f, a, s.lda(), b, s.ldb(),
                    s.beta, c, s.ldc());
        }

        /**
         * {@code pairs} samples of about {@code ms} milliseconds per side, alternating which side goes first;
         * each pair's {@code time_C / time_FFM} goes to {@code ratios} (null: warm-up only).
         */
        void run(long ms, int pairs, double[] ratios) throws Throwable {
            long once = Math.max(1, Math.min(java(1), c(1)));
            int reps = (int) Math.max(1, Math.min(100_000, ms * 1_000_000L / once));
            for (int p = 0; p < pairs; p++) {
                long tc, tj;
                if (p % 2 == 0) {
                    tc = c(reps);
                    tj = java(reps);
                } else {
                    tj = java(reps);
                    tc = c(reps);
                }
                if (ratios != null) {
                    ratios[p] = (double) tc / tj;
                }
            }
        }
    }
}
