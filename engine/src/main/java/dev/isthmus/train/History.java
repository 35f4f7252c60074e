package dev.isthmus.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The per-epoch record of a training run ({@link EpochRecord}s in epoch order), saved as CSV (for
 * spreadsheets and pandas) or JSON and loaded back to resume a run or to plot it ({@link Plots}).
 *
 * <p>Files are replaced atomically (temporary file in the same directory, fsync, rename), so a run killed
 * mid-save leaves the previous version intact. CSV columns are {@link EpochRecord#FIXED_COLUMNS} followed
 * by every metric name in first-seen order; a NaN or absent value is an empty cell. In JSON it is
 * {@code null}. Numbers are written in their shortest round-tripping form, so save-then-load is exact.
 */
public final class History {
    static final String FORMAT = "isthmus-history";
    static final int VERSION = 1;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final List<EpochRecord> records = new ArrayList<>();

    /** An empty history. */
    public History() {
    }

    /** A history holding {@code records}, which must have increasing epoch numbers. */
    public History(List<EpochRecord> records) {
        for (EpochRecord r : records) {
            add(r);
        }
    }

    /** Appends an epoch; its number must be greater than the last one's. */
    public void add(EpochRecord record) {
        if (!records.isEmpty() && record.epoch() <= lastEpoch()) {
            throw new IllegalArgumentException("History.add: epoch " + record.epoch() + " after epoch " + lastEpoch()
                    + "; epochs must increase");
        }
        records.add(record);
    }

    /** The records, oldest first (unmodifiable view). */
    public List<EpochRecord> records() {
        return Collections.unmodifiableList(records);
    }

    public int size() {
        return records.size();
    }

    public boolean isEmpty() {
        return records.isEmpty();
    }

    /** The latest record; an error when empty. */
    public EpochRecord last() {
        if (records.isEmpty()) {
            throw new IllegalStateException("History.last: no epoch recorded");
        }
        return records.getLast();
    }

    /** The last recorded epoch number, 0 when empty: a resumed run continues at {@code lastEpoch() + 1}. */
    public int lastEpoch() {
        return records.isEmpty() ? 0 : records.getLast().epoch();
    }

    /** Drops the records after {@code epoch} (resuming from an older checkpoint than the last history save). */
    public void truncateAfter(int epoch) {
        records.removeIf(r -> r.epoch() > epoch);
    }

    /** Every metric name recorded, in first-seen order. */
    public Set<String> metricNames() {
        Set<String> names = new LinkedHashSet<>();
        for (EpochRecord r : records) {
            names.addAll(r.metrics().keySet());
        }
        return names;
    }

    /** One column over all epochs ({@link EpochRecord#value}), NaN where absent. */
    public double[] column(String name) {
        double[] out = new double[records.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = records.get(i).value(name);
        }
        return out;
    }

    /**
     * The epoch with the best value of {@code column}, ignoring NaN; null if no epoch has a value.
     *
     * @param higherIsBetter true for accuracy-like columns, false for losses
     */
    public EpochRecord best(String column, boolean higherIsBetter) {
        EpochRecord best = null;
        double bestValue = Double.NaN;
        for (EpochRecord r : records) {
            double v = r.value(column);
            if (Double.isNaN(v)) {
                continue;
            }
            if (best == null || (higherIsBetter ? v > bestValue : v < bestValue)) {
                best = r;
                bestValue = v;
            }
        }
        return best;
    }

    // ---------------------------------------------------------------- files

    /** Saves as CSV if {@code file} ends in {@code .csv}, as JSON if in {@code .json}. */
    public void save(Path file) throws IOException {
        switch (extension(file)) {
            case "csv" -> saveCsv(file);
            case "json" -> saveJson(file);
            default -> throw new IllegalArgumentException("History.save: " + file + " must end in .csv or .json");
        }
    }

    /** Loads a file written by {@link #save}, choosing the format by extension. */
    public static History load(Path file) throws IOException {
        return switch (extension(file)) {
            case "csv" -> loadCsv(file);
            case "json" -> loadJson(file);
            default -> throw new IllegalArgumentException("History.load: " + file + " must end in .csv or .json");
        };
    }

    private static String extension(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
    }

    /** The CSV text {@link #saveCsv} writes. */
    public String toCsv() {
        List<String> metricNames = new ArrayList<>(metricNames());
        StringBuilder sb = new StringBuilder();
        sb.append(String.join(",", EpochRecord.FIXED_COLUMNS));
        for (String m : metricNames) {
            sb.append(',').append(m);
        }
        sb.append('\n');
        for (EpochRecord r : records) {
            sb.append(r.epoch());
            for (String c : EpochRecord.FIXED_COLUMNS) {
                if (!c.equals("epoch")) {
                    sb.append(',').append(cell(r.value(c)));
                }
            }
            for (String m : metricNames) {
                sb.append(',').append(cell(r.metric(m)));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    private static String cell(double v) {
        return Double.isNaN(v) ? "" : Double.toString(v);
    }

    public void saveCsv(Path file) throws IOException {
        AtomicWrite.bytes(file, toCsv().getBytes(StandardCharsets.UTF_8));
    }

    public static History loadCsv(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        if (lines.isEmpty()) {
            throw new IOException("History.loadCsv: " + file + " is empty");
        }
        String[] header = lines.getFirst().split(",", -1);
        List<String> fixed = List.copyOf(EpochRecord.FIXED_COLUMNS);
        if (header.length < fixed.size() || !List.of(header).subList(0, fixed.size()).equals(fixed)) {
            throw new IOException("History.loadCsv: " + file + " header must start with " + String.join(",", fixed)
                    + ", got " + lines.getFirst());
        }
        History h = new History();
        for (int li = 1; li < lines.size(); li++) {
            String line = lines.get(li);
            if (line.isBlank()) {
                continue;
            }
            String[] cells = line.split(",", -1);
            if (cells.length != header.length) {
                throw new IOException("History.loadCsv: " + file + " line " + (li + 1) + " has " + cells.length
                        + " cells, the header " + header.length);
            }
            try {
                double[] v = new double[fixed.size()];
                for (int c = 1; c < fixed.size(); c++) {
                    v[c] = parseCell(cells[c]);
                }
                Map<String, Double> metrics = new LinkedHashMap<>();
                for (int c = fixed.size(); c < header.length; c++) {
                    if (!cells[c].isEmpty()) {
                        metrics.put(header[c], parseCell(cells[c]));
                    }
                }
                h.add(new EpochRecord(Integer.parseInt(cells[0].strip()), v[1], v[2], metrics, v[3], v[4], v[5], v[6]));
            } catch (IllegalArgumentException e) {
                throw new IOException("History.loadCsv: " + file + " line " + (li + 1) + ": " + e.getMessage(), e);
            }
        }
        return h;
    }

    private static double parseCell(String s) {
        String t = s.strip();
        return t.isEmpty() ? Double.NaN : Double.parseDouble(t);
    }

    /** The JSON text {@link #saveJson} writes. */
    public String toJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        root.put("version", VERSION);
        ArrayNode epochs = root.putArray("epochs");
        for (EpochRecord r : records) {
            ObjectNode e = epochs.addObject();
            e.put("epoch", r.epoch());
            for (String c : EpochRecord.FIXED_COLUMNS) {
                if (!c.equals("epoch")) {
                    putNumber(e, c, r.value(c));
                }
            }
            ObjectNode m = e.putObject("metrics");
            for (Map.Entry<String, Double> me : r.metrics().entrySet()) {
                putNumber(m, me.getKey(), me.getValue());
            }
        }
        try {
            return JSON.writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("History.toJson: " + e.getMessage(), e);
        }
    }

    /** NaN becomes null; infinities become the strings Double.parseDouble reads back. */
    private static void putNumber(ObjectNode node, String key, double v) {
        if (Double.isNaN(v)) {
            node.putNull(key);
        } else if (Double.isInfinite(v)) {
            node.put(key, Double.toString(v));
        } else {
            node.put(key, v);
        }
    }

    public void saveJson(Path file) throws IOException {
        AtomicWrite.bytes(file, toJson().getBytes(StandardCharsets.UTF_8));
    }

    public static History loadJson(Path file) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (JsonProcessingException e) {
            throw new IOException("History.loadJson: " + file + " is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !FORMAT.equals(root.path("format").asText()) || !root.path("epochs").isArray()) {
            throw new IOException("History.loadJson: " + file + " is not an " + FORMAT + " file (needs \"format\": \""
                    + FORMAT + "\" and an \"epochs\" array)");
        }
        int version = root.path("version").asInt(-1);
        if (version != VERSION) {
            throw new IOException("History.loadJson: " + file + " has version " + version + ", this reader knows "
                    + VERSION);
        }
        History h = new History();
        int i = 0;
        for (JsonNode e : root.get("epochs")) {
            try {
                if (!e.path("epoch").canConvertToInt()) {
                    throw new IllegalArgumentException("missing or non-integer \"epoch\"");
                }
                Map<String, Double> metrics = new LinkedHashMap<>();
                JsonNode m = e.path("metrics");
                for (Map.Entry<String, JsonNode> f : m.properties()) {
                    metrics.put(f.getKey(), number(f.getValue(), f.getKey()));
                }
                h.add(new EpochRecord(e.get("epoch").asInt(), number(e.path("train_loss"), "train_loss"),
                        number(e.path("val_loss"), "val_loss"), metrics, number(e.path("lr"), "lr"),
                        number(e.path("seconds"), "seconds"), number(e.path("samples_per_s"), "samples_per_s"),
                        number(e.path("data_wait_s"), "data_wait_s")));
            } catch (IllegalArgumentException ex) {
                throw new IOException("History.loadJson: " + file + " epochs[" + i + "]: " + ex.getMessage(), ex);
            }
            i++;
        }
        return h;
    }

    private static double number(JsonNode n, String key) {
        if (n.isMissingNode() || n.isNull()) {
            return Double.NaN;
        }
        if (n.isNumber()) {
            return n.doubleValue();
        }
        if (n.isTextual()) {
            return Double.parseDouble(n.textValue());
        }
        throw new IllegalArgumentException("\"" + key + "\" is " + n.getNodeType() + ", not a number");
    }

    @Override
    public String toString() {
        return "History(" + records.size() + " epochs, metrics " + metricNames() + ")";
    }
}
