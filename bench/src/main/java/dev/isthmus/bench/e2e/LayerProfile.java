package dev.isthmus.bench.e2e;

import dev.isthmus.loss.CrossEntropyLoss;
import dev.isthmus.nn.Layer;
import dev.isthmus.nn.Sequential;
import dev.isthmus.optim.Adam;
import dev.isthmus.optim.Optimizer;
import dev.isthmus.kernel.Engine;
import dev.isthmus.tensor.Rng;
import dev.isthmus.tensor.Tensor;

import java.util.List;
import java.util.Locale;

/**
 * Where a training step's time goes, layer by layer: runs the workload's model one layer at a time,
 * timing each forward and backward (and the loss and optimizer step), and prints the median of every
 * part over the timed steps. It answers "which layer should be made faster" before any tuning; the
 * end-to-end figures stay with {@link EndToEnd}.
 *
 * <pre>java ... dev.isthmus.bench.e2e.LayerProfile [lenet5|mlp|alexnet] [--threads N] [--batch B] [--steps S] [--infer]
 *     [--backend auto|openblas|vector]</pre>
 */
public final class LayerProfile {
    private LayerProfile() {
    }

    /** For a Linear layer, which GEMM runs each of its products at this batch (OpenBLAS or the skinny kernel). */
    static String gemms(Layer layer, int batch) {
        if (!(layer instanceof dev.isthmus.nn.Linear lin)) {
            return "";
        }
        Engine e = Engine.get();
        int in = lin.inFeatures(), out = lin.outFeatures();
        return "  [y: " + e.gemmFor(false, true, batch, out, in) + ", dW: " + e.gemmFor(true, false, out, in, batch)
                + ", dX: " + e.gemmFor(false, false, batch, in, out) + "]";
    }

    public static void main(String[] args) {
        Workload.Model kind = Workload.Model.LENET5;
        int threads = 1, batch = 64, steps = 400;
        boolean infer = false;
        Engine.Backend backend = Engine.Backend.AUTO;
        dev.isthmus.nn.Conv2d.Algorithm algorithm = dev.isthmus.nn.Conv2d.Algorithm.AUTO;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--batch" -> batch = Integer.parseInt(args[++i]);
                case "--steps" -> steps = Integer.parseInt(args[++i]);
                case "--infer" -> infer = true;
                case "--backend" -> backend = Engine.Backend.valueOf(args[++i].toUpperCase(Locale.ROOT));
                case "--conv" -> algorithm = dev.isthmus.nn.Conv2d.Algorithm.valueOf(args[++i].toUpperCase(Locale.ROOT));
                default -> kind = Workload.Model.valueOf(args[i].toUpperCase(Locale.ROOT));
            }
        }
        Engine.configure(threads, backend);
        Sequential model = kind.build(1);
        List<Layer> layers = model.layers();
        for (Layer m : layers) {
            if (m instanceof dev.isthmus.nn.Conv2d c) {
                c.setAlgorithm(algorithm);
            }
        }
        int[] shape = new int[kind.sampleShape.length + 1];
        shape[0] = batch;
        System.arraycopy(kind.sampleShape, 0, shape, 1, kind.sampleShape.length);
        Rng rng = new Rng(7);
        try (Tensor x = Tensor.randn(rng, shape); Tensor y = Tensor.zeros(batch);
             CrossEntropyLoss loss = new CrossEntropyLoss(); Optimizer opt = new Adam(model.parameters(), 1e-3)) {
            for (int i = 0; i < batch; i++) {
                y.setFlat(i, rng.nextInt(kind.classes));
            }
            if (infer) {
                model.eval();
            } else {
                model.train();
            }
            int parts = 2 * layers.size() + 2;
            long[][] t = new long[parts][steps];
            int warm = Math.max(50, steps / 2);
            for (int s = -warm; s < steps; s++) {
                int col = Math.max(0, s);
                Tensor a = x;
                for (int l = 0; l < layers.size(); l++) {
                    long t0 = System.nanoTime();
                    a = layers.get(l).forward(a);
                    t[l][col] = System.nanoTime() - t0;
                }
                if (infer) {
                    continue;
                }
                long t0 = System.nanoTime();
                loss.forward(a, y);
                Tensor g = loss.backward(1f);
                t[2 * layers.size()][col] = System.nanoTime() - t0;
                for (int l = layers.size() - 1; l >= 0; l--) {
                    t0 = System.nanoTime();
                    g = layers.get(l).backward(g);
                    t[layers.size() + l][col] = System.nanoTime() - t0;
                }
                t0 = System.nanoTime();
                opt.step();
                opt.zeroGrad();
                t[2 * layers.size() + 1][col] = System.nanoTime() - t0;
            }
            double total = 0;
            double[] med = new double[parts];
            for (int p = 0; p < parts; p++) {
                long[] v = t[p].clone();
                java.util.Arrays.sort(v);
                med[p] = v[v.length / 2] / 1e3;
                total += med[p];
            }
            System.out.printf(Locale.ROOT, "%s %s, batch %d, %d thread(s), backend %s: medians over %d steps (us)%n",
                    kind, infer ? "inference" : "training", batch, threads, Engine.get().gemm().name(), steps);
            System.out.printf(Locale.ROOT, "%-34s %10s %10s%n", "layer", "forward", "backward");
            for (int l = 0; l < layers.size(); l++) {
                System.out.printf(Locale.ROOT, "%-34s %10.1f %10.1f%s%n", layers.get(l).describe(), med[l], med[layers.size() + l],
                        gemms(layers.get(l), batch));
            }
            System.out.printf(Locale.ROOT, "%-34s %10.1f%n", "loss (forward + backward)", med[2 * layers.size()]);
            System.out.printf(Locale.ROOT, "%-34s %10.1f%n", "optimizer step + zero_grad", med[2 * layers.size() + 1]);
            System.out.printf(Locale.ROOT, "%-34s %10.1f  (%.0f images/s)%n", "sum of medians", total, batch / (total / 1e6));
        }
        model.close();
    }
}
