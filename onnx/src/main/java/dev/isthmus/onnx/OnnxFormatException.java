package dev.isthmus.onnx;

import java.io.IOException;

/**
 * An ONNX file Isthmus cannot or will not read: malformed protobuf, inconsistent tensors, an operator or
 * graph shape outside what maps onto Isthmus layers. The message is one line naming the node, tensor or
 * field at fault and what was expected, so the CLI can print it as is.
 */
public class OnnxFormatException extends IOException {
    public OnnxFormatException(String message) {
        super(message);
    }

    public OnnxFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
