package dev.isthmus.cli;

import dev.isthmus.data.MalformedDataException;
import dev.isthmus.io.InputLimits;

import java.nio.ByteBuffer;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Checks that a PNG file is complete before Java's decoder sees it: Java's PNG reader returns a blank image for a
 * file cut after its header, which {@code predict} would then classify. Verified here: the signature, every
 * chunk's length and CRC, IHDR first with a valid size (within {@link InputLimits#imagePixels()}), depth and
 * colour type, at least one IDAT, IEND last with nothing after it, and that the image data inflate to exactly the
 * bytes the header's size implies (so no row is missing and none is extra).
 */
final class PngCheck {
    static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    private static final int IHDR = 0x49484452, IDAT = 0x49444154, IEND = 0x49454e44, PLTE = 0x504c5445;

    private PngCheck() {
    }

    /** True if {@code head} starts with the PNG signature. */
    static boolean isPng(byte[] head) {
        if (head.length < SIGNATURE.length) {
            return false;
        }
        for (int i = 0; i < SIGNATURE.length; i++) {
            if (head[i] != SIGNATURE[i]) {
                return false;
            }
        }
        return true;
    }

    /** Throws a {@link MalformedDataException} naming {@code name} and the problem unless {@code png} is a whole PNG. */
    static void check(byte[] png, String name, long maxPixels) throws MalformedDataException {
        if (!isPng(png)) {
            throw bad(name, "no PNG signature");
        }
        ByteBuffer b = ByteBuffer.wrap(png);
        b.position(SIGNATURE.length);
        Inflater inflater = new Inflater();
        try {
            long expected = -1;
            long inflated = 0;
            boolean first = true, seenIdat = false, idatDone = false, palette = false;
            int colorType = -1;
            byte[] out = new byte[1 << 16];
            while (true) {
                if (b.remaining() < 12) {
                    throw bad(name, "truncated: the file ends " + (first ? "before IHDR" : "before IEND")
                            + " (at byte " + b.position() + " of " + png.length + ")");
                }
                int start = b.position();
                long length = b.getInt() & 0xFFFFFFFFL;
                int type = b.getInt();
                if (length > Integer.MAX_VALUE || length > b.remaining() - 4) {
                    throw bad(name, "chunk " + typeName(type) + " at byte " + start + " declares " + length
                            + " bytes, past the end of the file (truncated?)");
                }
                int dataAt = b.position();
                CRC32 crc = new CRC32();
                crc.update(png, start + 4, (int) length + 4);
                b.position(dataAt + (int) length);
                long stored = b.getInt() & 0xFFFFFFFFL;
                if (stored != crc.getValue()) {
                    throw bad(name, "chunk " + typeName(type) + " at byte " + start + " has a bad CRC (corrupt file)");
                }
                if (first) {
                    if (type != IHDR || length != 13) {
                        throw bad(name, "the first chunk must be a 13-byte IHDR, got " + typeName(type));
                    }
                    colorType = png[dataAt + 9] & 0xFF;
                    expected = imageBytes(ByteBuffer.wrap(png, dataAt, 13).slice(), name, maxPixels);
                    first = false;
                } else if (type == IDAT) {
                    if (idatDone) {
                        throw bad(name, "IDAT chunks must be consecutive");
                    }
                    seenIdat = true;
                    inflater.setInput(png, dataAt, (int) length);
                    inflated = drain(inflater, out, inflated, expected, name);
                } else {
                    idatDone |= seenIdat;
                    palette |= type == PLTE;
                    if (type == IEND) {
                        break;
                    }
                }
            }
            if (b.hasRemaining()) {
                throw bad(name, b.remaining() + " bytes after IEND");
            }
            if (!seenIdat) {
                throw bad(name, "no image data (IDAT)");
            }
            if (colorType == 3 && !palette) {
                throw bad(name, "a palette image without a PLTE chunk");
            }
            if (!inflater.finished() || inflated != expected || inflater.getRemaining() > 0) {
                throw bad(name, "the image data inflate to " + inflated + " bytes" + (inflater.finished() ? "" : " and are cut off")
                        + "; its " + "size needs exactly " + expected + " (truncated or corrupt file)");
            }
        } finally {
            inflater.end();
        }
    }

    private static long drain(Inflater inflater, byte[] out, long inflated, long expected, String name)
            throws MalformedDataException {
        try {
            while (!inflater.finished() && !inflater.needsInput()) {
                if (inflater.needsDictionary()) {
                    throw bad(name, "the image data ask for a preset zlib dictionary");
                }
                inflated += inflater.inflate(out);
                if (inflated > expected) {
                    throw bad(name, "the image data inflate to more than the " + expected + " bytes its size needs");
                }
            }
        } catch (DataFormatException e) {
            throw bad(name, "corrupt image data: " + e.getMessage());
        }
        return inflated;
    }

    /** Filtered bytes of the image: per row (and per interlace pass), one filter byte plus the packed pixels. */
    private static long imageBytes(ByteBuffer h, String name, long maxPixels) throws MalformedDataException {
        long w = h.getInt() & 0xFFFFFFFFL, ht = h.getInt() & 0xFFFFFFFFL;
        int depth = h.get() & 0xFF, color = h.get() & 0xFF, compression = h.get(), filter = h.get(), interlace = h.get();
        if (w < 1 || ht < 1 || w > Integer.MAX_VALUE || ht > Integer.MAX_VALUE) {
            throw bad(name, "invalid size " + w + " x " + ht);
        }
        if (w * ht > maxPixels) {
            throw bad(name, InputLimits.exceeded("the image has " + w + " x " + ht + " =", w * ht, "pixels", maxPixels,
                    InputLimits.IMAGE_PIXELS));
        }
        int channels = switch (color) {
            case 0 -> depthIn(depth, name, 1, 2, 4, 8, 16) ? 1 : 0;
            case 2 -> depthIn(depth, name, 8, 16) ? 3 : 0;
            case 3 -> depthIn(depth, name, 1, 2, 4, 8) ? 1 : 0;
            case 4 -> depthIn(depth, name, 8, 16) ? 2 : 0;
            case 6 -> depthIn(depth, name, 8, 16) ? 4 : 0;
            default -> throw bad(name, "invalid colour type " + color);
        };
        if (compression != 0 || filter != 0 || (interlace != 0 && interlace != 1)) {
            throw bad(name, "invalid compression, filter or interlace method in IHDR");
        }
        long bits = (long) channels * depth;
        if (interlace == 0) {
            return ht * (1 + (w * bits + 7) / 8);
        }
        // Adam7: pass p covers columns x0 + k*dx and rows y0 + k*dy.
        int[][] passes = {{0, 0, 8, 8}, {4, 0, 8, 8}, {0, 4, 4, 8}, {2, 0, 4, 4}, {0, 2, 2, 4}, {1, 0, 2, 2}, {0, 1, 1, 2}};
        long total = 0;
        for (int[] p : passes) {
            long pw = (w - p[0] + p[2] - 1) / p[2], ph = (ht - p[1] + p[3] - 1) / p[3];
            if (pw > 0 && ph > 0) {
                total += ph * (1 + (pw * bits + 7) / 8);
            }
        }
        return total;
    }

    private static boolean depthIn(int depth, String name, int... allowed) throws MalformedDataException {
        for (int a : allowed) {
            if (depth == a) {
                return true;
            }
        }
        throw bad(name, "invalid bit depth " + depth + " for its colour type");
    }

    private static String typeName(int type) {
        StringBuilder sb = new StringBuilder(4);
        for (int i = 3; i >= 0; i--) {
            int c = (type >>> (8 * i)) & 0xFF;
            sb.append(c >= 0x20 && c < 0x7f ? (char) c : '?');
        }
        return "'" + sb + "'";
    }

    private static MalformedDataException bad(String name, String problem) {
        return new MalformedDataException(name, "not a complete PNG: " + problem);
    }
}
