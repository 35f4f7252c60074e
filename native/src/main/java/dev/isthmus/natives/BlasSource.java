package dev.isthmus.natives;

/** Where the loaded OpenBLAS came from, in the order {@link OpenBlas} tries them. */
public enum BlasSource {
    /** The path given by {@code -Disthmus.blas.path} or {@code ISTHMUS_BLAS_PATH}. */
    EXPLICIT,
    /** The build shipped in {@code org.bytedeco:openblas} on the class path, extracted to the user cache. */
    BUNDLED,
    /** The operating system's {@code libopenblas}. */
    SYSTEM
}
