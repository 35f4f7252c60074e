/**
 * The Isthmus engine: off-heap tensors, Vector API and OpenBLAS kernels, layers, losses, optimizers, data,
 * training and serialisation. Needs {@code --add-modules=jdk.incubator.vector} (the incubator module is not
 * resolved by default) and {@code --enable-native-access=dev.isthmus.bindings,dev.isthmus.natives,dev.isthmus.engine}
 * on the module path ({@code ALL-UNNAMED} on the class path).
 */
module dev.isthmus.engine {
    requires transitive dev.isthmus.natives;
    requires dev.isthmus.bindings;
    requires transitive jdk.incubator.vector;
    requires com.fasterxml.jackson.core;
    requires com.fasterxml.jackson.databind;
    // Optional, as in the POM: PNG plots (dev.isthmus.train.Plots) and the terminal progress bar.
    requires static org.jfree.jfreechart;
    requires static java.desktop;
    requires static me.tongfei.progressbar;

    exports dev.isthmus.data;
    exports dev.isthmus.infer;
    exports dev.isthmus.io;
    exports dev.isthmus.kernel;
    exports dev.isthmus.kernel.conv;
    exports dev.isthmus.kernel.pool;
    exports dev.isthmus.loss;
    exports dev.isthmus.models;
    exports dev.isthmus.nn;
    exports dev.isthmus.optim;
    exports dev.isthmus.runtime;
    exports dev.isthmus.tensor;
    exports dev.isthmus.train;

    // Predictor.load reads formats it does not know itself (ONNX) through these
    uses dev.isthmus.infer.ModelFormat;
}
