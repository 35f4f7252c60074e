/**
 * Finds and loads OpenBLAS: an explicit path, the build {@code org.bytedeco:openblas} ships (read as
 * class-path resources: that jar's own module descriptor requires JavaCPP, so it stays on the class path
 * even when Isthmus is on the module path), or the system's.
 */
module dev.isthmus.natives {
    requires dev.isthmus.bindings;

    exports dev.isthmus.natives;
}
