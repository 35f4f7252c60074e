package dev.isthmus.cli;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs one parser over seeded mutants with a fixed budget and a per-input time limit, and classifies each
 * outcome: accepted, rejected with one of the parser's documented exceptions, or a failure (any {@link Error},
 * any other exception type, a corrupt input accepted, an input over the time limit). Failing inputs are saved
 * under {@code target/fuzz-crashers/} so they can be committed as regression inputs.
 */
final class FuzzHarness {
    /** Parses the file; returning normally means the input was accepted (the parser may assert on what it got). */
    interface Parser {
        void parse(Path file) throws Exception;
    }

    /** The next input for a random stream. */
    interface Generator {
        Mutations.Mutant next(Random r) throws Exception;
    }

    /** What a target's run found. */
    record Stats(String target, int runs, int accepted, Map<String, Integer> rejected, long slowestNanos,
                 String slowest, List<String> failures, double seconds, long maxUsedHeap) {
        String line() {
            return String.format(Locale.ROOT, "%-22s %6d inputs in %5.1f s: %5d accepted, %5d rejected %s; slowest %.1f ms (%s); "
                            + "heap in use after an input at most %.0f MB; %d failures",
                    target, runs, seconds, accepted, rejected.values().stream().mapToInt(Integer::intValue).sum(), rejected,
                    slowestNanos / 1e6, slowest, maxUsedHeap / 1048576.0, failures.size());
        }
    }

    private FuzzHarness() {
    }

    static Stats run(String target, Generator gen, Parser parser, Set<Class<? extends Throwable>> documented, int budget,
                     long seed, Path work, Duration limit) throws Exception {
        Random r = new Random(seed);
        Path file = work.resolve(target + ".input");
        int accepted = 0;
        Map<String, Integer> rejected = new TreeMap<>();
        List<String> failures = new ArrayList<>();
        long slowest = 0;
        String slowestWhat = "";
        long start = System.nanoTime();
        long maxUsed = 0;
        Runtime rt = Runtime.getRuntime();
        ExecutorService worker = Executors.newSingleThreadExecutor(daemon(target));
        try {
            for (int i = 0; i < budget; i++) {
                Mutations.Mutant m = gen.next(r);
                Files.write(file, m.bytes());
                long t0 = System.nanoTime();
                Future<?> f = worker.submit(() -> {
                    parser.parse(file);
                    return null;
                });
                String failure = null;
                try {
                    f.get(limit.toMillis(), TimeUnit.MILLISECONDS);
                    if (m.mustReject()) {
                        failure = "accepted a corrupt input (" + m.description() + ")";
                    } else {
                        accepted++;
                    }
                } catch (TimeoutException e) {
                    f.cancel(true);
                    worker.shutdownNow();
                    worker = Executors.newSingleThreadExecutor(daemon(target));
                    failure = "over the " + limit.toMillis() + " ms limit (" + m.description() + ")";
                } catch (ExecutionException e) {
                    Throwable c = e.getCause();
                    if (isDocumented(c, documented)) {
                        rejected.merge(c.getClass().getSimpleName(), 1, Integer::sum);
                        if (c.getMessage() == null || c.getMessage().indexOf('\n') >= 0) {
                            failure = "a rejection without a one-line message: " + c;
                        }
                    } else {
                        failure = c + " (" + m.description() + ")" + firstFrame(c);
                    }
                }
                long dt = System.nanoTime() - t0;
                maxUsed = Math.max(maxUsed, rt.totalMemory() - rt.freeMemory());
                if (dt > slowest) {
                    slowest = dt;
                    slowestWhat = m.description();
                }
                if (failure != null) {
                    failures.add(target + " #" + i + ": " + failure);
                    Path crashers = Path.of("target", "fuzz-crashers", target);
                    Files.createDirectories(crashers);
                    Files.write(crashers.resolve(String.format(Locale.ROOT, "seed%d-%05d.bin", seed, i)), m.bytes());
                }
            }
        } finally {
            worker.shutdownNow();
        }
        return new Stats(target, budget, accepted, rejected, slowest, slowestWhat, failures,
                (System.nanoTime() - start) / 1e9, maxUsed);
    }

    static boolean isDocumented(Throwable t, Set<Class<? extends Throwable>> documented) {
        for (Class<? extends Throwable> c : documented) {
            if (c.isInstance(t) && !(t instanceof Error)) {
                return true;
            }
        }
        return false;
    }

    private static String firstFrame(Throwable t) {
        StackTraceElement[] st = t.getStackTrace();
        return st.length == 0 ? "" : " at " + st[0];
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return task -> {
            Thread t = new Thread(task, "fuzz-" + name);
            t.setDaemon(true);
            return t;
        };
    }

    /** Resets the heap pools' peaks (call before a run). */
    static void resetPeaks() {
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP) {
                p.resetPeakUsage();
            }
        }
    }

    /** The sum of the heap pools' peaks since {@link #resetPeaks} (an upper bound on the peak heap in use). */
    static long peakHeap() {
        long sum = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP && p.getPeakUsage() != null) {
                sum += p.getPeakUsage().getUsed();
            }
        }
        return sum;
    }
}
