package dev.isthmus.bench.e2e;

import dev.isthmus.infer.Predictor;
import dev.isthmus.models.CourseModels;
import dev.isthmus.nn.Sequential;
import dev.isthmus.kernel.Engine;
import dev.isthmus.tensor.Rng;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CyclicBarrier;

/**
 * Serving LeNet-5 predictions from one {@link Predictor} to 1, 2 and 8 calling threads, as a service would:
 * each caller loops {@code predict(image, 1, out)} (batch 1, no allocation) and times every call; the
 * report gives the batch-1 latency p50 and p99 over all calls of all callers, and the throughput (calls per
 * second of wall time). Prints the machine's load average and CPU flags with the figures: on a shared VM
 * they move with the load, so compare runs only side by side.
 *
 * <pre>java ... dev.isthmus.bench.e2e.PredictorBench [--callers "1 2 8"] [--seconds 5] [--warmup 3] [--engine-threads N]</pre>
 */
public final class PredictorBench {
    private PredictorBench() {
    }

    public static void main(String[] args) throws Exception {
        int[] callers = {1, 2, 8};
        double seconds = 5, warmup = 3;
        int engineThreads = Runtime.getRuntime().availableProcessors();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--callers" -> callers = Arrays.stream(args[++i].trim().split("[ ,]+")).mapToInt(Integer::parseInt).toArray();
                case "--seconds" -> seconds = Double.parseDouble(args[++i]);
                case "--warmup" -> warmup = Double.parseDouble(args[++i]);
                case "--engine-threads" -> engineThreads = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + "; usage: PredictorBench [--callers \"1 2 8\"] [--seconds S] [--warmup S] [--engine-threads N]");
            }
        }
        Engine engine = Engine.configure(engineThreads, Engine.Backend.AUTO);
        System.out.printf(Locale.ROOT, "PredictorBench: LeNet-5, batch 1, engine threads %d, backend %s, %s%n",
                engineThreads, engine.gemm().name(), cpuFlags());
        System.out.printf(Locale.ROOT, "load average before: %s%n", loadAverage());
        System.out.println("| calling threads | p50 latency (us) | p99 latency (us) | throughput (predictions/s) |");
        System.out.println("|---:|---:|---:|---:|");
        try (Sequential lenet = CourseModels.lenet5(10, 1); Predictor p = Predictor.of(lenet, 1, 28, 28)) {
            // until C2 has compiled the kernels a call is 100-1000x slower; on a loaded machine that takes seconds
            for (int round = 0; round < 3; round++) {
                run(p, 1, warmup);
            }
            for (int c : callers) {
                run(p, c, warmup);
                Result r = run(p, c, seconds);
                System.out.printf(Locale.ROOT, "| %d | %.1f | %.1f | %,.0f |%n", c, r.p50 / 1e3, r.p99 / 1e3, r.throughput);
            }
        }
        System.out.printf(Locale.ROOT, "load average after: %s%n", loadAverage());
    }

    private record Result(double p50, double p99, double throughput) {
    }

    /** {@code callers} threads call {@code p} for {@code seconds}; latencies in nanoseconds. */
    private static Result run(Predictor p, int callers, double seconds) throws Exception {
        long[][] lat = new long[callers][];
        int[] counts = new int[callers];
        CyclicBarrier start = new CyclicBarrier(callers + 1);
        long duration = (long) (seconds * 1e9);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < callers; t++) {
            int id = t;
            Thread th = new Thread(() -> {
                float[] in = new float[784], out = new float[10];
                Rng rng = new Rng(id);
                for (int i = 0; i < in.length; i++) {
                    in[i] = rng.nextFloat();
                }
                long[] mine = new long[1 << 21];
                int n = 0;
                try {
                    start.await();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                long end = System.nanoTime() + duration;
                long now = System.nanoTime();
                while (now < end && n < mine.length) {
                    p.predict(in, 1, out);
                    long after = System.nanoTime();
                    mine[n++] = after - now;
                    now = after;
                }
                lat[id] = mine;
                counts[id] = n;
            }, "caller-" + t);
            threads.add(th);
            th.start();
        }
        start.await();
        long t0 = System.nanoTime();
        for (Thread th : threads) {
            th.join();
        }
        double wall = (System.nanoTime() - t0) / 1e9;
        int total = Arrays.stream(counts).sum();
        long[] all = new long[total];
        for (int t = 0, at = 0; t < callers; t++) {
            System.arraycopy(lat[t], 0, all, at, counts[t]);
            at += counts[t];
        }
        Arrays.sort(all);
        return new Result(all[(int) (0.50 * (total - 1))], all[(int) (0.99 * (total - 1))], total / wall);
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static String cpuFlags() {
        try {
            String info = Files.readString(Path.of("/proc/cpuinfo"));
            StringBuilder sb = new StringBuilder("CPU flags:");
            for (String f : new String[]{"avx2", "fma", "avx512f"}) {
                if (info.matches("(?s).*\\b" + f + "\\b.*")) {
                    sb.append(' ').append(f);
                }
            }
            return sb.append(", ").append(Runtime.getRuntime().availableProcessors()).append(" processors").toString();
        } catch (IOException e) {
            return "CPU flags unknown";
        }
    }
}
