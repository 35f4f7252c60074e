package dev.isthmus.bench.suite;

import dev.isthmus.bench.nn.ConvShape;
import dev.isthmus.nn.Conv2d;
import dev.isthmus.nn.Layer;
import dev.isthmus.nn.MaxPool2d;
import dev.isthmus.nn.Parameter;
import dev.isthmus.nn.Parameters;
import dev.isthmus.optim.Adam;
import dev.isthmus.kernel.Engine;
import dev.isthmus.tensor.Rng;
import dev.isthmus.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The suite's kernels, DeepBench-style: a fixed list at the shapes the course's networks use.
 * <ul>
 *   <li>GEMM, square (256, 512, 1024) and skinny: the MLP's first layer at batch 64 and AlexNet's
 *       fully connected layers at batch 16 ({@code x W^T}, as {@code Linear} computes);</li>
 *   <li>every convolution of LeNet-5 (batch 64) and AlexNet (batch 4) ({@link ConvShape}): forward, the
 *       weight-gradient pass, and the input-gradient pass (not for a network's first layer, which needs none),
 *       timed as the backward with the input gradient minus the backward without it;</li>
 *   <li>max pooling at LeNet-5's and AlexNet's pooling shapes, forward and forward + backward;</li>
 *   <li>an Adam step over AlexNet's 62 M parameters (memory-bound: 28 bytes per parameter).</li>
 * </ul>
 */
public final class KernelCatalog {
    /** AlexNet's convolutions run at batch 4: the same per-image shapes and a GEMM width of 4 x OH x OW columns. */
    public static final int ALEX_BATCH = 4;
    public static final int LENET_BATCH = 64;
    /** AlexNet's parameter count (CourseModels.alexnet(1000)), the Adam step's size. */
    public static final int ADAM_PARAMS = 62_378_344;

    private KernelCatalog() {
    }

    /** Every kernel, in report order. */
    public static List<Kernel> all() {
        List<Kernel> k = new ArrayList<>();
        for (int n : new int[]{256, 512, 1024}) {
            k.add(gemm("gemm/square_" + n, n, n, n, false));
        }
        k.add(gemm("gemm/mlp_fc1_b64", LENET_BATCH, 40, 784, true));
        k.add(gemm("gemm/alex_fc6_b16", 16, 4096, 9216, true));
        k.add(gemm("gemm/alex_fc7_b16", 16, 4096, 4096, true));
        for (ConvShape s : ConvShape.values()) {
            k.add(conv(s, Pass.FORWARD));
            k.add(conv(s, Pass.BACKWARD_WEIGHT));
            if (!s.first) {
                k.add(conv(s, Pass.BACKWARD_DATA));
            }
        }
        k.add(pool("pool/lenet_s2_max", LENET_BATCH, 6, 28, 28, 2, 2, false));
        k.add(pool("pool/lenet_s4_max", LENET_BATCH, 16, 10, 10, 2, 2, false));
        k.add(pool("pool/alex_p1_max", ALEX_BATCH, 96, 55, 55, 3, 2, false));
        k.add(pool("pool/alex_p2_max", ALEX_BATCH, 256, 27, 27, 3, 2, false));
        k.add(pool("pool/alex_p1_max", ALEX_BATCH, 96, 55, 55, 3, 2, true));
        k.add(pool("pool/lenet_s2_max", LENET_BATCH, 6, 28, 28, 2, 2, true));
        k.add(adam());
        return List.copyOf(k);
    }

    private static Kernel gemm(String name, int m, int n, int kk, boolean transB) {
        double flops = 2.0 * m * n * kk;
        double bytes = 4.0 * ((double) m * kk + (double) kk * n + (double) m * n);
        return new Kernel(name, "GFLOP/s", flops, bytes, 0, () -> {
            Tensor a = Tensor.randn(new Rng(1), m, kk);
            Tensor b = transB ? Tensor.randn(new Rng(2), n, kk) : Tensor.randn(new Rng(2), kk, n);
            Tensor c = Tensor.zeros(m, n);
            return Kernel.op(() -> Engine.get().gemm().sgemm(false, transB, m, n, kk, 1f, a.segment(), kk, b.segment(),
                    transB ? kk : n, 0f, c.segment(), n), a, b, c);
        }, String.format(Locale.ROOT, "C[%d,%d] = A[%d,%d] x B%s, 2mnk FLOP, A, B and C moved once", m, n, m, kk,
                transB ? "^T[" + n + "," + kk + "]" : "[" + kk + "," + n + "]"));
    }

    enum Pass { FORWARD, BACKWARD_WEIGHT, BACKWARD_DATA }

    private static Kernel conv(ConvShape s, Pass pass) {
        int batch = s.lenet() ? LENET_BATCH : ALEX_BATCH;
        double in = (double) batch * s.in * s.h * s.w;
        double out = (double) batch * s.out * s.p();
        double weights = (double) s.out * s.k();
        double bytes = 4 * switch (pass) {
            case FORWARD -> in + weights + out;
            case BACKWARD_WEIGHT -> in + out + weights;
            case BACKWARD_DATA -> out + weights + in;
        };
        String name = "conv/" + s.name().toLowerCase(Locale.ROOT) + "/" + pass.name().toLowerCase(Locale.ROOT);
        String note = String.format(Locale.ROOT, "%dx%dx%d -> %d ch, %dx%d kernel, stride %d, pad %d, batch %d: %s",
                s.in, s.h, s.w, s.out, s.kernel, s.kernel, s.stride, s.padding, batch, switch (pass) {
                    case FORWARD -> "Conv2d.forward (bias included)";
                    case BACKWARD_WEIGHT -> "Conv2d.backward without the input gradient (weight and bias gradients)";
                    case BACKWARD_DATA -> "backward with the input gradient minus backward without it, sample by sample";
                });
        return new Kernel(name, "GFLOP/s", s.forwardFlops(batch), bytes, batch, () -> convOp(s, batch, pass), note);
    }

    private static Kernel.Op convOp(ConvShape s, int batch, Pass pass) {
        Conv2d conv = new Conv2d(s.in, s.out, s.kernel, s.stride, s.padding);
        conv.reset(new Rng(1));
        Tensor x = Tensor.randn(new Rng(2), batch, s.in, s.h, s.w);
        Tensor dy = Tensor.randn(new Rng(3), conv.outputShape(x.shape()));
        conv.setInputGradNeeded(pass == Pass.BACKWARD_DATA);
        conv.forward(x);
        if (pass == Pass.FORWARD) {
            return Kernel.op(() -> conv.forward(x), conv, x, dy);
        }
        if (pass == Pass.BACKWARD_WEIGHT) {
            return Kernel.op(() -> conv.backward(dy), conv, x, dy);
        }
        Sampler.Probe both = Sampler.of(() -> conv.backward(dy));
        Sampler.Probe probe = reps -> {
            conv.setInputGradNeeded(false);
            double weightOnly = both.secondsPerOp(reps);
            conv.setInputGradNeeded(true);
            double full = both.secondsPerOp(reps);
            return Math.max(full - weightOnly, 1e-3 * full); // noise can make the difference vanish: floor, then flagged noisy
        };
        return Kernel.op(probe, conv, x, dy);
    }

    private static Kernel pool(String base, int n, int c, int h, int w, int k, int stride, boolean backward) {
        int oh = (h - k) / stride + 1, ow = (w - k) / stride + 1;
        double in = (double) n * c * h * w, out = (double) n * c * oh * ow;
        // forward reads x, writes y and the argmax indices; backward reads dy and the indices, writes dx
        double bytes = 4 * (in + 2 * out) + (backward ? 4 * (2 * out + in) : 0);
        double flops = out * k * k; // one comparison per tap, counted as a FLOP
        String name = base + (backward ? "/forward_backward" : "/forward");
        return new Kernel(name, "GB/s", flops, bytes, n, () -> {
            Layer pool = new MaxPool2d(k, stride);
            pool.setInputGradNeeded(backward);
            Tensor x = Tensor.randn(new Rng(1), n, c, h, w);
            Tensor dy = Tensor.randn(new Rng(2), pool.outputShape(x.shape()));
            pool.forward(x);
            Runnable body = backward ? () -> {
                pool.forward(x);
                pool.backward(dy);
            } : () -> pool.forward(x);
            return Kernel.op(body, pool, x, dy);
        }, String.format(Locale.ROOT, "MaxPool2d(%d, %d) on [%d,%d,%d,%d]: bytes = x, y and argmax%s", k, stride, n, c, h, w,
                backward ? ", then dy, argmax and dx" : ""));
    }

    private static Kernel adam() {
        double bytes = 28.0 * ADAM_PARAMS;
        return new Kernel("optim/adam_62m", "GB/s", 12.0 * ADAM_PARAMS, bytes, 0, () -> {
            Parameters params = Parameters.gather(Map.of("w", new Parameter("w", true, ADAM_PARAMS)));
            // small gradients of both signs (period 2001), so many steps keep every value finite
            MemorySegment g = params.gradSegment();
            long period = 2001, n = params.grad().size();
            for (long i = 0; i < Math.min(period, n); i++) {
                g.setAtIndex(ValueLayout.JAVA_FLOAT, i, ((i * 2654435761L) % period - 1000) * 1e-6f);
            }
            for (long done = period; done < n; done *= 2) {
                MemorySegment.copy(g, 0, g, done * 4, Math.min(done, n - done) * 4);
            }
            Adam adam = new Adam(params, 1e-3);
            return Kernel.op(adam::step, adam, params);
        }, "Adam step over AlexNet's 62.4 M parameters: reads p, g, m, v and writes p, m, v (28 bytes), ~12 FLOP per parameter");
    }
}
