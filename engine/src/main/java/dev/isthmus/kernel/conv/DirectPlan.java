package dev.isthmus.kernel.conv;

/**
 * The layout of one stride-1 convolution of a {@code [c, h, w]} image padded by {@code (ph, pw)} with a
 * {@code kh x kw} kernel: the padded image, the wide output grid and the tap offsets into the padded image.
 */
public final class DirectPlan {
    public final int c, h, w, kh, kw, ph, pw;
    /** Padded height and width. */
    public final int hp, wp;
    /** Output height and width. */
    public final int oh, ow;
    /** Taps per output: {@code c kh kw}. */
    public final int k;
    /** Wide-grid columns holding outputs, and that count rounded up to whole tiles. */
    public final int cols, colsPad;
    /** Floats of a padded-image buffer: the image plus room for the last tile's overrun. */
    public final long paddedSize;
    /** Offset of tap {@code t} in the padded image; padded with zeros to a multiple of {@link DirectConv#GT}. */
    final int[] offsets;
    /** Offset {@code oy Wp + ox} of each output pixel on the wide grid, in row-major output order. */
    final int[] pixels;

    public DirectPlan(int c, int h, int w, int kh, int kw, int ph, int pw) {
        this.c = c;
        this.h = h;
        this.w = w;
        this.kh = kh;
        this.kw = kw;
        this.ph = ph;
        this.pw = pw;
        this.hp = h + 2 * ph;
        this.wp = w + 2 * pw;
        this.oh = hp - kh + 1;
        this.ow = wp - kw + 1;
        if (oh < 1 || ow < 1) {
            throw new IllegalArgumentException("DirectConv: a " + kh + "x" + kw + " kernel does not fit a " + h + "x" + w
                    + " image padded by " + ph + "x" + pw);
        }
        this.k = Math.multiplyExact(Math.multiplyExact(c, kh), kw);
        this.cols = (oh - 1) * wp + ow;
        this.colsPad = Math.ceilDiv(cols, DirectConv.NR) * DirectConv.NR;
        this.offsets = new int[Math.ceilDiv(k, DirectConv.GT) * DirectConv.GT];
        int t = 0;
        for (int ci = 0; ci < c; ci++) {
            for (int ky = 0; ky < kh; ky++) {
                for (int kx = 0; kx < kw; kx++) {
                    offsets[t++] = (ci * hp + ky) * wp + kx;
                }
            }
        }
        long lastRead = (long) offsets[k - 1] + colsPad;
        this.paddedSize = Math.max((long) c * hp * wp, lastRead);
        this.pixels = new int[oh * ow];
        for (int y = 0, i = 0; y < oh; y++) {
            for (int x = 0; x < ow; x++) {
                pixels[i++] = y * wp + x;
            }
        }
    }

    /** Offset of the first image pixel in the padded buffer. */
    public long origin() {
        return (long) ph * wp + pw;
    }

    /** Floats of a packed weight matrix for {@code m} output channels: whole blocks of {@link DirectConv#MR}. */
    public long packedSize(int m) {
        return (long) Math.ceilDiv(m, DirectConv.MR) * DirectConv.MR * k;
    }
}
