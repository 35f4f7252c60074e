package dev.isthmus.data;

import dev.isthmus.io.InputLimits;
import dev.isthmus.tensor.Tensor;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a numeric CSV file with a header line into a {@link TensorDataset}: the target column(s) are chosen by
 * name, the features are the other columns (or those chosen with {@link #features}).
 *
 * <pre>{@code
 * TensorDataset ds = CsvReader.of(Path.of("sums.csv")).regression("sum");      // features a, b
 * TensorDataset iris = CsvReader.of(Path.of("iris.csv")).classification("species", 3);
 * }</pre>
 *
 * Fields may be quoted ({@code "..."}, {@code ""} for a quote); blank lines are skipped; a UTF-8 byte-order mark
 * and gzip compression (detected from the first bytes) are handled. Every value must be a finite decimal number
 * (no NaN, no empty field); a non-numeric value or a row with the wrong number of fields is a
 * {@link MalformedDataException} naming the file, line and column. The file's bytes (after decompression), its
 * rows and its line length are bounded by {@link InputLimits} before they can fill the heap.
 */
public final class CsvReader {

    private final Path file;
    private char delimiter = ',';
    private String[] featureColumns;

    private CsvReader(Path file) {
        this.file = file;
    }

    public static CsvReader of(Path file) {
        return new CsvReader(file);
    }

    /** The field separator (default {@code ','}). */
    public CsvReader delimiter(char delimiter) {
        if (delimiter == '"' || delimiter == '\n' || delimiter == '\r') {
            throw new IllegalArgumentException("invalid CSV delimiter " + (int) delimiter);
        }
        this.delimiter = delimiter;
        return this;
    }

    /** Uses only these columns, in this order, as features (default: every column that is not a target). */
    public CsvReader features(String... columns) {
        this.featureColumns = columns.clone();
        return this;
    }

    /** Features {@code [N, F]} and float targets {@code [N, T]} from the named target columns. */
    public TensorDataset regression(String... targetColumns) throws IOException {
        if (targetColumns.length == 0) {
            throw new IllegalArgumentException("name at least one target column");
        }
        Table t = read(targetColumns, false, 0);
        Tensor x = Tensor.of(t.features, t.rows, t.featureCount);
        Tensor y = Tensor.of(t.targets, t.rows, targetColumns.length);
        return TensorDataset.regression(x, y);
    }

    /**
     * Features {@code [N, F]} and class indices from the named column, whose values must be integers in
     * {@code [0, numClasses)}; with {@code numClasses <= 0} the class count is the largest label + 1.
     */
    public TensorDataset classification(String labelColumn, int numClasses) throws IOException {
        Table t = read(new String[]{labelColumn}, true, numClasses);
        int[] labels = new int[t.rows];
        int max = -1;
        for (int i = 0; i < labels.length; i++) {
            labels[i] = (int) t.targets[i];
            max = Math.max(max, labels[i]);
        }
        Tensor x = Tensor.of(t.features, t.rows, t.featureCount);
        return TensorDataset.classification(x, labels, numClasses > 0 ? numClasses : Math.max(1, max + 1));
    }

    private record Table(int rows, int featureCount, float[] features, float[] targets) {
    }

    private Table read(String[] targetColumns, boolean classes, int numClasses) throws IOException {
        String name = file.toString();
        InputLimits limits = InputLimits.current();
        try (InputStream raw = Files.newInputStream(file)) {
            BufferedInputStream in = new BufferedInputStream(raw, 1 << 16);
            boolean gzip = Idx.isGzip(in);
            long size = Files.size(file);
            if (!gzip && size > limits.dataBytes()) {
                throw new MalformedDataException(name, InputLimits.exceeded("the file holds", size, "bytes", limits.dataBytes(),
                        InputLimits.DATA_BYTES));
            }
            InputStream body = gzip ? new StrictGzipInputStream(in, name, limits.dataBytes()) : in;
            LineReader reader = new LineReader(new InputStreamReader(body, StandardCharsets.UTF_8), name, limits.csvLineChars());
            String headerLine = reader.readLine();
            if (headerLine == null) {
                throw new MalformedDataException(name, "empty file: no header line");
            }
            if (!headerLine.isEmpty() && headerLine.charAt(0) == '\uFEFF') {
                headerLine = headerLine.substring(1);
            }
            List<String> header = split(headerLine, name, 1);
            Map<String, Integer> position = new HashMap<>();
            for (int c = 0; c < header.size(); c++) {
                Integer before = position.put(header.get(c), c);
                if (before != null) {
                    throw new MalformedDataException(name, 1, c + 1, "column name '" + header.get(c)
                            + "' appears twice (columns " + (before + 1) + " and " + (c + 1) + ")", null);
                }
            }
            int[] targetAt = columns(targetColumns, position, header, name, "target");
            int[] featureAt;
            if (featureColumns != null) {
                featureAt = columns(featureColumns, position, header, name, "feature");
            } else {
                boolean[] isTarget = new boolean[header.size()];
                for (int c : targetAt) {
                    isTarget[c] = true;
                }
                featureAt = new int[header.size() - targetAt.length];
                for (int c = 0, k = 0; c < header.size(); c++) {
                    if (!isTarget[c]) {
                        featureAt[k++] = c;
                    }
                }
            }
            for (int f : featureAt) {
                for (int t : targetAt) {
                    if (f == t) {
                        throw new IllegalArgumentException("column '" + header.get(f) + "' of " + name
                                + " is both a feature and a target");
                    }
                }
            }
            if (featureAt.length == 0) {
                throw new MalformedDataException(name, "no feature columns: the header " + header + " holds only targets");
            }
            FloatList features = new FloatList();
            FloatList targets = new FloatList();
            int rows = 0;
            long lineNo = 1;
            String line;
            while ((line = reader.readLine()) != null) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                if (rows == limits.csvRows()) {
                    throw new MalformedDataException(name, lineNo, -1, InputLimits.exceeded("the file has more than", rows,
                            "data rows", limits.csvRows(), InputLimits.CSV_ROWS), null);
                }
                List<String> fields = split(line, name, lineNo);
                if (fields.size() != header.size()) {
                    throw new MalformedDataException(name, lineNo, -1, fields.size() + " fields, but the header has "
                            + header.size() + " columns", null);
                }
                for (int c : featureAt) {
                    features.add(number(fields.get(c), name, lineNo, c, header.get(c)));
                }
                for (int c : targetAt) {
                    float v = number(fields.get(c), name, lineNo, c, header.get(c));
                    if (classes) {
                        checkClass(v, numClasses, name, lineNo, c, header.get(c), fields.get(c));
                    }
                    targets.add(v);
                }
                rows++;
            }
            return new Table(rows, featureAt.length, features.toArray(), targets.toArray());
        }
    }

    private static void checkClass(float v, int numClasses, String name, long line, int c, String column, String text)
            throws MalformedDataException {
        if (v < 0 || v != Math.rint(v) || v > 1 << 24) {
            throw new MalformedDataException(name, line, c + 1, "'" + text + "' in column '" + column
                    + "' is not a class index (a non-negative integer)", null);
        }
        if (numClasses > 0 && v >= numClasses) {
            throw new MalformedDataException(name, line, c + 1, "class " + (int) v + " in column '" + column
                    + "' is out of range for " + numClasses + " classes", null);
        }
    }

    private static int[] columns(String[] names, Map<String, Integer> position, List<String> header, String file,
                                 String role) {
        int[] at = new int[names.length];
        for (int i = 0; i < names.length; i++) {
            Integer p = position.get(names[i]);
            if (p == null) {
                throw new IllegalArgumentException("no " + role + " column '" + names[i] + "' in " + file
                        + "; its header is " + header);
            }
            at[i] = p;
        }
        return at;
    }

    private static float number(String text, String file, long line, int c, String column) throws MalformedDataException {
        if (text.isEmpty()) {
            throw new MalformedDataException(file, line, c + 1, "empty value in column '" + column + "'", null);
        }
        for (int i = 0; i < text.length(); i++) {
            char ch = text.charAt(i);
            if (!(ch >= '0' && ch <= '9' || ch == '.' || ch == '-' || ch == '+' || ch == 'e' || ch == 'E')) {
                throw notNumber(text, file, line, c, column, null);
            }
        }
        float v;
        try {
            v = Float.parseFloat(text);
        } catch (NumberFormatException e) {
            throw notNumber(text, file, line, c, column, e);
        }
        if (!Float.isFinite(v)) {
            throw new MalformedDataException(file, line, c + 1, "'" + text + "' in column '" + column
                    + "' is beyond the float range", null);
        }
        return v;
    }

    private static MalformedDataException notNumber(String text, String file, long line, int c, String column, Throwable cause) {
        String shown = text.length() > 40 ? text.substring(0, 40) + "..." : text;
        return new MalformedDataException(file, line, c + 1, "'" + shown + "' in column '" + column + "' is not a number", cause);
    }

    /** Splits one line into trimmed fields; double quotes protect delimiters, {@code ""} is a literal quote. */
    private List<String> split(String line, String file, long lineNo) throws MalformedDataException {
        List<String> out = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        boolean wasQuoted = false;
        for (int i = 0; i < line.length(); i++) {
            char ch = line.charAt(i);
            if (quoted) {
                if (ch == '"') {
                    if (i + 1 < line.length() && line.charAt(i + 1) == '"') {
                        field.append('"');
                        i++;
                    } else {
                        quoted = false;
                    }
                } else {
                    field.append(ch);
                }
            } else if (ch == delimiter) {
                out.add(wasQuoted ? field.toString() : field.toString().strip());
                field.setLength(0);
                wasQuoted = false;
            } else if (ch == '"' && field.toString().isBlank()) {
                quoted = true;
                wasQuoted = true;
                field.setLength(0);
            } else {
                field.append(ch);
            }
        }
        if (quoted) {
            throw new MalformedDataException(file, lineNo, out.size() + 1, "unterminated quoted field", null);
        }
        out.add(wasQuoted ? field.toString() : field.toString().strip());
        return out;
    }

    /** A growable float array. */
    private static final class FloatList {
        private float[] a = new float[1024];
        private int n;

        void add(float v) {
            if (n == a.length) {
                a = Arrays.copyOf(a, a.length * 2);
            }
            a[n++] = v;
        }

        float[] toArray() {
            return Arrays.copyOf(a, n);
        }
    }
}
