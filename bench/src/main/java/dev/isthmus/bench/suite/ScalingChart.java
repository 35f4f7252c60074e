package dev.isthmus.bench.suite;

import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.awt.BasicStroke;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Thread scaling: each model workload's throughput on t threads over its throughput on one thread, with
 * the ideal line (speedup = t), so workloads of very different speeds share one chart.
 */
public final class ScalingChart {
    private ScalingChart() {
    }

    /** Draws {@code r}'s scaling curves into {@code png}; false (and no file) if no workload ran on two thread counts. */
    public static boolean write(SuiteResult r, Path png) throws IOException {
        Map<String, XYSeries> curves = curves(r);
        if (curves.isEmpty()) {
            return false;
        }
        XYSeriesCollection data = new XYSeriesCollection();
        TreeSet<Double> threads = new TreeSet<>();
        for (XYSeries s : curves.values()) {
            data.addSeries(s);
            for (int i = 0; i < s.getItemCount(); i++) {
                threads.add(s.getX(i).doubleValue());
            }
        }
        XYSeries ideal = new XYSeries("ideal (speedup = threads)");
        ideal.add(1, 1);
        ideal.add(threads.last(), threads.last());
        data.addSeries(ideal);
        JFreeChart chart = ChartFactory.createXYLineChart("Thread scaling: " + r.label() + " (" + r.settings().mode() + ")",
                "threads", "speedup over 1 thread", data, PlotOrientation.VERTICAL, true, false, false);
        XYPlot plot = chart.getXYPlot();
        ChartFiles.style(chart, plot);
        XYLineAndShapeRenderer lines = new XYLineAndShapeRenderer(true, true);
        for (int i = 0; i < data.getSeriesCount(); i++) {
            lines.setSeriesPaint(i, ChartFiles.color(i));
            lines.setSeriesStroke(i, new BasicStroke(i == data.getSeriesCount() - 1 ? 1f : 2f, BasicStroke.CAP_ROUND,
                    BasicStroke.JOIN_ROUND, 1f, i == data.getSeriesCount() - 1 ? new float[]{4f, 4f} : null, 0f));
        }
        plot.setRenderer(lines);
        ((NumberAxis) plot.getDomainAxis()).setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        ChartFiles.png(chart, png, 900, 600);
        return true;
    }

    /** Speedup curves of the throughput rows measured on one thread and at least one more thread count. */
    static Map<String, XYSeries> curves(SuiteResult r) {
        Map<String, XYSeries> curves = new LinkedHashMap<>();
        for (Row row : r.section("model")) {
            if (row.skipped() || row.threads() != 1 || !"images/s".equals(row.unit()) || !scaling(row.name())) {
                continue;
            }
            List<Row> same = r.section("model").stream()
                    .filter(o -> o.name().equals(row.name()) && !o.skipped()).toList();
            if (same.size() < 2) {
                continue;
            }
            XYSeries s = new XYSeries(row.name() + " (1 thread: " + Format.number(row.value()) + " images/s)");
            for (Row o : same) {
                s.add(o.threads(), o.value() / row.value());
            }
            curves.put(row.name(), s);
        }
        return curves;
    }

    private static boolean scaling(String name) {
        return name.endsWith("/train") || name.endsWith("/infer");
    }
}
