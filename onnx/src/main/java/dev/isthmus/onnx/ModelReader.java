package dev.isthmus.onnx;

import com.google.protobuf.CodedInputStream;
import dev.isthmus.onnx.proto.Onnx.ModelProto;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Parses an ONNX file into the generated {@link ModelProto} without copying its tensors: the file is mapped
 * read-only and protobuf's {@code bytes} fields (raw tensor data) alias the mapping, so a 250 MB model costs
 * no heap for its weights until they are read. {@link SizeScan} first bounds how many objects parsing will
 * create, and protobuf bounds every length prefix by the bytes that remain, so a truncated or lying file
 * fails here with {@link OnnxFormatException}, never with a huge allocation.
 */
final class ModelReader {
    /** Protobuf messages cannot exceed 2 GiB; a larger file is refused before it is mapped. */
    static final long MAX_FILE_BYTES = Integer.MAX_VALUE;
    /** Nesting depth of messages (graphs inside attributes inside graphs ...); ONNX models need a handful. */
    static final int MAX_NESTING = 64;

    private ModelReader() {
    }

    static ModelProto read(Path file) throws IOException {
        long size = Files.size(file);
        if (size == 0) {
            throw new OnnxFormatException(file + " is empty, not an ONNX model");
        }
        if (size > MAX_FILE_BYTES) {
            throw new OnnxFormatException(file + " has " + size + " bytes; an ONNX file holds at most "
                    + MAX_FILE_BYTES + " (larger models keep their weights as external data, which Isthmus does not read)");
        }
        MappedByteBuffer buf;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            buf = ch.map(FileChannel.MapMode.READ_ONLY, 0, size);
        }
        return parse(buf, file.toString());
    }

    /** Parses {@code buf}; any protobuf error (truncation, bad tag, over-long length) names {@code what}. */
    static ModelProto parse(java.nio.ByteBuffer buf, String what) throws OnnxFormatException {
        SizeScan.check(buf, what);
        CodedInputStream in = CodedInputStream.newInstance(buf);
        in.enableAliasing(true);
        in.setRecursionLimit(MAX_NESTING);
        in.setSizeLimit(Integer.MAX_VALUE);
        try {
            ModelProto model = ModelProto.parseFrom(in);
            in.checkLastTagWas(0);
            return model;
        } catch (IOException e) {
            throw new OnnxFormatException(what + " is not a valid ONNX model (protobuf: " + e.getMessage()
                    + "); the file may be truncated or not ONNX at all", e);
        }
    }
}
