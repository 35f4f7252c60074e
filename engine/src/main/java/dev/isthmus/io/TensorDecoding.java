package dev.isthmus.io;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;

/** The byte layouts of safetensors data and their conversion to float32, for {@link SafeTensors}. */
final class TensorDecoding {
    static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfDouble F64_LE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfFloat F32_NATIVE = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private TensorDecoding() {
    }

    /** Converts one tensor's bytes from the mapped data section into float32 at {@code dst}. */
    static void decode(Path file, SafeTensors.Entry e, MemorySegment data, MemorySegment dst) throws IOException {
        long n = e.numel();
        MemorySegment src = data.asSlice(e.begin(), e.end() - e.begin());
        try {
            switch (e.dtype()) {
                case F32 -> MemorySegment.copy(src, F32_LE, 0, dst, F32_NATIVE, 0, n);
                case F16 -> {
                    for (long i = 0; i < n; i++) {
                        dst.setAtIndex(F32_NATIVE, i, Float.float16ToFloat(src.getAtIndex(I16_LE, i)));
                    }
                }
                case BF16 -> {
                    for (long i = 0; i < n; i++) {
                        dst.setAtIndex(F32_NATIVE, i, Float.intBitsToFloat((src.getAtIndex(I16_LE, i) & 0xFFFF) << 16));
                    }
                }
                case F64 -> {
                    for (long i = 0; i < n; i++) {
                        dst.setAtIndex(F32_NATIVE, i, (float) src.getAtIndex(F64_LE, i));
                    }
                }
            }
        } catch (InternalError fault) {
            // The JVM turns a fault on a mapped page (the file was truncated by someone else while we read
            // it) into an InternalError instead of crashing; report it as the I/O problem it is.
            throw new IOException(file + ": the file changed while tensor '" + SafeTensorsHeader.abbreviate(e.name()) + "' was being read", fault);
        }
    }
}
