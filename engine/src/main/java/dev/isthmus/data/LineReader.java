package dev.isthmus.data;

import java.io.IOException;
import java.io.Reader;

/**
 * Lines of a text file, each at most {@code maxChars} long: {@link java.io.BufferedReader#readLine} would build a
 * 2 GB line in memory before anyone could look at it. Lines end at {@code \n}, {@code \r\n} or {@code \r}.
 */
final class LineReader {
    private final Reader in;
    private final String name;
    private final long maxChars;
    private final char[] buf = new char[1 << 16];
    private int pos;
    private int len;
    private long lineNo;
    private final StringBuilder line = new StringBuilder();

    LineReader(Reader in, String name, long maxChars) {
        this.in = in;
        this.name = name;
        this.maxChars = maxChars;
    }

    /** The next line without its terminator, or null at the end of the input. */
    String readLine() throws IOException {
        line.setLength(0);
        boolean any = false;
        while (true) {
            if (pos == len) {
                len = in.read(buf, 0, buf.length);
                pos = 0;
                if (len <= 0) {
                    len = 0;
                    return any ? finish() : null;
                }
            }
            any = true;
            int start = pos;
            while (pos < len && buf[pos] != '\n' && buf[pos] != '\r') {
                pos++;
            }
            if (line.length() + (long) (pos - start) > maxChars) {
                throw new MalformedDataException(name, lineNo + 1, -1, "line longer than " + maxChars
                        + " characters (raise the limit with -D" + dev.isthmus.io.InputLimits.CSV_LINE_CHARS + "=N)", null);
            }
            line.append(buf, start, pos - start);
            if (pos < len) {
                char c = buf[pos++];
                if (c == '\r') {
                    if (pos == len) {
                        len = in.read(buf, 0, buf.length);
                        pos = 0;
                        len = Math.max(len, 0);
                    }
                    if (pos < len && buf[pos] == '\n') {
                        pos++;
                    }
                }
                return finish();
            }
        }
    }

    private String finish() {
        lineNo++;
        return line.toString();
    }
}
