package dev.isthmus.train;

import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.annotations.XYLineAnnotation;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.geom.Ellipse2D;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.file.Path;
import java.text.FieldPosition;
import java.text.NumberFormat;
import java.text.ParsePosition;
import java.util.List;
import java.util.Locale;

/** The JFreeChart side of {@link Plots}; loaded only once JFreeChart is known to be present. */
final class JFreePlots {
    static {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    private static final Color GRID = new Color(0xDD, 0xDD, 0xDD);
    private static final List<Color> PALETTE = List.of(new Color(0x1F77B4), new Color(0xFF7F0E),
            new Color(0x2CA02C), new Color(0xD62728), new Color(0x9467BD), new Color(0x8C564B));

    private JFreePlots() {
    }

    static void lossCurves(History history, Path png, boolean logScale, int width, int height) throws IOException {
        XYSeriesCollection data = new XYSeriesCollection();
        XYSeries train = series(history, "train_loss", "training", logScale);
        XYSeries val = series(history, "val_loss", "validation", logScale);
        if (train.getItemCount() == 0 && val.getItemCount() == 0) {
            throw new IllegalArgumentException("Plots.lossCurves: " + history + " has no loss to plot"
                    + (logScale ? " (a log scale drops losses <= 0)" : ""));
        }
        if (train.getItemCount() > 0) {
            data.addSeries(train);
        }
        if (val.getItemCount() > 0) {
            data.addSeries(val);
        }
        JFreeChart chart = ChartFactory.createXYLineChart("Loss", "epoch", "loss", data,
                PlotOrientation.VERTICAL, true, false, false);
        XYPlot plot = style(chart);
        if (logScale) {
            LogAxis axis = new LogAxis("loss (log scale)");
            axis.setAutoRange(true);
            axis.setNumberFormatOverride(new PlainNumbers()); // the default labels read "10^-0.4"

            plot.setRangeAxis(axis);
        }
        epochAxis(plot);
        lines(plot, data.getSeriesCount());
        write(chart, png, width, height);
    }

    static void metricCurves(History history, Path png, int width, int height, String... columns) throws IOException {
        XYSeriesCollection data = new XYSeriesCollection();
        for (String c : columns) {
            data.addSeries(series(history, c, c, false));
        }
        JFreeChart chart = ChartFactory.createXYLineChart(String.join(", ", columns), "epoch",
                columns.length == 1 ? columns[0] : "value", data, PlotOrientation.VERTICAL, true, false, false);
        XYPlot plot = style(chart);
        ((NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(false);
        epochAxis(plot);
        lines(plot, data.getSeriesCount());
        write(chart, png, width, height);
    }

    static void predictionsVsTruth(float[] truth, float[] predicted, Path png, String title, int width, int height)
            throws IOException {
        XYSeries points = new XYSeries("samples", false, true);
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < truth.length; i++) {
            if (Float.isFinite(truth[i]) && Float.isFinite(predicted[i])) {
                points.add(truth[i], predicted[i], false);
                lo = Math.min(lo, Math.min(truth[i], predicted[i]));
                hi = Math.max(hi, Math.max(truth[i], predicted[i]));
            }
        }
        if (points.getItemCount() == 0) {
            throw new IllegalArgumentException("Plots.predictionsVsTruth: no finite (truth, prediction) pair among "
                    + truth.length);
        }
        if (lo == hi) {
            lo -= 0.5;
            hi += 0.5;
        }
        XYSeriesCollection data = new XYSeriesCollection(points);
        JFreeChart chart = ChartFactory.createScatterPlot(title, "truth", "prediction", data,
                PlotOrientation.VERTICAL, false, false, false);
        XYPlot plot = style(chart);
        double pad = (hi - lo) * 0.03;
        for (NumberAxis axis : new NumberAxis[]{(NumberAxis) plot.getDomainAxis(), (NumberAxis) plot.getRangeAxis()}) {
            axis.setRange(lo - pad, hi + pad);
        }
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(false, true);
        r.setSeriesShape(0, new Ellipse2D.Double(-2, -2, 4, 4));
        r.setSeriesPaint(0, new Color(0x1F, 0x77, 0xB4, 0x99));
        plot.setRenderer(r);
        plot.addAnnotation(new XYLineAnnotation(lo - pad, lo - pad, hi + pad, hi + pad,
                new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[]{6f, 4f}, 0f),
                new Color(0xD62728)));
        write(chart, png, width, height);
    }

    private static XYSeries series(History history, String column, String label, boolean positiveOnly) {
        XYSeries s = new XYSeries(label, true, false);
        for (EpochRecord r : history.records()) {
            double v = r.value(column);
            if (Double.isFinite(v) && (!positiveOnly || v > 0)) {
                s.add(r.epoch(), v);
            }
        }
        return s;
    }

    private static XYPlot style(JFreeChart chart) {
        chart.setBackgroundPaint(Color.WHITE);
        XYPlot plot = chart.getXYPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(GRID);
        plot.setRangeGridlinePaint(GRID);
        plot.setOutlinePaint(Color.GRAY);
        return plot;
    }

    private static void epochAxis(XYPlot plot) {
        NumberAxis x = (NumberAxis) plot.getDomainAxis();
        x.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
    }

    private static void lines(XYPlot plot, int seriesCount) {
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, true);
        for (int i = 0; i < seriesCount; i++) {
            r.setSeriesPaint(i, PALETTE.get(i % PALETTE.size()));
            r.setSeriesStroke(i, new BasicStroke(2f));
            r.setSeriesShape(i, new Ellipse2D.Double(-3, -3, 6, 6));
        }
        plot.setRenderer(r);
    }

    /** Tick labels as plain numbers with 3 significant digits, in scientific notation when very small or large. */
    private static final class PlainNumbers extends NumberFormat {
        @Override
        public StringBuffer format(double v, StringBuffer to, FieldPosition pos) {
            double a = Math.abs(v);
            String s = a != 0 && (a < 1e-3 || a >= 1e5) ? String.format(Locale.ROOT, "%.2e", v)
                    : new BigDecimal(v).round(new MathContext(3)).stripTrailingZeros().toPlainString();
            return to.append(s);
        }

        @Override
        public StringBuffer format(long v, StringBuffer to, FieldPosition pos) {
            return format((double) v, to, pos);
        }

        @Override
        public Number parse(String source, ParsePosition pos) {
            throw new UnsupportedOperationException("tick labels are only formatted");
        }
    }

    private static void write(JFreeChart chart, Path png, int width, int height) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ChartUtils.writeChartAsPNG(bytes, chart, width, height);
        AtomicWrite.bytes(png, bytes.toByteArray());
    }
}
