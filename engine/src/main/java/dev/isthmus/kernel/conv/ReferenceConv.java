package dev.isthmus.kernel.conv;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The definition of convolution as plain loops, one thread, sums in double: the yardstick the fast paths
 * are tested against ({@code Conv2d.Algorithm.REFERENCE}), not a path to run for speed. Every pass visits
 * each (image, output channel, output pixel, tap) once; a tap outside the image reads zero padding.
 */
public final class ReferenceConv extends ConvPass {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

    public ReferenceConv(ConvGeometry g) {
        super(g);
    }

    @Override
    public void forward(MemorySegment x, MemorySegment weight, MemorySegment bias, MemorySegment y, boolean keep) {
        for (int n = 0; n < g.n; n++) {
            for (int o = 0; o < g.out; o++) {
                for (int oy = 0; oy < g.oh; oy++) {
                    for (int ox = 0; ox < g.ow; ox++) {
                        double sum = bias == null ? 0 : bias.getAtIndex(F, o);
                        for (int t = 0; t < g.k; t++) {
                            long at = pixel(n, t, oy, ox);
                            sum += at < 0 ? 0 : (double) weight.getAtIndex(F, (long) o * g.k + t) * x.getAtIndex(F, at);
                        }
                        y.setAtIndex(F, output(n, o, oy, ox), (float) sum);
                    }
                }
            }
        }
    }

    /** dW[o, t] += sum dY[o, j] x[t, j];  db[o] += sum dY[o, j];  dx[t, j] = sum_o W[o, t] dY[o, j]. */
    @Override
    public void backward(MemorySegment x, MemorySegment dy, MemorySegment weight, MemorySegment dW, MemorySegment dB,
                         MemorySegment dx) {
        double[] dw = new double[g.out * g.k], db = new double[g.out], dxs = dx == null ? null : new double[(int) (g.n * g.inImage)];
        for (int n = 0; n < g.n; n++) {
            for (int o = 0; o < g.out; o++) {
                for (int oy = 0; oy < g.oh; oy++) {
                    for (int ox = 0; ox < g.ow; ox++) {
                        float d = dy.getAtIndex(F, output(n, o, oy, ox));
                        db[o] += d;
                        for (int t = 0; t < g.k; t++) {
                            long at = pixel(n, t, oy, ox);
                            if (at >= 0) {
                                dw[o * g.k + t] += (double) d * x.getAtIndex(F, at);
                                if (dxs != null) {
                                    dxs[(int) at] += (double) d * weight.getAtIndex(F, (long) o * g.k + t);
                                }
                            }
                        }
                    }
                }
            }
        }
        for (int i = 0; i < dw.length; i++) {
            dW.setAtIndex(F, i, dW.getAtIndex(F, i) + (float) dw[i]);
        }
        for (int o = 0; dB != null && o < g.out; o++) {
            dB.setAtIndex(F, o, dB.getAtIndex(F, o) + (float) db[o]);
        }
        for (int i = 0; dxs != null && i < dxs.length; i++) {
            dx.setAtIndex(F, i, (float) dxs[i]);
        }
    }

    /** Element of {@code x} that tap {@code t = (c, i, j)} of output {@code (oy, ox)} of image {@code n} reads, or -1 in the padding. */
    private long pixel(int n, int t, int oy, int ox) {
        int kh = g.window.kh(), kw = g.window.kw();
        int c = t / (kh * kw), i = t / kw % kh, j = t % kw;
        int iy = oy * g.window.sh() - g.window.ph() + i, ix = ox * g.window.sw() - g.window.pw() + j;
        if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) {
            return -1;
        }
        return n * g.inImage + ((long) c * g.h + iy) * g.w + ix;
    }

    private long output(int n, int o, int oy, int ox) {
        return n * g.outImage + ((long) o * g.oh + oy) * g.ow + ox;
    }
}
