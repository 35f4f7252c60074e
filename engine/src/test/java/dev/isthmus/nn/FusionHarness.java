package dev.isthmus.nn;

import dev.isthmus.loss.CrossEntropyLoss;
import dev.isthmus.kernel.Engine;
import dev.isthmus.tensor.Rng;
import dev.isthmus.tensor.Tensor;

import java.util.Arrays;
import java.util.Locale;

/**
 * Not a test: measures a training step (forward, loss, backward) and a forward pass of MLPs with the
 * Linear+ReLU fusion on and off, interleaving the two so machine noise hits both alike, and prints the
 * median time per step and the ratio. Run after {@code mvn -pl engine test-compile}:
 * {@code java --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp <test-classes>:<classes>:<deps>
 * dev.isthmus.nn.FusionHarness}.
 */
public final class FusionHarness {
    public static void main(String[] args) {
        System.out.print(Engine.get().describe());
        // the course's MNIST MLP; a wide net with a cheap first layer, where the activation sweeps weigh most
        int[][] configs = {{64, 784, 40, 40, 40, 40, 40, 10}, {1024, 16, 512, 512, 10}, {256, 784, 256, 256, 10}};
        for (int[] c : configs) {
            run(c[0], Arrays.copyOfRange(c, 1, c.length));
        }
    }

    private static Sequential mlp(int[] sizes) {
        Layer[] layers = new Layer[2 * sizes.length - 3];
        int k = 0;
        for (int i = 0; i + 1 < sizes.length; i++) {
            layers[k++] = new Linear(sizes[i], sizes[i + 1]);
            if (i + 2 < sizes.length) {
                layers[k++] = new ReLU();
            }
        }
        return new Sequential(layers);
    }

    private static void run(int batch, int[] sizes) {
        Rng rng = new Rng(1);
        float[] labels = new float[batch];
        for (int i = 0; i < batch; i++) {
            labels[i] = rng.nextInt(sizes[sizes.length - 1]);
        }
        try (Sequential fused = mlp(sizes); Sequential plain = mlp(sizes); CrossEntropyLoss ce = new CrossEntropyLoss();
             Tensor x = Tensor.randn(rng, batch, sizes[0]); Tensor y = Tensor.of(labels, batch)) {
            plain.setFusion(false);
            int reps = Integer.getInteger("reps", 41);
            long work = 0;
            for (int i = 0; i < sizes.length - 1; i++) {
                work += (long) sizes[i] * sizes[i + 1];
            }
            int steps = (int) Math.max(3, 2e7 / (6.0 * batch * work));
            double[] tf = new double[reps], tp = new double[reps], ff = new double[reps], fp = new double[reps];
            for (int r = -5; r < reps; r++) {
                // alternate which variant goes first, so drifts in machine load do not favour one
                boolean fusedFirst = (r & 1) == 0;
                double a, b, c, d;
                if (fusedFirst) {
                    a = train(fused, ce, x, y, steps);
                    b = train(plain, ce, x, y, steps);
                    c = infer(fused, x, steps);
                    d = infer(plain, x, steps);
                } else {
                    b = train(plain, ce, x, y, steps);
                    a = train(fused, ce, x, y, steps);
                    d = infer(plain, x, steps);
                    c = infer(fused, x, steps);
                }
                if (r >= 0) {
                    tf[r] = a;
                    tp[r] = b;
                    ff[r] = c;
                    fp[r] = d;
                }
            }
            // what fusion removes: one ReLU sweep (read + write) over each hidden activation, timed alone
            double[] sw = new double[reps];
            try (Tensor h = Tensor.randn(rng, batch, max(sizes)); Tensor h2 = Tensor.zeros(batch, max(sizes))) {
                for (int r = -5; r < reps; r++) {
                    long t0 = System.nanoTime();
                    for (int s = 0; s < steps; s++) {
                        for (int i = 1; i + 1 < sizes.length; i++) {
                            dev.isthmus.kernel.Activations.relu(h.segment(), h2.segment(), (long) batch * sizes[i]);
                        }
                    }
                    if (r >= 0) {
                        sw[r] = (System.nanoTime() - t0) / 1e3 / steps;
                    }
                }
            }
            System.out.printf(Locale.ROOT, "batch %4d, MLP %s: the ReLU sweeps fusion removes take %.1f us per forward%n",
                    batch, Arrays.toString(sizes), median(sw));
            System.out.printf(Locale.ROOT, "batch %4d, MLP %-32s forward: fused %8.1f us, unfused %8.1f us, unfused/fused per rep %s;"
                            + " train step: fused %8.1f us, unfused %8.1f us, unfused/fused per rep %s%n",
                    batch, Arrays.toString(sizes), median(ff), median(fp), quartiles(fp, ff), median(tf), median(tp), quartiles(tp, tf));
        }
    }

    /** Median and quartiles of a[i] / b[i]. */
    private static String quartiles(double[] a, double[] b) {
        double[] r = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = a[i] / b[i];
        }
        Arrays.sort(r);
        return String.format(Locale.ROOT, "median %.3f [q1 %.3f, q3 %.3f]", r[r.length / 2], r[r.length / 4], r[3 * r.length / 4]);
    }

    private static double train(Sequential net, CrossEntropyLoss ce, Tensor x, Tensor y, int steps) {
        long t0 = System.nanoTime();
        for (int s = 0; s < steps; s++) {
            ce.forward(net.forward(x), y);
            net.backward(ce.backward());
        }
        return (System.nanoTime() - t0) / 1e3 / steps;
    }

    private static double infer(Sequential net, Tensor x, int steps) {
        long t0 = System.nanoTime();
        for (int s = 0; s < steps; s++) {
            net.forward(x);
        }
        return (System.nanoTime() - t0) / 1e3 / steps;
    }

    private static int max(int[] v) {
        return Arrays.stream(v).max().orElseThrow();
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

}
