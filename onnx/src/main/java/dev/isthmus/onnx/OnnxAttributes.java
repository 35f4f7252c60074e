package dev.isthmus.onnx;

import com.google.protobuf.ByteString;
import dev.isthmus.onnx.proto.Onnx.AttributeProto;
import dev.isthmus.onnx.proto.Onnx.AttributeProto.AttributeType;

/** Builds typed ONNX node attributes for the exporter: one int, several ints, a float or a string. */
final class OnnxAttributes {
    private OnnxAttributes() {
    }

    static AttributeProto of(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeType.INT).setI(value).build();
    }

    static AttributeProto of(String name, long first, long... rest) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeType.INTS).addInts(first);
        for (long v : rest) {
            a.addInts(v);
        }
        return a.build();
    }

    static AttributeProto of(String name, float value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeType.FLOAT).setF(value).build();
    }

    static AttributeProto of(String name, String value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeType.STRING)
                .setS(ByteString.copyFromUtf8(value)).build();
    }
}
