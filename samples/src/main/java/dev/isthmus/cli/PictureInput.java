package dev.isthmus.cli;

import dev.isthmus.data.MalformedDataException;
import dev.isthmus.io.InputLimits;
import dev.isthmus.tensor.Tensor;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;

/**
 * A picture given to {@code predict}, decoded only once it is known to be whole and of a bounded size: a PNG
 * must pass {@link PngCheck}; any other format Java reads (JPEG, BMP, GIF) must declare at most
 * {@link InputLimits#imagePixels()} pixels before its pixels are decoded, and must decode without error.
 */
final class PictureInput {
    private PictureInput() {
    }

    /** A picture as a [1, 1, rows, cols] tensor in [0, 1], light strokes on dark as in MNIST. */
    static Tensor read(Path p, int rows, int cols) throws IOException {
        BufferedImage src = decode(p);
        BufferedImage gray = new BufferedImage(cols, rows, BufferedImage.TYPE_BYTE_GRAY);
        Graphics2D g = gray.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(src, 0, 0, cols, rows, null);
        g.dispose();
        float[] v = new float[rows * cols];
        double mean = 0;
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                v[r * cols + c] = (gray.getRaster().getSample(c, r, 0) & 0xff) / 255f;
                mean += v[r * cols + c];
            }
        }
        if (mean / v.length > 0.5) {
            for (int i = 0; i < v.length; i++) {
                v[i] = 1 - v[i];
            }
        }
        return Tensor.of(v, 1, 1, rows, cols);
    }

    /** The decoded image; every failure is a one-line error naming the file. */
    static BufferedImage decode(Path p) throws IOException {
        InputLimits limits = InputLimits.current();
        long size = Files.size(p);
        if (size > limits.dataBytes()) {
            throw new MalformedDataException(p.toString(), InputLimits.exceeded("the picture holds", size, "bytes", limits.dataBytes(),
                    InputLimits.DATA_BYTES));
        }
        byte[] bytes = Files.readAllBytes(p);
        if (PngCheck.isPng(bytes)) {
            PngCheck.check(bytes, p.toString(), limits.imagePixels());
        }
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) {
                throw new CliException(p + " is neither an IDX file nor an image format Java can read (PNG, JPEG, BMP, GIF)");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                long pixels = (long) reader.getWidth(0) * reader.getHeight(0);
                if (pixels < 1 || pixels > limits.imagePixels()) {
                    throw new MalformedDataException(p.toString(), InputLimits.exceeded("the picture has", pixels,
                            "pixels", limits.imagePixels(), InputLimits.IMAGE_PIXELS));
                }
                return reader.read(0);
            } catch (IOException | RuntimeException e) {
                if (e instanceof MalformedDataException) {
                    throw e;
                }
                for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
                    if (c instanceof Error error) {
                        throw error; // ImageIO wraps an OutOfMemoryError in an IIOException: it is not a bad file
                    }
                }
                throw new MalformedDataException(p.toString(), "cannot decode the picture: " + e.getMessage(), e);
            } finally {
                reader.dispose();
            }
        }
    }
}
