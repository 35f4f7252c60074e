package dev.isthmus.natives;

import java.nio.file.Path;

/**
 * What was loaded: the library file, where it came from, and what OpenBLAS says of itself.
 *
 * @param path     the shared library that was loaded
 * @param source   which step of the search found it
 * @param config   {@code openblas_get_config()}, e.g. {@code OpenBLAS 0.3.31 DYNAMIC_ARCH ... Cooperlake MAX_THREADS=64}
 * @param coreName {@code openblas_get_corename()}: the kernel set DYNAMIC_ARCH picked for this CPU
 */
public record OpenBlasInfo(Path path, BlasSource source, String config, String coreName) {

    /** The version token of the config string ("0.3.31"), or the whole string when it has another form. */
    public String version() {
        String[] words = config.trim().split("\\s+");
        return words.length > 1 && words[0].equals("OpenBLAS") ? words[1] : config;
    }

    @Override
    public String toString() {
        return "OpenBLAS " + version() + " (" + coreName + ", " + source.name().toLowerCase() + ") from " + path;
    }
}
