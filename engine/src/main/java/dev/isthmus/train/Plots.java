package dev.isthmus.train;

import java.io.IOException;
import java.nio.file.Path;

/**
 * PNG charts of a training run: loss curves, metric curves, and for regression predictions against
 * truth with the y = x line. Rendered headless ({@code java.awt.headless=true} unless the application
 * set it), written atomically.
 *
 * <p>Drawing uses JFreeChart, an <em>optional</em> dependency of the engine so that applications that
 * do not plot do not carry it. To plot, add it to your build:
 * <pre>{@code
 * <dependency>
 *   <groupId>org.jfree</groupId>
 *   <artifactId>jfreechart</artifactId>
 *   <version>1.5.5</version>
 * </dependency>}</pre>
 * Without it {@link #available()} is false and the drawing methods throw {@link IllegalStateException}
 * saying so. This class itself never refers to JFreeChart, so it loads either way.
 */
public final class Plots {
    /** Default image size in pixels. */
    public static final int WIDTH = 800;
    public static final int HEIGHT = 500;
    private static final String CHART_CLASS = "org.jfree.chart.JFreeChart";

    private Plots() {
    }

    /** Whether JFreeChart is on the class path. */
    public static boolean available() {
        try {
            Class.forName(CHART_CLASS, false, Plots.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    private static void requireAvailable(String what) {
        if (!available()) {
            throw new IllegalStateException("Plots." + what + ": plotting needs JFreeChart on the class path, which "
                    + "the engine declares optional; add the dependency org.jfree:jfreechart:1.5.5 to your build");
        }
    }

    /** Training and validation loss per epoch, linear scale, {@value #WIDTH}x{@value #HEIGHT}. */
    public static void lossCurves(History history, Path png) throws IOException {
        lossCurves(history, png, false, WIDTH, HEIGHT);
    }

    /**
     * Training and validation loss per epoch (validation only where recorded).
     *
     * @param logScale a logarithmic loss axis, to see progress once the loss is small
     */
    public static void lossCurves(History history, Path png, boolean logScale, int width, int height)
            throws IOException {
        requireAvailable("lossCurves");
        checkSize(width, height);
        JFreePlots.lossCurves(history, png, logScale, width, height);
    }

    /**
     * One curve per named column of {@code history} (e.g. {@code "acc", "val_acc"}) against the epoch,
     * {@value #WIDTH}x{@value #HEIGHT}.
     */
    public static void metricCurves(History history, Path png, String... columns) throws IOException {
        metricCurves(history, png, WIDTH, HEIGHT, columns);
    }

    /** One curve per named column of {@code history} against the epoch. */
    public static void metricCurves(History history, Path png, int width, int height, String... columns)
            throws IOException {
        requireAvailable("metricCurves");
        checkSize(width, height);
        if (columns.length == 0) {
            throw new IllegalArgumentException("Plots.metricCurves: name at least one column; recorded metrics are "
                    + history.metricNames());
        }
        for (String c : columns) {
            if (!EpochRecord.FIXED_COLUMNS.contains(c) && !history.metricNames().contains(c)) {
                throw new IllegalArgumentException("Plots.metricCurves: no column '" + c + "'; recorded metrics are "
                        + history.metricNames());
            }
        }
        JFreePlots.metricCurves(history, png, width, height, columns);
    }

    /** Predicted against true values, one point per value, with the y = x line; {@value #WIDTH}x{@value #WIDTH}. */
    public static void predictionsVsTruth(float[] truth, float[] predicted, Path png) throws IOException {
        predictionsVsTruth(truth, predicted, png, "Predictions vs truth", WIDTH, WIDTH);
    }

    /** Predicted against true values, one point per value, with the y = x line. */
    public static void predictionsVsTruth(float[] truth, float[] predicted, Path png, String title, int width,
                                          int height) throws IOException {
        requireAvailable("predictionsVsTruth");
        checkSize(width, height);
        if (truth.length != predicted.length || truth.length == 0) {
            throw new IllegalArgumentException("Plots.predictionsVsTruth: " + truth.length + " true values and "
                    + predicted.length + " predictions; they must be equal in number and non-empty");
        }
        JFreePlots.predictionsVsTruth(truth, predicted, png, title, width, height);
    }

    private static void checkSize(int width, int height) {
        if (width < 16 || height < 16 || width > 16384 || height > 16384) {
            throw new IllegalArgumentException("Plots: image size " + width + "x" + height
                    + " outside 16..16384 pixels per side");
        }
    }
}
