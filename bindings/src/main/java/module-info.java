/**
 * FFM bindings for the part of OpenBLAS's {@code cblas.h} that Isthmus calls, in the shape jextract
 * generates. Its downcalls are restricted methods: run with {@code --enable-native-access=dev.isthmus.bindings}
 * (or {@code ALL-UNNAMED} from the class path).
 */
module dev.isthmus.bindings {
    exports dev.isthmus.bindings.cblas;
}
