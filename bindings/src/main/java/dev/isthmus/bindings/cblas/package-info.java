/**
 * Foreign Function &amp; Memory bindings for the subset of OpenBLAS's {@code cblas.h} that Isthmus uses.
 *
 * <p>{@link dev.isthmus.bindings.cblas.cblas_h} is exactly what {@code native/jextract/regenerate.sh}
 * produces from OpenBLAS 0.3.31's header, plus one post-edit that jextract cannot express: the
 * BLAS level-1/2/3 downcalls are linked with {@code Linker.Option.critical(false)}, which skips the
 * thread-state transition (tens of nanoseconds per call). The symbols resolve through the class
 * loader's lookup, so {@code dev.isthmus.natives.OpenBlas} must load the library before this class
 * is first touched.
 */
package dev.isthmus.bindings.cblas;
