package dev.isthmus.bench.suite;

import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.Plot;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** What the suite's charts share: headless rendering, the palette, the white background and writing a PNG. */
final class ChartFiles {
    static {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    static final List<Color> PALETTE = List.of(new Color(0x1F77B4), new Color(0xFF7F0E), new Color(0x2CA02C),
            new Color(0xD62728), new Color(0x9467BD), new Color(0x8C564B), new Color(0xE377C2), new Color(0x7F7F7F));
    static final Color GRID = new Color(0xDD, 0xDD, 0xDD);

    private ChartFiles() {
    }

    static Color color(int i) {
        return PALETTE.get(i % PALETTE.size());
    }

    /** White background, light grid. */
    static void style(JFreeChart chart, Plot plot) {
        chart.setBackgroundPaint(Color.WHITE);
        plot.setBackgroundPaint(Color.WHITE);
        if (plot instanceof org.jfree.chart.plot.XYPlot xy) {
            xy.setDomainGridlinePaint(GRID);
            xy.setRangeGridlinePaint(GRID);
        } else if (plot instanceof org.jfree.chart.plot.CategoryPlot cat) {
            cat.setRangeGridlinePaint(GRID);
        }
    }

    static void png(JFreeChart chart, Path file, int width, int height) throws IOException {
        ChartUtils.saveChartAsPNG(file.toFile(), chart, width, height);
    }
}
