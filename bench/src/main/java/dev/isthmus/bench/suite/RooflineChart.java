package dev.isthmus.bench.suite;

import org.jfree.chart.JFreeChart;
import org.jfree.chart.annotations.XYTextAnnotation;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.awt.BasicStroke;
import java.awt.Font;
import java.awt.geom.Ellipse2D;
import java.io.IOException;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/**
 * The roofline chart: GFLOP/s against arithmetic intensity (FLOP/byte), both on log scales, with the
 * roof of each kernel thread count (min(measured peak, intensity x measured bandwidth)) as a line and
 * every kernel as a point, labelled with its short name.
 */
public final class RooflineChart {
    private RooflineChart() {
    }

    /** Draws the chart of {@code r}'s kernels into {@code png}; false (and no file) if the run has no kernel rows. */
    public static boolean write(SuiteResult r, Path png) throws IOException {
        List<Row> kernels = r.section("kernel").stream().filter(k -> k.roofline() != null).toList();
        if (kernels.isEmpty()) {
            return false;
        }
        TreeSet<Integer> threads = new TreeSet<>();
        kernels.forEach(k -> threads.add(k.threads()));
        double lo = Double.POSITIVE_INFINITY, hi = 0;
        for (Row k : kernels) {
            lo = Math.min(lo, k.roofline().intensity());
            hi = Math.max(hi, k.roofline().intensity());
        }
        lo = Math.pow(10, Math.floor(Math.log10(lo)));
        hi = Math.pow(10, Math.ceil(Math.log10(hi)));
        XYSeriesCollection data = new XYSeriesCollection();
        XYPlot plot = new XYPlot();
        XYLineAndShapeRenderer roofs = new XYLineAndShapeRenderer(true, false);
        XYLineAndShapeRenderer points = new XYLineAndShapeRenderer(false, true);
        XYSeriesCollection pointData = new XYSeriesCollection();
        int i = 0;
        for (int t : threads) {
            Row any = kernels.stream().filter(k -> k.threads() == t).findFirst().orElseThrow();
            double peak = any.roofline().peakGflops(), bw = any.roofline().bandwidthGBs();
            XYSeries roof = new XYSeries(String.format(Locale.ROOT, "roof, %d thread%s (%.0f GFLOP/s, %.1f GB/s)", t,
                    t == 1 ? "" : "s", peak, bw));
            for (double x = lo; x <= hi * 1.0001; x *= Math.pow(10, 0.05)) {
                roof.add(x, Math.min(peak, x * bw));
            }
            roof.add(peak / bw, peak);
            data.addSeries(roof);
            roofs.setSeriesPaint(data.getSeriesCount() - 1, ChartFiles.color(i));
            roofs.setSeriesStroke(data.getSeriesCount() - 1, new BasicStroke(2f));
            XYSeries pts = new XYSeries("kernels, " + t + " thread" + (t == 1 ? "" : "s"));
            for (Row k : kernels) {
                if (k.threads() == t) {
                    pts.add(k.roofline().intensity(), k.roofline().attainedGflops());
                    if (t == threads.last()) {
                        XYTextAnnotation label = new XYTextAnnotation(" " + shortName(k.name()), k.roofline().intensity(),
                                k.roofline().attainedGflops());
                        label.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 9));
                        label.setTextAnchor(TextAnchor.CENTER_LEFT);
                        plot.addAnnotation(label);
                    }
                }
            }
            pointData.addSeries(pts);
            points.setSeriesPaint(pointData.getSeriesCount() - 1, ChartFiles.color(i));
            points.setSeriesShape(pointData.getSeriesCount() - 1, new Ellipse2D.Double(-3.5, -3.5, 7, 7));
            i++;
        }
        LogAxis x = decades("arithmetic intensity (FLOP per byte)");
        x.setSmallestValue(lo / 10);
        LogAxis y = decades("attained GFLOP/s");
        y.setSmallestValue(1e-3);
        plot.setDomainAxis(x);
        plot.setRangeAxis(y);
        plot.setDataset(0, data);
        plot.setRenderer(0, roofs);
        plot.setDataset(1, pointData);
        plot.setRenderer(1, points);
        JFreeChart chart = new JFreeChart("Roofline: " + r.label() + " (" + r.settings().mode() + ")",
                JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        ChartFiles.style(chart, plot);
        ChartFiles.png(chart, png, 1100, 700);
        return true;
    }

    /** A log axis with a tick per decade labelled in plain numbers (JFreeChart's default reads "10^1.6"). */
    private static LogAxis decades(String label) {
        LogAxis a = new LogAxis(label);
        a.setTickUnit(new NumberTickUnit(1.0));
        a.setNumberFormatOverride(new DecimalFormat("#,##0.###", DecimalFormatSymbols.getInstance(Locale.ROOT)));
        return a;
    }

    /** {@code conv/alex_c2/backward_data} -> {@code alex_c2 bwd_data}. */
    static String shortName(String name) {
        String[] p = name.split("/");
        String s = p.length >= 3 ? p[1] + " " + p[2] : p[p.length - 1];
        return s.replace("backward_", "bwd_").replace("forward_backward", "fwd+bwd").replace("forward", "fwd");
    }
}
