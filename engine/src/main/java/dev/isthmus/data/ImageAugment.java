package dev.isthmus.data;

import dev.isthmus.kernel.Engine;
import dev.isthmus.tensor.Rng;
import dev.isthmus.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * Training-time image augmentation in AlexNet's spirit, applied in place to a batch {@code [B, C..., H, W]} on the
 * loader thread: random crop with zero padding (torchvision's {@code RandomCrop(size, padding=pad)} with the crop
 * the size of the image), random horizontal flip, and small random translation with zero fill.
 *
 * <p>Per image it draws, in this order: crop offsets uniform in {@code [-pad, pad]} (rows, then columns), translation
 * offsets uniform in {@code [-shift, shift]} (rows, then columns), then a flip with probability {@code p}. The three
 * steps happen in that order, as if composed in torchvision: the crop moves the image by its offsets with zeros
 * coming in, the translation moves the result again, and the flip mirrors it. They are fused into one pass per
 * image. All channels move together.
 *
 * <p>Cost: two bulk copies and one span copy per row, so well under a microsecond for a 28x28 image; flipped rows
 * are reversed with Vector API lane shuffles. The scratch rows are allocated on the first call for an image size
 * and reused, so the steady state allocates nothing. Not thread-safe: one instance per loader. Evaluation loaders
 * simply do not use it.
 */
public final class ImageAugment implements BatchTransform {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final VectorShuffle<Float> REVERSE = VectorShuffle.iota(S, S.length() - 1, -1, true);
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private final int pad;
    private final int shift;
    private final float flip;
    private final boolean vectors;
    private float[] in = new float[0];
    private float[] out = new float[0];

    private ImageAugment(int pad, int shift, float flip, boolean vectors) {
        this.pad = pad;
        this.shift = shift;
        this.flip = flip;
        this.vectors = vectors;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public void apply(Batch batch, Rng rng) {
        apply(batch.x(), rng);
    }

    /** Augments every image of {@code images} {@code [B, C..., H, W]} (rank >= 3) in place. */
    public void apply(Tensor images, Rng rng) {
        if (images.rank() < 3) {
            throw new IllegalArgumentException("ImageAugment needs images [B, C..., H, W], got " + images.shapeString());
        }
        int b = images.dim(0);
        int h = images.dim(-2);
        int w = images.dim(-1);
        if (b == 0) {
            return;
        }
        int n = Math.toIntExact(images.size() / b);
        int planes = n / (h * w);
        if (in.length != n) {
            in = new float[n];
            out = new float[n];
        }
        MemorySegment seg = images.segment();
        for (int i = 0; i < b; i++) {
            int cy = 0, cx = 0, ty = 0, tx = 0;
            if (pad > 0) {
                cy = rng.nextInt(2 * pad + 1) - pad;
                cx = rng.nextInt(2 * pad + 1) - pad;
            }
            if (shift > 0) {
                ty = rng.nextInt(2 * shift + 1) - shift;
                tx = rng.nextInt(2 * shift + 1) - shift;
            }
            boolean flipped = flip > 0 && rng.nextFloat() < flip;
            int dy = cy + ty, dx = cx + tx;
            if (cy == 0 && cx == 0 && ty == 0 && tx == 0 && !flipped) {
                continue;
            }
            // The crop and the translation are applied one after the other, so a pixel survives only if it lies
            // inside the image after each step: rows [y0, y1) and (before the flip) columns [x0, x1).
            int y0 = Math.max(0, Math.max(ty, dy)), y1 = Math.min(h, Math.min(h + ty, h + dy));
            int x0 = Math.max(0, Math.max(tx, dx)), x1 = Math.min(w, Math.min(w + tx, w + dx));
            long base = (long) i * n * Float.BYTES;
            MemorySegment.copy(seg, F, base, in, 0, n);
            for (int p = 0; p < planes; p++) {
                int plane = p * h * w;
                for (int y = 0; y < h; y++) {
                    int o = plane + y * w;
                    if (y < y0 || y >= y1 || x1 <= x0) {
                        Arrays.fill(out, o, o + w, 0f);
                        continue;
                    }
                    int s = plane + (y - dy) * w;
                    if (flipped) {
                        flippedRow(s, o, w, dx, w - x1, w - x0);
                    } else {
                        shiftedRow(s, o, w, dx, x0, x1);
                    }
                }
            }
            MemorySegment.copy(out, 0, seg, F, base, n);
        }
    }

    /** {@code out[o + x] = in[s + x - dx]} for x in {@code [x0, x1)}, 0 elsewhere in the row. */
    private void shiftedRow(int s, int o, int w, int dx, int x0, int x1) {
        Arrays.fill(out, o, o + x0, 0f);
        System.arraycopy(in, s + x0 - dx, out, o + x0, x1 - x0);
        Arrays.fill(out, o + x1, o + w, 0f);
    }

    /** {@code out[o + x] = in[s + (w - 1 - x) - dx]} for x in {@code [x0, x1)}, 0 elsewhere in the row. */
    private void flippedRow(int s, int o, int w, int dx, int x0, int x1) {
        Arrays.fill(out, o, o + x0, 0f);
        int x = x0;
        int top = s + w - 1 - dx; // source index of output column 0
        if (vectors) {
            int lanes = S.length();
            for (; x + lanes <= x1; x += lanes) {
                // Output columns x..x+lanes-1 read source top-x-lanes+1 .. top-x, in reverse.
                FloatVector.fromArray(S, in, top - x - lanes + 1).rearrange(REVERSE).intoArray(out, o + x);
            }
        }
        for (; x < x1; x++) {
            out[o + x] = in[top - x];
        }
        Arrays.fill(out, o + x1, o + w, 0f);
    }

    /** The same augmentation on the scalar (or vector) path; for tests comparing the two. */
    ImageAugment withVectors(boolean v) {
        return new ImageAugment(pad, shift, flip, v);
    }

    @Override
    public String toString() {
        return "ImageAugment[crop padding " + pad + ", translate " + shift + ", flip p=" + flip + "]";
    }

    /** Settings; everything is off by default. */
    public static final class Builder {
        private int pad;
        private int shift;
        private float flip;

        private Builder() {
        }

        /** Random crop of the image's own size after zero padding by {@code pad} pixels on each side. */
        public Builder randomCrop(int pad) {
            if (pad < 0) {
                throw new IllegalArgumentException("crop padding must be >= 0, got " + pad);
            }
            this.pad = pad;
            return this;
        }

        /** Horizontal flip with probability {@code p} (0.5 in the usual recipe). */
        public Builder horizontalFlip(double p) {
            if (!(p >= 0 && p <= 1)) {
                throw new IllegalArgumentException("flip probability must be in [0, 1], got " + p);
            }
            this.flip = (float) p;
            return this;
        }

        /** Random translation by up to {@code maxShift} pixels in each direction, zeros shifted in. */
        public Builder translate(int maxShift) {
            if (maxShift < 0) {
                throw new IllegalArgumentException("translation must be >= 0, got " + maxShift);
            }
            this.shift = maxShift;
            return this;
        }

        public ImageAugment build() {
            return new ImageAugment(pad, shift, flip, Engine.get().useVectors());
        }
    }
}
