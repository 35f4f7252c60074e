package dev.isthmus.bench.suite;

import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.data.category.DefaultCategoryDataset;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The comparison chart: one horizontal bar per compared row and result, the speed ratio to the baseline
 * (1 = as fast), for every row all results measured.
 */
public final class CompareChart {
    private CompareChart() {
    }

    /** Draws {@code c} into {@code png}; false (and no file) if no row was measured by two results. */
    public static boolean write(Comparison c, Path png) throws IOException {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        int rows = 0;
        for (Comparison.Line l : c.lines()) {
            boolean any = false;
            for (int i = 1; i < l.ratios().size(); i++) {
                Double q = l.ratios().get(i);
                if (q != null) {
                    data.addValue(q, c.names().get(i) + " / " + c.names().getFirst(), l.id());
                    any = true;
                }
            }
            rows += any ? 1 : 0;
        }
        if (rows == 0) {
            return false;
        }
        JFreeChart chart = ChartFactory.createBarChart("Speed ratio to " + c.names().getFirst(), "row",
                "speed ratio (above 1: faster)", data, PlotOrientation.HORIZONTAL, true, false, false);
        CategoryPlot plot = chart.getCategoryPlot();
        ChartFiles.style(chart, plot);
        BarRenderer bars = (BarRenderer) plot.getRenderer();
        bars.setShadowVisible(false);
        bars.setBarPainter(new org.jfree.chart.renderer.category.StandardBarPainter());
        for (int i = 0; i < data.getRowCount(); i++) {
            bars.setSeriesPaint(i, ChartFiles.color(i + 1));
        }
        plot.addRangeMarker(new org.jfree.chart.plot.ValueMarker(1.0));
        int height = Math.max(400, 120 + rows * 14 * Math.max(1, data.getRowCount()));
        ChartFiles.png(chart, png, 1000, Math.min(height, 6000));
        return true;
    }
}
