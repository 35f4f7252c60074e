package dev.isthmus.onnx;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.WireFormat;
import dev.isthmus.onnx.proto.Onnx.ModelProto;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Bounds what parsing a file will allocate, before it is parsed. Protobuf's own checks stop a length prefix
 * from running past the data, but not amplification: two bytes make an empty node object of a hundred, one
 * byte a {@code long} of eight in a packed integer list, so a 2 GB file could ask for tens of gigabytes of
 * heap. This walk follows the schema ({@link ModelProto}'s descriptors) through the raw bytes without
 * building anything, counts the objects (messages, repeated strings) and the packed integers parsing would
 * create, and refuses the file past {@link #MAX_OBJECTS} or {@link #MAX_VARINTS}; it also refuses protobuf
 * groups (ONNX has none, and skipping them recurses).
 */
final class SizeScan {
    /** Objects parsing may create; the course's networks need a few hundred, the full AlexNet about 150. */
    static final int MAX_OBJECTS = 1 << 20;
    /** Packed integers (dims, ints attributes, int64 tensors) parsing may create: 128 MB of longs. */
    static final long MAX_VARINTS = 1L << 24;

    private final String what;
    private int objects;
    private long varints;

    private SizeScan(String what) {
        this.what = what;
    }

    static void check(ByteBuffer buf, String what) throws OnnxFormatException {
        CodedInputStream in = CodedInputStream.newInstance(buf.duplicate());
        in.setSizeLimit(Integer.MAX_VALUE);
        try {
            new SizeScan(what).message(in, ModelProto.getDescriptor(), 0);
        } catch (OnnxFormatException e) {
            throw e;
        } catch (IOException e) {
            throw new OnnxFormatException(what + " is not a valid ONNX model (protobuf: " + e.getMessage()
                    + "); the file may be truncated or not ONNX at all", e);
        }
    }

    private void message(CodedInputStream in, Descriptor type, int depth) throws IOException {
        if (depth > ModelReader.MAX_NESTING) {
            throw new OnnxFormatException(what + " nests messages deeper than " + ModelReader.MAX_NESTING + " levels");
        }
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            int wire = WireFormat.getTagWireType(tag);
            if (wire == WireFormat.WIRETYPE_START_GROUP || wire == WireFormat.WIRETYPE_END_GROUP) {
                throw new OnnxFormatException(what + " is not a valid ONNX model: it holds a protobuf group (field "
                        + WireFormat.getTagFieldNumber(tag) + "), which ONNX never uses");
            }
            FieldDescriptor f = type.findFieldByNumber(WireFormat.getTagFieldNumber(tag));
            if (f == null) {
                in.skipField(tag);
            } else if (wire == WireFormat.WIRETYPE_LENGTH_DELIMITED && f.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
                object();
                int old = in.pushLimit(in.readRawVarint32());
                message(in, f.getMessageType(), depth + 1);
                in.popLimit(old);
            } else if (wire == WireFormat.WIRETYPE_LENGTH_DELIMITED && f.isRepeated() && varint(f)) {
                int old = in.pushLimit(in.readRawVarint32());
                while (in.getBytesUntilLimit() > 0) {
                    in.readRawVarint64();
                    integer();
                }
                in.popLimit(old);
            } else {
                if (f.isRepeated()) {
                    if (wire == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                        object();
                    } else if (varint(f)) {
                        integer();
                    }
                }
                in.skipField(tag);
            }
        }
    }

    private void object() throws OnnxFormatException {
        if (++objects > MAX_OBJECTS) {
            throw new OnnxFormatException(what + " holds more than " + MAX_OBJECTS + " protobuf messages and strings;"
                    + " the networks Isthmus imports need a few hundred");
        }
    }

    private void integer() throws OnnxFormatException {
        if (++varints > MAX_VARINTS) {
            throw new OnnxFormatException(what + " holds more than " + MAX_VARINTS + " packed integers (dims, ints"
                    + " attributes, integer tensors); Isthmus reads float weights and a few integer constants");
        }
    }

    private static boolean varint(FieldDescriptor f) {
        return switch (f.getType()) {
            case INT32, INT64, UINT32, UINT64, SINT32, SINT64, ENUM, BOOL -> true;
            default -> false;
        };
    }
}
