package dev.isthmus.natives;

import dev.isthmus.bindings.cblas.cblas_h;

import java.io.File;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Finds and loads OpenBLAS once per JVM, trying in order: an explicit path
 * ({@code -Disthmus.blas.path=...} or {@code ISTHMUS_BLAS_PATH}, a file or a directory), the build that
 * {@code org.bytedeco:openblas} ships on the class path (extracted to the user cache), then the system's
 * {@code libopenblas}. {@code -Disthmus.blas=none} (or {@code ISTHMUS_BLAS=none}) skips all of them.
 *
 * <p>A candidate is loaded with {@link System#load} only after a throw-away lookup has confirmed that it
 * exports {@code cblas_sgemm}, so a wrong file can never leave {@link cblas_h} half-initialised. Every
 * attempt is recorded; {@link #attempts()} says what was tried and why it failed.
 *
 * <p>Before the first candidate is opened, {@code OPENBLAS_THREAD_TIMEOUT} is set to
 * {@value #THREAD_TIMEOUT} in the process environment unless it (or {@code GOTO_THREAD_TIMEOUT}) is already
 * set: OpenBLAS's worker threads keep spinning for 2^n cycles after each multi-threaded call, 2^28 (about a
 * tenth of a second) by default, and while they spin they take the cores from the engine's own workers
 * (LeNet-5 inference on 2 threads ran at 18,000 images/s with the default, 32,000 with 2^20).
 */
public final class OpenBlas {

    private static final String PATH_PROPERTY = "isthmus.blas.path";
    private static final String PATH_ENV = "ISTHMUS_BLAS_PATH";
    private static final String SWITCH_PROPERTY = "isthmus.blas";
    private static final String SWITCH_ENV = "ISTHMUS_BLAS";

    /** log2 of the cycles OpenBLAS's idle workers spin before they sleep (about 0.4 ms at 2.5 GHz). */
    public static final int THREAD_TIMEOUT = 20;
    private static final String TIMEOUT_ENV = "OPENBLAS_THREAD_TIMEOUT";

    /** {@code int setenv(const char*, const char*, int)}, named so the native-image metadata test can find it. */
    static final FunctionDescriptor SETENV = FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
            ValueLayout.ADDRESS, ValueLayout.JAVA_INT);
    /** {@code char* getenv(const char*)}. */
    static final FunctionDescriptor GETENV = FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS);

    private static final Object LOCK = new Object();
    private static volatile Optional<OpenBlasInfo> loaded;
    private static final List<String> ATTEMPTS = new ArrayList<>();

    private OpenBlas() {
    }

    /** Loads OpenBLAS if not yet done; returns what was loaded, or empty if nothing could be. Thread-safe. */
    public static Optional<OpenBlasInfo> load() {
        Optional<OpenBlasInfo> result = loaded;
        if (result == null) {
            synchronized (LOCK) {
                result = loaded;
                if (result == null) {
                    result = Optional.ofNullable(search());
                    loaded = result;
                }
            }
        }
        return result;
    }

    /** True once OpenBLAS has been loaded (triggers the search on first call). */
    public static boolean isAvailable() {
        return load().isPresent();
    }

    /** What the search tried, one line each ("bundled: ... : reason"); empty before {@link #load()}. */
    public static List<String> attempts() {
        synchronized (LOCK) {
            return List.copyOf(ATTEMPTS);
        }
    }

    /** Sets OpenBLAS's own thread count; no-op when not loaded. */
    public static void setNumThreads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("OpenBLAS thread count must be >= 1, got " + threads);
        }
        if (isAvailable()) {
            cblas_h.openblas_set_num_threads(threads);
        }
    }

    /** OpenBLAS's current thread count, or 0 when not loaded. */
    public static int numThreads() {
        return isAvailable() ? cblas_h.openblas_get_num_threads() : 0;
    }

    /**
     * The {@code OPENBLAS_THREAD_TIMEOUT} OpenBLAS reads when it loads: the user's, or {@link #THREAD_TIMEOUT}
     * when the search set it; null if neither (the library's default, 28).
     */
    public static String threadTimeout() {
        return nativeGetenv(TIMEOUT_ENV);
    }

    /** Sets {@code OPENBLAS_THREAD_TIMEOUT} for the libraries about to be opened, unless the user has set it. */
    private static void limitSpinning() {
        if (nativeGetenv(TIMEOUT_ENV) != null || nativeGetenv("GOTO_THREAD_TIMEOUT") != null) {
            return;
        }
        try {
            Linker linker = Linker.nativeLinker();
            MethodHandle setenv = linker.downcallHandle(linker.defaultLookup().find("setenv").orElseThrow(), SETENV);
            try (Arena arena = Arena.ofConfined()) {
                int rc = (int) setenv.invokeExact(arena.allocateFrom(TIMEOUT_ENV),
                        arena.allocateFrom(Integer.toString(THREAD_TIMEOUT)), 0);
                if (rc != 0) {
                    ATTEMPTS.add("could not set " + TIMEOUT_ENV + " (setenv returned " + rc + "); OpenBLAS keeps its default");
                }
            }
        } catch (Throwable t) {
            ATTEMPTS.add("could not set " + TIMEOUT_ENV + " (" + t + "); OpenBLAS keeps its default");
        }
    }

    /** {@code getenv} of the C library: the process environment as native code sees it (Java's copy is not updated). */
    private static String nativeGetenv(String name) {
        try {
            Linker linker = Linker.nativeLinker();
            MethodHandle getenv = linker.downcallHandle(linker.defaultLookup().find("getenv").orElseThrow(), GETENV);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment v = (MemorySegment) getenv.invokeExact(arena.allocateFrom(name));
                return v.equals(MemorySegment.NULL) ? null : v.reinterpret(4096).getString(0);
            }
        } catch (Throwable t) {
            return System.getenv(name);
        }
    }

    private static OpenBlasInfo search() {
        String mode = setting(SWITCH_PROPERTY, SWITCH_ENV);
        if (mode != null && (mode.equalsIgnoreCase("none") || mode.equalsIgnoreCase("off") || mode.equalsIgnoreCase("false"))) {
            ATTEMPTS.add("disabled by " + SWITCH_PROPERTY + "/" + SWITCH_ENV + "=" + mode);
            return null;
        }
        limitSpinning();
        String explicit = setting(PATH_PROPERTY, PATH_ENV);
        if (explicit != null && !explicit.isBlank()) {
            Path p = Path.of(explicit);
            if (Files.isDirectory(p)) {
                p = firstExisting(p, "libopenblas.so.0", "libopenblas.so");
            }
            OpenBlasInfo info = tryLoad(p, BlasSource.EXPLICIT, "explicit (" + PATH_PROPERTY + "/" + PATH_ENV + ")");
            // An explicit path that fails is reported but does not silently switch to another build.
            return info;
        }
        OpenBlasInfo bundled = tryBundled();
        if (bundled != null) {
            return bundled;
        }
        for (Path candidate : systemCandidates()) {
            OpenBlasInfo info = tryLoad(candidate, BlasSource.SYSTEM, "system");
            if (info != null) {
                return info;
            }
        }
        return null;
    }

    private static OpenBlasInfo tryBundled() {
        Path dir;
        try {
            dir = BundledLibraries.extract(BundledLibraries.defaultCacheRoot());
        } catch (Exception e) {
            ATTEMPTS.add("bundled (org.bytedeco:openblas): " + e.getMessage());
            return null;
        }
        try {
            for (String dep : BundledLibraries.LOAD_ORDER.subList(0, BundledLibraries.LOAD_ORDER.size() - 1)) {
                Path lib = dir.resolve(dep);
                if (Files.exists(lib)) {
                    loadDependency(dir, lib);
                }
            }
        } catch (UnsatisfiedLinkError e) {
            ATTEMPTS.add("bundled " + dir + ": " + e.getMessage());
            return null;
        }
        return tryLoad(dir.resolve("libopenblas.so.0"), BlasSource.BUNDLED, "bundled");
    }

    private static void loadDependency(Path dir, Path lib) {
        try {
            System.load(lib.toString());
        } catch (UnsatisfiedLinkError e) {
            Path gcc = dir.resolve(BundledLibraries.GCC_S);
            if (e.getMessage() != null && e.getMessage().contains("libgcc_s") && Files.exists(gcc)) {
                System.load(gcc.toString());
                System.load(lib.toString());
            } else {
                throw e;
            }
        }
    }

    private static OpenBlasInfo tryLoad(Path lib, BlasSource source, String label) {
        if (lib == null || !Files.isRegularFile(lib)) {
            ATTEMPTS.add(label + ": " + lib + ": no such file");
            return null;
        }
        Path abs = lib.toAbsolutePath().normalize();
        try (Arena probe = Arena.ofConfined()) {
            // Check the exports in a throw-away lookup first: a library without them never reaches cblas_h.
            SymbolLookup lookup = SymbolLookup.libraryLookup(abs, probe);
            for (String symbol : new String[]{"cblas_sgemm", "cblas_sgemv", "cblas_saxpy", "cblas_sdot", "cblas_sscal",
                    "openblas_set_num_threads", "openblas_get_num_threads", "openblas_get_config", "openblas_get_corename"}) {
                if (lookup.find(symbol).isEmpty()) {
                    ATTEMPTS.add(label + ": " + abs + ": does not export " + symbol);
                    return null;
                }
            }
        } catch (IllegalArgumentException | UnsatisfiedLinkError e) {
            ATTEMPTS.add(label + ": " + abs + ": " + e.getMessage());
            return null;
        }
        try {
            System.load(abs.toString());
            String config = cString(cblas_h.openblas_get_config());
            String core = cString(cblas_h.openblas_get_corename());
            ATTEMPTS.add(label + ": " + abs + ": loaded");
            return new OpenBlasInfo(abs, source, config, core);
        } catch (UnsatisfiedLinkError | ExceptionInInitializerError | NoClassDefFoundError e) {
            ATTEMPTS.add(label + ": " + abs + ": " + e);
            return null;
        }
    }

    private static String cString(MemorySegment pointer) {
        if (pointer.equals(MemorySegment.NULL)) {
            return "";
        }
        return pointer.reinterpret(4096).getString(0).trim();
    }

    private static List<Path> systemCandidates() {
        Set<Path> dirs = new LinkedHashSet<>();
        for (String var : new String[]{System.getenv("LD_LIBRARY_PATH"), System.getProperty("java.library.path")}) {
            if (var != null) {
                for (String d : var.split(File.pathSeparator)) {
                    if (!d.isBlank()) {
                        dirs.add(Path.of(d));
                    }
                }
            }
        }
        for (String d : new String[]{"/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64",
                "/usr/lib", "/usr/local/lib", "/opt/OpenBLAS/lib", "/usr/lib/x86_64-linux-gnu/openblas-pthread"}) {
            dirs.add(Path.of(d));
        }
        List<Path> out = new ArrayList<>();
        for (Path d : dirs) {
            Path found = firstExisting(d, "libopenblas.so.0", "libopenblas.so");
            if (found != null) {
                out.add(found);
            }
        }
        if (out.isEmpty()) {
            ATTEMPTS.add("system: no libopenblas.so[.0] in " + dirs);
        }
        return out;
    }

    private static Path firstExisting(Path dir, String... names) {
        for (String n : names) {
            Path p = dir.resolve(n);
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        return null;
    }

    private static String setting(String property, String env) {
        String v = System.getProperty(property);
        return v != null ? v : System.getenv(env);
    }
}
