package dev.isthmus.onnx;

import com.google.protobuf.ByteString;
import dev.isthmus.onnx.proto.Onnx.TensorProto;
import dev.isthmus.onnx.proto.Onnx.TensorProto.DataType;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Reads the values of an ONNX {@link TensorProto} (an initializer or a Constant) after checking, before
 * anything is allocated, that its header is sane: rank at most {@link #MAX_RANK}, every dim >= 0, the element
 * count within an int, the data type one Isthmus reads (FLOAT, DOUBLE, INT32, INT64), the data in the file
 * itself (external data is refused: it would make the importer open paths the file names), and the number
 * of bytes in {@code raw_data} or of values in the typed field equal to what the dims say.
 */
final class TensorData {
    static final int MAX_RANK = 8;

    private TensorData() {
    }

    /** Validates the header and data size; returns the element count. {@code what} names the tensor in errors. */
    static int check(TensorProto t, String what) throws OnnxFormatException {
        if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL || t.getExternalDataCount() > 0) {
            String loc = t.getExternalDataList().stream().filter(e -> e.getKey().equals("location"))
                    .map(e -> e.getValue()).findFirst().orElse("?");
            throw new OnnxFormatException(what + " keeps its data in an external file ('" + loc
                    + "'); Isthmus reads only self-contained ONNX files (re-save the model with the weights inside)");
        }
        if (t.getDimsCount() > MAX_RANK) {
            throw new OnnxFormatException(what + " has rank " + t.getDimsCount() + "; at most " + MAX_RANK + " is supported");
        }
        long count = 1;
        for (int i = 0; i < t.getDimsCount(); i++) {
            long d = t.getDims(i);
            if (d < 0) {
                throw new OnnxFormatException(what + " has a negative dimension " + d + " in " + t.getDimsList());
            }
            if (d > 0 && count > (Integer.MAX_VALUE - 8) / d) {
                throw new OnnxFormatException(what + " has dims " + t.getDimsList() + ", more than "
                        + (Integer.MAX_VALUE - 8) + " elements");
            }
            count *= d;
        }
        int n = (int) count;
        int width = width(t, what);
        ByteString raw = t.getRawData();
        long typed = typedCount(t);
        if (!raw.isEmpty() && typed > 0) {
            throw new OnnxFormatException(what + " has both raw_data and typed values");
        }
        if (!raw.isEmpty() || typed == 0) {
            if (raw.size() != (long) n * width) {
                throw new OnnxFormatException(what + " has dims " + t.getDimsList() + " (" + n + " values, "
                        + (long) n * width + " bytes) but " + raw.size() + " bytes of raw_data");
            }
        } else if (typed != n) {
            throw new OnnxFormatException(what + " has dims " + t.getDimsList() + " (" + n + " values) but "
                    + typed + " values in its typed field");
        }
        return n;
    }

    /** The dims as ints (call {@link #check} first). */
    static int[] shape(TensorProto t) {
        int[] s = new int[t.getDimsCount()];
        for (int i = 0; i < s.length; i++) {
            s[i] = (int) t.getDims(i);
        }
        return s;
    }

    /** The values as floats (FLOAT or DOUBLE tensors). */
    static float[] floats(TensorProto t, String what) throws OnnxFormatException {
        int n = check(t, what);
        float[] out = new float[n];
        ByteBuffer raw = raw(t);
        switch (type(t)) {
            case FLOAT -> {
                if (raw != null) {
                    raw.asFloatBuffer().get(out);
                } else {
                    for (int i = 0; i < n; i++) {
                        out[i] = t.getFloatData(i);
                    }
                }
            }
            case DOUBLE -> {
                for (int i = 0; i < n; i++) {
                    out[i] = (float) (raw != null ? raw.getDouble(8 * i) : t.getDoubleData(i));
                }
            }
            default -> throw new OnnxFormatException(what + " must hold floating-point values, got " + type(t));
        }
        return out;
    }

    /** The values as longs (INT64 or INT32 tensors). */
    static long[] longs(TensorProto t, String what) throws OnnxFormatException {
        int n = check(t, what);
        long[] out = new long[n];
        ByteBuffer raw = raw(t);
        switch (type(t)) {
            case INT64 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = raw != null ? raw.getLong(8 * i) : t.getInt64Data(i);
                }
            }
            case INT32 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = raw != null ? raw.getInt(4 * i) : t.getInt32Data(i);
                }
            }
            default -> throw new OnnxFormatException(what + " must hold integers, got " + type(t));
        }
        return out;
    }

    private static ByteBuffer raw(TensorProto t) {
        return t.getRawData().isEmpty() ? null : t.getRawData().asReadOnlyByteBuffer().slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    private static DataType type(TensorProto t) {
        DataType d = DataType.forNumber(t.getDataType());
        return d == null ? DataType.UNDEFINED : d;
    }

    private static int width(TensorProto t, String what) throws OnnxFormatException {
        return switch (type(t)) {
            case FLOAT, INT32 -> 4;
            case DOUBLE, INT64 -> 8;
            default -> throw new OnnxFormatException(what + " has data type " + t.getDataType() + " ("
                    + type(t) + "); Isthmus reads FLOAT, DOUBLE, INT32 and INT64 tensors");
        };
    }

    private static long typedCount(TensorProto t) {
        return switch (type(t)) {
            case FLOAT -> t.getFloatDataCount();
            case DOUBLE -> t.getDoubleDataCount();
            case INT32 -> t.getInt32DataCount();
            case INT64 -> t.getInt64DataCount();
            default -> 0;
        };
    }
}
