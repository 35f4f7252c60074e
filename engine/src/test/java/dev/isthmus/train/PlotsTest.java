package dev.isthmus.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PlotsTest {
    @TempDir
    Path dir;

    static History history() {
        History h = new History();
        for (int e = 1; e <= 12; e++) {
            double train = 2.0 * Math.exp(-0.4 * e);
            double val = e == 4 ? Double.NaN : train * 1.1 + 0.01 * e;
            h.add(new EpochRecord(e, train, val, Map.of("acc", 1 - train / 2.5, "val_acc", 1 - val / 2.4),
                    1e-3, 3.0, 1000, 0.1));
        }
        return h;
    }

    static BufferedImage read(Path png) throws IOException {
        assertTrue(Files.isRegularFile(png), png + " exists");
        BufferedImage img = ImageIO.read(png.toFile());
        assertTrue(img != null, png + " decodes as an image");
        return img;
    }

    /** The chart is drawn, not blank: more than a handful of distinct colours. */
    static void assertDrawn(BufferedImage img) {
        java.util.Set<Integer> colours = new java.util.HashSet<>();
        for (int y = 0; y < img.getHeight(); y += 3) {
            for (int x = 0; x < img.getWidth(); x += 3) {
                colours.add(img.getRGB(x, y));
            }
        }
        assertTrue(colours.size() > 8, "only " + colours.size() + " colours");
    }

    @Test
    void lossCurvesDefaultAndLogScale() throws IOException {
        assertTrue(Plots.available());
        Path linear = dir.resolve("loss.png");
        Plots.lossCurves(history(), linear);
        BufferedImage a = read(linear);
        assertEquals(Plots.WIDTH, a.getWidth());
        assertEquals(Plots.HEIGHT, a.getHeight());
        assertDrawn(a);

        Path log = dir.resolve("plots/loss-log.png");
        Plots.lossCurves(history(), log, true, 640, 360);
        BufferedImage b = read(log);
        assertEquals(640, b.getWidth());
        assertEquals(360, b.getHeight());
        assertDrawn(b);
        assertNotEquals(Files.size(linear), Files.size(log));
        assertEquals("true", System.getProperty("java.awt.headless"));
    }

    @Test
    void metricCurve() throws IOException {
        Path png = dir.resolve("acc.png");
        Plots.metricCurves(history(), png, 500, 300, "acc", "val_acc");
        BufferedImage img = read(png);
        assertEquals(500, img.getWidth());
        assertEquals(300, img.getHeight());
        assertDrawn(img);
        var e = assertThrows(IllegalArgumentException.class, () -> Plots.metricCurves(history(), png, "f1"));
        assertTrue(e.getMessage().contains("'f1'") && e.getMessage().contains("val_acc"), e.getMessage());
    }

    @Test
    void predictionsVsTruthScatter() throws IOException {
        int n = 500;
        float[] truth = new float[n];
        float[] pred = new float[n];
        java.util.Random r = new java.util.Random(3);
        for (int i = 0; i < n; i++) {
            truth[i] = (float) (r.nextGaussian() * 10);
            pred[i] = truth[i] + (float) r.nextGaussian();
        }
        Path png = dir.resolve("scatter.png");
        Plots.predictionsVsTruth(truth, pred, png);
        BufferedImage img = read(png);
        assertEquals(Plots.WIDTH, img.getWidth());
        assertEquals(Plots.WIDTH, img.getHeight());
        assertDrawn(img);
        // The dashed y = x line is red: look for red pixels.
        int[] pixels = img.getRGB(0, 0, img.getWidth(), img.getHeight(), null, 0, img.getWidth());
        int red = 0;
        for (int rgb : pixels) {
            if (((rgb >> 16) & 0xFF) > 180 && ((rgb >> 8) & 0xFF) < 80 && (rgb & 0xFF) < 80) {
                red++;
            }
        }
        assertTrue(red > 200, "y = x line drawn (" + red + " red pixels)");
        assertThrows(IllegalArgumentException.class, () -> Plots.predictionsVsTruth(truth, new float[3], png));
    }

    @Test
    void rejectsNothingToPlotAndBadSizes() {
        Path png = dir.resolve("x.png");
        assertThrows(IllegalArgumentException.class, () -> Plots.lossCurves(new History(), png));
        assertThrows(IllegalArgumentException.class, () -> Plots.lossCurves(history(), png, false, 0, 100));
        assertFalse(Files.exists(png));
    }

    @Test
    void withoutJFreeChartSaysWhatToAdd() throws Exception {
        try (URLClassLoader loader = WithoutOptionalLibraries.loader()) {
            Class<?> plots = Class.forName(Plots.class.getName(), true, loader);
            assertEquals(Boolean.FALSE, plots.getMethod("available").invoke(null));
            Class<?> historyClass = Class.forName(History.class.getName(), false, loader);
            var e = assertThrows(InvocationTargetException.class, () -> plots.getMethod("lossCurves", historyClass,
                    Path.class).invoke(null, null, dir.resolve("loss.png")));
            assertInstanceOf(IllegalStateException.class, e.getCause());
            assertTrue(e.getCause().getMessage().contains("org.jfree:jfreechart"), e.getCause().getMessage());
        }
    }
}
