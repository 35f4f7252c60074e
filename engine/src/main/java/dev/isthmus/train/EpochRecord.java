package dev.isthmus.train;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What one training epoch produced: its losses, named metrics, learning rate and timing. A value absent
 * for the epoch (no validation set, say) is NaN.
 *
 * @param epoch            1-based epoch number
 * @param trainLoss        mean training loss over the epoch's batches
 * @param valLoss          validation loss, NaN without validation
 * @param metrics          named metrics in insertion order (e.g. {@code val_acc}); names are column names
 *                         in {@link History}'s CSV, so they may not contain commas, quotes or line breaks
 * @param learningRate     learning rate in force during the epoch (the last one if it changed per batch)
 * @param seconds          wall-clock seconds of the epoch
 * @param samplesPerSecond training samples processed per second
 * @param dataWaitSeconds  seconds the training loop waited for the data loader
 */
public record EpochRecord(int epoch, double trainLoss, double valLoss, Map<String, Double> metrics,
                          double learningRate, double seconds, double samplesPerSecond, double dataWaitSeconds) {

    /** The fixed columns of {@link History}'s files, in order; metric names may not reuse them. */
    public static final Set<String> FIXED_COLUMNS = Collections.unmodifiableSet(new LinkedHashSet<>(
            List.of("epoch", "train_loss", "val_loss", "lr", "seconds", "samples_per_s", "data_wait_s")));

    public EpochRecord {
        if (epoch < 1) {
            throw new IllegalArgumentException("EpochRecord: epochs are numbered from 1, got " + epoch);
        }
        Map<String, Double> copy = new LinkedHashMap<>();
        for (Map.Entry<String, Double> e : metrics.entrySet()) {
            String name = e.getKey();
            checkMetricName(name);
            if (e.getValue() == null) {
                throw new IllegalArgumentException("EpochRecord: metric '" + name + "' of epoch " + epoch + " is null");
            }
            copy.put(name, e.getValue());
        }
        metrics = Collections.unmodifiableMap(copy);
    }

    static void checkMetricName(String name) {
        if (name == null || name.isEmpty() || name.strip().length() != name.length()
                || name.chars().anyMatch(ch -> ch == ',' || ch == '"' || ch == '\n' || ch == '\r')) {
            throw new IllegalArgumentException("EpochRecord: metric name '" + name
                    + "' must be non-empty, without surrounding spaces, commas, quotes or line breaks");
        }
        if (FIXED_COLUMNS.contains(name)) {
            throw new IllegalArgumentException("EpochRecord: metric name '" + name + "' is a fixed column "
                    + FIXED_COLUMNS);
        }
    }

    /** The named metric, or NaN if this epoch did not record it. */
    public double metric(String name) {
        Double v = metrics.get(name);
        return v == null ? Double.NaN : v;
    }

    /**
     * Any column by its file name: a fixed column ({@link #FIXED_COLUMNS}) or a metric; NaN if absent.
     */
    public double value(String column) {
        return switch (column) {
            case "epoch" -> epoch;
            case "train_loss" -> trainLoss;
            case "val_loss" -> valLoss;
            case "lr" -> learningRate;
            case "seconds" -> seconds;
            case "samples_per_s" -> samplesPerSecond;
            case "data_wait_s" -> dataWaitSeconds;
            default -> metric(column);
        };
    }

    /** Share of the epoch spent waiting for data, in [0, 1]; NaN if the duration is unknown or zero. */
    public double dataWaitFraction() {
        return seconds > 0 ? dataWaitSeconds / seconds : Double.NaN;
    }
}
