package dev.isthmus.kernel;

import dev.isthmus.runtime.VectorSupport;
import dev.isthmus.runtime.ThreadBudget;
import dev.isthmus.natives.OpenBlas;
import dev.isthmus.natives.OpenBlasInfo;

import java.util.Locale;
import java.util.Optional;

/**
 * The process-wide choice of kernels: which GEMM backend runs and whether the Vector API paths are taken,
 * over runtime's thread budget and self-check. It lives with the kernels, which ask it; {@code runtime}
 * below it knows nothing of them (no import circle).
 *
 * <p>Configured from system properties (or environment variables) on first use:
 * <ul>
 *   <li>{@code isthmus.threads} / {@code ISTHMUS_THREADS}: the thread budget (default: available processors);</li>
 *   <li>{@code isthmus.backend} / {@code ISTHMUS_BACKEND}: {@code auto} (OpenBLAS if it loads, else the
 *       Vector API), {@code openblas} (fail if it does not load) or {@code vector};</li>
 *   <li>{@code isthmus.blas.path} / {@code ISTHMUS_BLAS_PATH} and {@code isthmus.blas=none}: see {@link OpenBlas};</li>
 *   <li>{@code isthmus.selfcheck=false}: skip the Vector API check (assume intrinsified);</li>
 *   <li>{@code isthmus.skinny} / {@code ISTHMUS_SKINNY}: {@code auto} (default) routes the products of fully
 *       connected layers at small batches to {@link SkinnyGemm} where it measured faster than OpenBLAS;
 *       {@code off} sends everything to OpenBLAS;</li>
 *   <li>{@code isthmus.vector} / {@code ISTHMUS_VECTOR}: {@code auto} (the self-check decides) or {@code off}
 *       (every kernel takes its scalar path, as on a JVM or native image without Vector API support);</li>
 *   <li>{@code isthmus.deterministic} / {@code ISTHMUS_DETERMINISTIC}: {@code true} keeps OpenBLAS on one
 *       thread, so every sum runs in a fixed order (the engine's own reductions always do) and a run is
 *       bit-reproducible even where multi-threaded BLAS would change the order of additions.</li>
 * </ul>
 * {@link #configure} replaces the runtime explicitly, e.g. to change the thread count.
 */
public final class Engine {

    /** Which implementation runs matrix products. */
    public enum Backend { AUTO, OPENBLAS, VECTOR }

    private static volatile Engine current;
    private static VectorSupport checkedVectors;
    private static boolean warnedVectors;
    private static boolean warnedBlas;

    private final ThreadBudget budget;
    private final Gemm gemm;
    private final VectorGemm vectorGemm;
    private final Optional<OpenBlasInfo> openBlas;
    private final VectorSupport vectors;
    private final String fallbackReason;

    private Engine(int threads, Backend backend, boolean selfCheck) {
        Optional<OpenBlasInfo> blas = backend == Backend.VECTOR ? Optional.empty() : OpenBlas.load();
        this.openBlas = blas;
        this.budget = new ThreadBudget(threads, blas.isPresent(), deterministicMode());
        this.vectorGemm = new VectorGemm(budget.pool());
        this.vectors = vectorSupport(selfCheck);
        if (blas.isPresent()) {
            // the skinny kernels are Vector API code: without intrinsified vectors every product stays with OpenBLAS
            boolean skinny = skinnyEnabled() && vectors.intrinsified();
            this.gemm = new OpenBlasGemm(vectorGemm, skinny ? new SkinnyGemm(budget.pool()) : null);
            this.fallbackReason = null;
        } else if (backend == Backend.OPENBLAS) {
            budget.close();
            throw new IllegalStateException("isthmus.backend=openblas but OpenBLAS could not be loaded; tried: "
                    + String.join("; ", OpenBlas.attempts()));
        } else {
            this.gemm = vectorGemm;
            this.fallbackReason = backend == Backend.VECTOR ? "selected by isthmus.backend=vector"
                    : "OpenBLAS could not be loaded; tried: " + String.join("; ", OpenBlas.attempts());
            if (backend == Backend.AUTO && !warnedBlas) {
                warnedBlas = true;
                System.err.println("[isthmus] WARNING: " + fallbackReason + ". Using the Vector API GEMM.");
            }
        }
        if (!vectors.intrinsified() && !warnedVectors && vectors.decidedBy().startsWith("self-check")) {
            warnedVectors = true;
            System.err.printf(Locale.ROOT, "[isthmus] WARNING: the Vector API does not look intrinsified on this JVM "
                    + "(vector loop %.2fx the speed of a scalar loop%s); kernels use their scalar paths.%n",
                    vectors.speedup(), vectors.correct() ? "" : ", and results differed");
        }
    }

    /** The runtime, created from the system properties on first call. */
    public static Engine get() {
        Engine e = current;
        if (e == null) {
            synchronized (Engine.class) {
                e = current;
                if (e == null) {
                    e = new Engine(defaultThreads(), defaultBackend(), selfCheckEnabled());
                    current = e;
                }
            }
        }
        return e;
    }

    /** Replaces the runtime with one of {@code threads} threads on {@code backend}; returns it. */
    public static synchronized Engine configure(int threads, Backend backend) {
        Engine old = current;
        Engine e = new Engine(threads, backend, selfCheckEnabled());
        current = e;
        if (old != null) {
            old.budget.close();
        }
        return e;
    }

    /** The self-check runs once per JVM; later runtimes reuse its verdict. */
    private static synchronized VectorSupport vectorSupport(boolean selfCheck) {
        if (checkedVectors == null) {
            checkedVectors = vectorsDisabled() ? VectorSupport.disabled()
                    : selfCheck ? VectorSupport.check() : VectorSupport.assumed();
        }
        return checkedVectors;
    }

    private static boolean vectorsDisabled() {
        String v = System.getProperty("isthmus.vector", System.getenv("ISTHMUS_VECTOR"));
        if (v == null || v.isBlank() || v.equalsIgnoreCase("auto")) {
            return false;
        }
        if (v.equalsIgnoreCase("off") || v.equalsIgnoreCase("false")) {
            return true;
        }
        throw new IllegalArgumentException("isthmus.vector must be auto or off, got '" + v + "'");
    }

    private static boolean selfCheckEnabled() {
        return !"false".equalsIgnoreCase(System.getProperty("isthmus.selfcheck"));
    }

    public Gemm gemm() {
        return gemm;
    }

    /**
     * Which implementation runs {@code sgemm(transA, transB, m, n, k)} on this engine: {@code skinny} or the
     * backend's name, for {@code LayerProfile} and reports.
     */
    public String gemmFor(boolean transA, boolean transB, int m, int n, int k) {
        return gemm instanceof OpenBlasGemm o && o.routesToSkinny(transA, transB, m, n, k) ? "skinny" : gemm.name();
    }

    static boolean skinnyEnabled() {
        String v = System.getProperty("isthmus.skinny", System.getenv("ISTHMUS_SKINNY"));
        if (v == null || v.isBlank() || v.trim().equalsIgnoreCase("auto")) {
            return true;
        }
        if (v.trim().equalsIgnoreCase("off")) {
            return false;
        }
        throw new IllegalArgumentException("isthmus.skinny must be auto or off, got '" + v + "'");
    }

    /** The pure-Java GEMM, whatever the default backend is. */
    public VectorGemm vectorGemm() {
        return vectorGemm;
    }

    public ThreadBudget threads() {
        return budget;
    }

    public Optional<OpenBlasInfo> openBlas() {
        return openBlas;
    }

    public VectorSupport vectorSupport() {
        return vectors;
    }

    /** True if kernels should take their Vector API paths. */
    public boolean useVectors() {
        return vectors.intrinsified();
    }

    /** A multi-line report: backend, library, core, threads, vector width. */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        sb.append("backend        ").append(gemm.name()).append('\n');
        if (openBlas.isPresent()) {
            OpenBlasInfo info = openBlas.get();
            sb.append("openblas       ").append(info.path()).append(" (").append(info.source().name().toLowerCase(Locale.ROOT)).append(")\n");
            sb.append("config         ").append(info.config()).append('\n');
            sb.append("core           ").append(info.coreName()).append('\n');
            sb.append("blas threads   ").append(budget.blasThreads())
                    .append(budget.deterministic() ? " (deterministic mode: always 1)" : "").append('\n');
            String timeout = OpenBlas.threadTimeout();
            sb.append("skinny gemm    ").append(!skinnyEnabled() ? "off (isthmus.skinny=off): every product goes to OpenBLAS"
                    : !vectors.intrinsified() ? "off: the Vector API is not in use, every product goes to OpenBLAS"
                    : "SkinnyGemm for " + SkinnyGemm.routingSummary()).append('\n');
            sb.append("blas spin      ").append(timeout == null ? "library default (2^28 cycles)"
                    : "2^" + timeout + " cycles after a call (OPENBLAS_THREAD_TIMEOUT)").append('\n');
        } else {
            sb.append("openblas       not used: ").append(fallbackReason).append('\n');
        }
        sb.append("threads        ").append(budget.threads()).append(" (budget; processors: ")
                .append(Runtime.getRuntime().availableProcessors()).append(")\n");
        sb.append("vector api     ").append(vectors.describe()).append('\n');
        sb.append("java           ").append(System.getProperty("java.vm.name")).append(' ')
                .append(System.getProperty("java.runtime.version")).append('\n');
        return sb.toString();
    }

    static boolean deterministicMode() {
        String v = System.getProperty("isthmus.deterministic", System.getenv("ISTHMUS_DETERMINISTIC"));
        return v != null && (v.equalsIgnoreCase("true") || v.equals("1"));
    }

    /** The thread budget the properties ask for: {@code isthmus.threads}, else the available processors. */
    public static int defaultThreads() {
        String v = System.getProperty("isthmus.threads", System.getenv("ISTHMUS_THREADS"));
        if (v == null || v.isBlank()) {
            return Runtime.getRuntime().availableProcessors();
        }
        try {
            int t = Integer.parseInt(v.trim());
            if (t < 1) {
                throw new NumberFormatException();
            }
            return t;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("isthmus.threads must be a positive integer, got '" + v + "'");
        }
    }

    static Backend defaultBackend() {
        String v = System.getProperty("isthmus.backend", System.getenv("ISTHMUS_BACKEND"));
        if (v == null || v.isBlank()) {
            return Backend.AUTO;
        }
        try {
            return Backend.valueOf(v.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("isthmus.backend must be auto, openblas or vector, got '" + v + "'");
        }
    }
}
