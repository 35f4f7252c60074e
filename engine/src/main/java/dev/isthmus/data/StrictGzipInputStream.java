package dev.isthmus.data;

import dev.isthmus.io.InputLimits;

import java.io.IOException;
import java.io.InputStream;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * A gzip decoder (RFC 1952) that accepts only well-formed files: unlike {@link java.util.zip.GZIPInputStream},
 * which ignores reserved flag bits and silently stops at trailing bytes it cannot parse, it rejects reserved
 * flags, a bad header CRC, a bad data CRC or length, a truncated member, and anything after the last member
 * (concatenated members, which the format allows, are read in turn). It also stops, with a
 * {@link MalformedDataException}, once the output exceeds {@code maxBytes}, so a small file that inflates to
 * gigabytes (a "gzip bomb") costs one buffer, not the heap.
 */
public final class StrictGzipInputStream extends InputStream {
    private static final int FHCRC = 2, FEXTRA = 4, FNAME = 8, FCOMMENT = 16, RESERVED = 0xE0;
    /** A file name or comment in the header longer than this is not a real one. */
    private static final int MAX_HEADER_STRING = 1 << 16;

    private final InputStream in;
    private final String name;
    private final long maxBytes;
    private final byte[] buf = new byte[1 << 16];
    private int pos;
    private int len;
    private final Inflater inflater = new Inflater(true);
    private final CRC32 crc = new CRC32();
    private long memberBytes;
    private long total;
    private boolean done;
    private final byte[] one = new byte[1];

    /** Reads {@code in}, which must start with a gzip member; {@code name} names it in errors. */
    public StrictGzipInputStream(InputStream in, String name, long maxBytes) throws IOException {
        this.in = in;
        this.name = name;
        this.maxBytes = maxBytes;
        header();
    }

    @Override
    public int read() throws IOException {
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int n) throws IOException {
        if (n == 0) {
            return 0;
        }
        while (!done) {
            int got;
            try {
                got = inflater.inflate(b, off, n);
            } catch (DataFormatException e) {
                throw bad("corrupt deflate data: " + e.getMessage(), e);
            }
            if (got > 0) {
                crc.update(b, off, got);
                memberBytes += got;
                total += got;
                if (total > maxBytes) {
                    throw bad(InputLimits.exceeded("the data inflate to", total, "bytes", maxBytes, InputLimits.DATA_BYTES)
                            + "; a decompression bomb, or a limit to raise", null);
                }
                return got;
            }
            if (inflater.finished()) {
                trailer();
            } else if (inflater.needsDictionary()) {
                throw bad("the deflate data ask for a preset dictionary, which gzip does not have", null);
            } else if (inflater.needsInput()) {
                if (pos == len && !fill()) {
                    throw bad("truncated: the file ends inside the compressed data", null);
                }
                inflater.setInput(buf, pos, len - pos);
                pos = len;
            }
        }
        return -1;
    }

    @Override
    public void close() throws IOException {
        inflater.end();
        in.close();
    }

    private void header() throws IOException {
        CRC32 h = new CRC32();
        int id1 = next(h, "header"), id2 = next(h, "header");
        if (id1 != 0x1f || id2 != 0x8b) {
            throw bad(String.format("not a gzip member: starts with %02x %02x, not 1f 8b", id1, id2), null);
        }
        int cm = next(h, "header");
        if (cm != 8) {
            throw bad("compression method " + cm + " is not deflate (8)", null);
        }
        int flags = next(h, "header");
        if ((flags & RESERVED) != 0) {
            throw bad(String.format("reserved header flag bits are set (flags 0x%02x)", flags), null);
        }
        for (int i = 0; i < 6; i++) {
            next(h, "header"); // MTIME, XFL, OS
        }
        if ((flags & FEXTRA) != 0) {
            int xlen = next(h, "extra field") | next(h, "extra field") << 8;
            for (int i = 0; i < xlen; i++) {
                next(h, "extra field");
            }
        }
        for (int flag : new int[]{FNAME, FCOMMENT}) {
            if ((flags & flag) != 0) {
                int n = 0;
                while (next(h, flag == FNAME ? "file name" : "comment") != 0) {
                    if (++n > MAX_HEADER_STRING) {
                        throw bad("the header's " + (flag == FNAME ? "file name" : "comment") + " is longer than "
                                + MAX_HEADER_STRING + " bytes", null);
                    }
                }
            }
        }
        if ((flags & FHCRC) != 0) {
            int expected = (int) (h.getValue() & 0xFFFF);
            int stored = next(null, "header CRC") | next(null, "header CRC") << 8;
            if (stored != expected) {
                throw bad(String.format("header CRC %04x does not match the header (%04x)", stored, expected), null);
            }
        }
        inflater.reset();
        crc.reset();
        memberBytes = 0;
    }

    private void trailer() throws IOException {
        // The inflater may have been handed bytes past the end of the deflate stream: give them back.
        pos -= inflater.getRemaining();
        long storedCrc = 0, storedSize = 0;
        for (int i = 0; i < 4; i++) {
            storedCrc |= (long) next(null, "trailer") << (8 * i);
        }
        for (int i = 0; i < 4; i++) {
            storedSize |= (long) next(null, "trailer") << (8 * i);
        }
        if (storedCrc != crc.getValue()) {
            throw bad(String.format("data CRC %08x does not match the stored %08x", crc.getValue(), storedCrc), null);
        }
        if (storedSize != (memberBytes & 0xFFFFFFFFL)) {
            throw bad("the trailer records " + storedSize + " bytes (mod 2^32) but the member inflates to " + memberBytes, null);
        }
        if (pos == len && !fill()) {
            done = true;
            return;
        }
        if ((buf[pos] & 0xFF) != 0x1f) {
            throw bad("trailing bytes after the last gzip member (the member should end where the file ends)", null);
        }
        header(); // another member
    }

    /** The next byte of the raw stream (added to {@code h} if given); the end of the file here is a truncation. */
    private int next(CRC32 h, String where) throws IOException {
        if (pos == len && !fill()) {
            throw bad("truncated: the file ends inside the gzip " + where, null);
        }
        int b = buf[pos++] & 0xFF;
        if (h != null) {
            h.update(b);
        }
        return b;
    }

    private boolean fill() throws IOException {
        int r = in.read(buf, 0, buf.length);
        if (r <= 0) {
            return false;
        }
        pos = 0;
        len = r;
        return true;
    }

    private MalformedDataException bad(String problem, Throwable cause) {
        return new MalformedDataException(name, "corrupt or truncated gzip data: " + problem, cause);
    }
}
