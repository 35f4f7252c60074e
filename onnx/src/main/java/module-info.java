/**
 * ONNX import and export for Isthmus models; plugs into {@code Predictor.load} as a {@code ModelFormat}
 * (through {@code META-INF/services} on the class path, through {@code provides} on the module path). The
 * generated protobuf classes ({@code dev.isthmus.onnx.proto}) stay inside the module.
 */
module dev.isthmus.onnx {
    requires dev.isthmus.engine;
    requires com.google.protobuf;

    exports dev.isthmus.onnx;

    provides dev.isthmus.infer.ModelFormat with dev.isthmus.onnx.OnnxModelFormat;
}
