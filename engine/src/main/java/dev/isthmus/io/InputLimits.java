package dev.isthmus.io;

import java.util.Locale;

/**
 * The bounds every reader of outside input enforces before it allocates: a model file or data set is input a
 * service may not have written, and a 22 MB file must not be able to claim 23 GB. Each limit is a system
 * property (pass it with {@code -D}, or in {@code ISTHMUS_JAVA_OPTS} to the launcher) read when a file is
 * opened, so a test or an application can raise one for a single load.
 *
 * <table>
 * <caption>limits</caption>
 * <tr><th>property</th><th>default</th><th>bounds</th></tr>
 * <tr><td>{@code isthmus.limits.layers}</td><td>10,000</td><td>layers of a model architecture</td></tr>
 * <tr><td>{@code isthmus.limits.parameters}</td><td>2,000,000,000</td><td>learnable scalars of a model</td></tr>
 * <tr><td>{@code isthmus.limits.activationBytes}</td><td>1 GiB</td><td>float32 activations of one sample, summed over layers</td></tr>
 * <tr><td>{@code isthmus.limits.headerBytes}</td><td>100,000,000</td><td>a safetensors JSON header (the format's own limit)</td></tr>
 * <tr><td>{@code isthmus.limits.dataBytes}</td><td>256 MiB</td><td>bytes of one data file after decompression (IDX, CSV)</td></tr>
 * <tr><td>{@code isthmus.limits.csvRows}</td><td>10,000,000</td><td>data rows of a CSV file</td></tr>
 * <tr><td>{@code isthmus.limits.csvLineChars}</td><td>1,000,000</td><td>characters of one CSV line</td></tr>
 * <tr><td>{@code isthmus.limits.imagePixels}</td><td>50,000,000</td><td>pixels of one picture given to predict</td></tr>
 * </table>
 */
public record InputLimits(long layers, long parameters, long activationBytes, long headerBytes, long dataBytes,
                          long csvRows, long csvLineChars, long imagePixels) {

    public static final String LAYERS = "isthmus.limits.layers";
    public static final String PARAMETERS = "isthmus.limits.parameters";
    public static final String ACTIVATION_BYTES = "isthmus.limits.activationBytes";
    public static final String HEADER_BYTES = "isthmus.limits.headerBytes";
    public static final String DATA_BYTES = "isthmus.limits.dataBytes";
    public static final String CSV_ROWS = "isthmus.limits.csvRows";
    public static final String CSV_LINE_CHARS = "isthmus.limits.csvLineChars";
    public static final String IMAGE_PIXELS = "isthmus.limits.imagePixels";

    /** Java arrays (a header's bytes, a data file's bytes) stop just below 2^31. */
    private static final long ARRAY_MAX = Integer.MAX_VALUE - 8;

    public InputLimits {
        positive(LAYERS, layers);
        positive(PARAMETERS, parameters);
        positive(ACTIVATION_BYTES, activationBytes);
        positive(HEADER_BYTES, headerBytes);
        positive(DATA_BYTES, dataBytes);
        positive(CSV_ROWS, csvRows);
        positive(CSV_LINE_CHARS, csvLineChars);
        positive(IMAGE_PIXELS, imagePixels);
        if (headerBytes > ARRAY_MAX || dataBytes > ARRAY_MAX || csvLineChars > ARRAY_MAX) {
            throw new IllegalArgumentException("header, data and line limits must be at most " + ARRAY_MAX
                    + " (a Java array), got " + headerBytes + ", " + dataBytes + ", " + csvLineChars);
        }
    }

    /** The defaults of the table above, whatever the system properties say. */
    public static InputLimits defaults() {
        return new InputLimits(10_000, 2_000_000_000L, 1L << 30, SafeTensors.MAX_HEADER_BYTES, 1L << 28,
                10_000_000, 1_000_000, 50_000_000);
    }

    /** The defaults, each overridden by its system property when set. */
    public static InputLimits current() {
        InputLimits d = defaults();
        return new InputLimits(get(LAYERS, d.layers), get(PARAMETERS, d.parameters),
                get(ACTIVATION_BYTES, d.activationBytes), get(HEADER_BYTES, d.headerBytes),
                get(DATA_BYTES, d.dataBytes), get(CSV_ROWS, d.csvRows), get(CSV_LINE_CHARS, d.csvLineChars),
                get(IMAGE_PIXELS, d.imagePixels));
    }

    /**
     * The standard message of a limit hit: what was found, the limit, and how to raise it, e.g.
     * {@code the architecture has 1000000 layers, more than the limit of 10000 layers (raise it with -Disthmus.limits.layers=N)}.
     * A negative {@code found} means the count overflowed.
     */
    public static String exceeded(String what, long found, String unit, long limit, String property) {
        return String.format(Locale.ROOT, "%s %s %s, more than the limit of %d %s (raise it with -D%s=N)", what,
                found < 0 ? "more than 2^63" : Long.toString(found), unit, limit, unit, property);
    }

    private static long get(String property, long fallback) {
        String s = System.getProperty(property);
        if (s == null || s.isBlank()) {
            return fallback;
        }
        try {
            return Long.parseLong(s.strip().replace("_", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("system property " + property + " must be a whole number, got '" + s + "'");
        }
    }

    private static void positive(String property, long v) {
        if (v < 1) {
            throw new IllegalArgumentException(property + " must be >= 1, got " + v);
        }
    }
}
