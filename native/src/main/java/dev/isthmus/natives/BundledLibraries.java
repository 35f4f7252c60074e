package dev.isthmus.natives;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;

/**
 * Extracts the OpenBLAS build that {@code org.bytedeco:openblas} ships as class-path resources into a
 * per-user cache directory, once per version and content.
 *
 * <p>The directory name is {@code <version>-<hash>}, where the hash covers every file's name, size and
 * CRC (read from the jar's directory, so no 37 MB file is hashed at each start). Extraction writes into
 * a private temporary directory and renames it into place atomically, so several JVMs starting at once
 * either win the rename or use the winner's complete copy; a half-written cache is never loaded.
 */
final class BundledLibraries {

    /** Files shipped next to libopenblas.so.0, in the order they must be loaded (dependencies first). */
    static final List<String> LOAD_ORDER = List.of("libquadmath.so.0", "libgfortran.so.5", "libopenblas.so.0");
    /** Shipped too; loaded only if the system has none (glibc systems always do). */
    static final String GCC_S = "libgcc_s.so.1";
    private static final String COMPLETE_MARKER = ".complete";

    private BundledLibraries() {
    }

    /** The resource folder for this platform, e.g. {@code org/bytedeco/openblas/linux-x86_64/}, or null if unsupported. */
    static String resourceFolder() {
        String os = System.getProperty("os.name", "").toLowerCase();
        String arch = System.getProperty("os.arch", "").toLowerCase();
        if (!os.contains("linux")) {
            return null;
        }
        String platform = switch (arch) {
            case "amd64", "x86_64" -> "linux-x86_64";
            case "aarch64", "arm64" -> "linux-arm64";
            default -> null;
        };
        return platform == null ? null : "org/bytedeco/openblas/" + platform + "/";
    }

    /**
     * Returns the cache directory holding the extracted libraries, extracting them first if needed.
     *
     * @throws IOException if the resources are not on the class path or cannot be written
     */
    static Path extract(Path cacheRoot) throws IOException {
        String folder = resourceFolder();
        if (folder == null) {
            throw new IOException("no bundled OpenBLAS for " + System.getProperty("os.name") + "/" + System.getProperty("os.arch"));
        }
        ClassLoader loader = BundledLibraries.class.getClassLoader();
        URL main = loader.getResource(folder + "libopenblas.so.0");
        if (main == null) {
            throw new IOException("org.bytedeco:openblas (classifier linux-x86_64) is not on the class path: no resource " + folder + "libopenblas.so.0");
        }
        List<String> files = new ArrayList<>(LOAD_ORDER);
        files.add(GCC_S);
        String key = version(loader) + "-" + contentHash(main, folder, files, loader);
        Path target = cacheRoot.resolve("openblas").resolve(key);
        if (Files.exists(target.resolve(COMPLETE_MARKER))) {
            return target;
        }
        Files.createDirectories(target.getParent());
        Path tmp = Files.createTempDirectory(target.getParent(), ".extract-" + ProcessHandle.current().pid() + "-");
        try {
            for (String name : files) {
                try (InputStream in = loader.getResourceAsStream(folder + name)) {
                    if (in == null) {
                        continue; // optional runtime library absent from this build
                    }
                    Files.copy(in, tmp.resolve(name), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            Files.writeString(tmp.resolve(COMPLETE_MARKER), key + "\n");
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException raced) {
                // rename(2) fails with EEXIST/ENOTEMPTY when another JVM finished first: use its copy. A target
                // without the marker can only be debris (renames are atomic), so replace it once.
                if (!Files.exists(target.resolve(COMPLETE_MARKER))) {
                    if (!Files.exists(target)) {
                        throw raced;
                    }
                    deleteTree(target);
                    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
                }
            }
        } finally {
            if (Files.exists(tmp)) {
                deleteTree(tmp);
            }
        }
        if (!Files.exists(target.resolve(COMPLETE_MARKER))) {
            throw new IOException("extraction of OpenBLAS into " + target + " did not complete");
        }
        return target;
    }

    private static String version(ClassLoader loader) {
        try (InputStream in = loader.getResourceAsStream("META-INF/maven/org.bytedeco/openblas/pom.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                return p.getProperty("version", "unknown");
            }
        } catch (IOException ignored) {
            // fall through: the content hash alone still keys the cache correctly
        }
        return "unknown";
    }

    private static String contentHash(URL main, String folder, List<String> files, ClassLoader loader) throws IOException {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        if ("jar".equals(main.getProtocol())) {
            JarURLConnection connection = (JarURLConnection) main.openConnection();
            connection.setUseCaches(false);
            try (JarFile jar = connection.getJarFile()) {
                for (String name : files) {
                    ZipEntry entry = jar.getEntry(folder + name);
                    if (entry != null) {
                        sha.update((name + ":" + entry.getSize() + ":" + entry.getCrc() + ";").getBytes(StandardCharsets.UTF_8));
                    }
                }
            }
        } else {
            for (String name : files) {
                URL url = loader.getResource(folder + name);
                if (url == null) {
                    continue;
                }
                sha.update((name + ":").getBytes(StandardCharsets.UTF_8));
                try (InputStream in = url.openStream()) {
                    byte[] buf = new byte[1 << 16];
                    for (int r; (r = in.read(buf)) > 0; ) {
                        sha.update(buf, 0, r);
                    }
                }
            }
        }
        return HexFormat.of().formatHex(sha.digest(), 0, 8);
    }

    static Path defaultCacheRoot() {
        String explicit = System.getProperty("isthmus.cache.dir", System.getenv("ISTHMUS_CACHE_DIR"));
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank()) {
            return Path.of(xdg, "isthmus");
        }
        return Path.of(System.getProperty("user.home"), ".cache", "isthmus");
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException ignored) {
            // best effort: a stale temporary directory is harmless
        }
    }

}
