/**
 * ONNX for Isthmus: {@link dev.isthmus.onnx.OnnxImporter} reads an ONNX model (opset 11 to 17) whose graph is
 * a chain of supported operators into a {@link dev.isthmus.nn.Sequential}; {@link dev.isthmus.onnx.OnnxExporter}
 * writes a Sequential as opset 13; {@link dev.isthmus.onnx.OnnxModelFormat} lets
 * {@code dev.isthmus.infer.Predictor.load} open {@code .onnx} files. The ONNX schema is Java generated at build
 * time from {@code src/main/proto/onnx.proto} ({@code dev.isthmus.onnx.proto.Onnx}), which lives here and not in
 * the engine, so only applications that read or write ONNX carry protobuf.
 */
package dev.isthmus.onnx;
