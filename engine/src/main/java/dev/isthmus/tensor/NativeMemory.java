package dev.isthmus.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The engine's off-heap memory: every tensor, buffer, parameter store, optimizer state and loader slot is
 * allocated in an arena from {@link #arena}, which counts its bytes ({@link #liveBytes()}) and frees them on
 * {@code close()} or, when its owner forgot to close it, once it becomes unreachable (a {@link Cleaner}).
 *
 * <p>An allocation freed by the collector instead of by {@code close()} is a bug in its owner: the first one
 * is reported on standard error, naming what it was; with {@code -Disthmus.debug.leaks=true} every
 * allocation records where it was made, and each distinct site of an unclosed allocation is reported once
 * with its stack. Tensors and views hold their arena, so memory is never freed while anything that can read
 * it is reachable. Explicit close stays the rule (the collector may run late, or never, for off-heap bytes).
 */
public final class NativeMemory {
    /** System property that records allocation sites for the leak report. */
    public static final String DEBUG_PROPERTY = "isthmus.debug.leaks";

    private static final Cleaner CLEANER = Cleaner.create(r -> {
        Thread t = new Thread(r, "isthmus-native-memory-cleaner");
        t.setDaemon(true);
        return t;
    });
    private static final AtomicLong LIVE = new AtomicLong();
    private static final AtomicLong LEAKED = new AtomicLong();
    private static final AtomicLong LEAKED_BYTES = new AtomicLong();
    private static final AtomicBoolean REPORTED = new AtomicBoolean();
    private static final Set<String> REPORTED_SITES = ConcurrentHashMap.newKeySet();

    static volatile boolean debug = Boolean.getBoolean(DEBUG_PROPERTY);
    static volatile Consumer<String> reporter = message -> System.err.println(message);

    private NativeMemory() {
    }

    /**
     * A shared arena whose allocations are counted and freed by {@code close()} (idempotent) or, if nobody
     * closes it, when it becomes unreachable. {@code kind} and {@code shape} (may be null) name it in reports.
     */
    public static Arena arena(String kind, int... shape) {
        return new Tracked(kind, shape);
    }

    /**
     * Runs {@code action} when {@code owner} becomes unreachable, or when the returned handle is cleaned (once),
     * on the thread that frees unclosed arenas: for owners of more than memory, such as a loader thread.
     * {@code action} must not refer to {@code owner}, or it never becomes unreachable.
     */
    public static Cleaner.Cleanable whenUnreachable(Object owner, Runnable action) {
        return CLEANER.register(owner, action);
    }

    /** Bytes currently allocated through {@link #arena} and not yet freed. */
    public static long liveBytes() {
        return LIVE.get();
    }

    /** Allocations freed by the garbage collector because their owner never closed them. */
    public static long leakedAllocations() {
        return LEAKED.get();
    }

    /** Bytes of {@link #leakedAllocations()}. */
    public static long leakedBytes() {
        return LEAKED_BYTES.get();
    }

    /** For tests: the next unclosed allocation is reported again ({@code again}) or not at all. */
    static void resetReports(boolean again) {
        REPORTED.set(!again);
        REPORTED_SITES.clear();
    }

    /** What the cleaner frees; holds nothing that keeps the owning {@link Tracked} reachable. */
    private static final class State implements Runnable {
        final Arena delegate = Arena.ofShared();
        final AtomicLong bytes = new AtomicLong();
        final String kind;
        final int[] shape;
        final Throwable site;
        volatile boolean closedExplicitly;

        State(String kind, int[] shape) {
            this.kind = kind;
            this.shape = shape;
            this.site = debug ? new Throwable("allocated here") : null;
        }

        @Override
        public void run() {
            long b = bytes.getAndSet(0);
            LIVE.addAndGet(-b);
            if (!closedExplicitly) {
                LEAKED.incrementAndGet();
                LEAKED_BYTES.addAndGet(b);
                report(b);
            }
            delegate.close();
        }

        private void report(long b) {
            String what = kind + (shape == null ? "" : Arrays.toString(shape));
            if (site == null) {
                if (REPORTED.compareAndSet(false, true)) {
                    reporter.accept(String.format(Locale.ROOT, "[isthmus] WARNING: %s (%,d bytes off-heap) was never "
                            + "closed; the garbage collector freed it. Close what you allocate (try-with-resources); run "
                            + "with -D%s=true to see where. Further unclosed allocations are freed without a warning.",
                            what, b, DEBUG_PROPERTY));
                }
                return;
            }
            StringBuilder stack = new StringBuilder();
            for (StackTraceElement e : site.getStackTrace()) {
                String c = e.getClassName();
                if (!c.equals(NativeMemory.class.getName()) && !c.startsWith(NativeMemory.class.getName() + "$")) {
                    stack.append("\n\tat ").append(e);
                }
            }
            if (REPORTED_SITES.add(stack.toString())) {
                reporter.accept(String.format(Locale.ROOT, "[isthmus] WARNING: %s (%,d bytes off-heap) was never closed; "
                        + "the garbage collector freed it. Allocated%s", what, b, stack));
            }
        }
    }

    /** The arena handed out: counts allocations, closes once, cleaned when unreachable. */
    private static final class Tracked implements Arena {
        private final State state;
        private final Cleaner.Cleanable cleanable;

        Tracked(String kind, int[] shape) {
            this.state = new State(kind, shape == null ? null : shape.clone());
            this.cleanable = CLEANER.register(this, state);
        }

        @Override
        public MemorySegment allocate(long byteSize, long byteAlignment) {
            MemorySegment s = state.delegate.allocate(byteSize, byteAlignment);
            state.bytes.addAndGet(byteSize);
            LIVE.addAndGet(byteSize);
            return s;
        }

        @Override
        public MemorySegment.Scope scope() {
            return state.delegate.scope();
        }

        @Override
        public void close() {
            state.closedExplicitly = true;
            cleanable.clean();
        }
    }
}
