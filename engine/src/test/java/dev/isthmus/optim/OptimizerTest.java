package dev.isthmus.optim;

import dev.isthmus.nn.Linear;
import dev.isthmus.nn.Parameter;
import dev.isthmus.nn.Parameters;
import dev.isthmus.nn.Sequential;
import dev.isthmus.tensor.Rng;
import dev.isthmus.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class OptimizerTest {

    /** Every optimizer configuration the checks below run through. */
    private static final Map<String, Function<Parameters, Optimizer>> CONFIGS = new LinkedHashMap<>();

    static {
        CONFIGS.put("sgd", p -> new SGD(p, 0.05));
        CONFIGS.put("sgd_wd_marked", p -> SGD.builder(p, 0.05).weightDecay(0.1).decayOnlyWhereMarked(true).build());
        CONFIGS.put("sgd_momentum_dampening", p -> SGD.builder(p, 0.05).momentum(0.9).dampening(0.2).weightDecay(1e-3).build());
        CONFIGS.put("sgd_nesterov", p -> SGD.builder(p, 0.05).momentum(0.9).nesterov(true).weightDecay(1e-2).build());
        CONFIGS.put("adam", p -> Adam.builder(p).lr(1e-2).weightDecay(0.05).build());
        CONFIGS.put("adam_marked", p -> Adam.builder(p).lr(1e-2).weightDecay(0.05).decayOnlyWhereMarked(true).build());
        CONFIGS.put("adamw", p -> AdamW.builder(p).lr(1e-2).weightDecay(0.1).betas(0.8, 0.99).eps(1e-6).build());
        CONFIGS.put("adamw_marked", p -> AdamW.builder(p).lr(1e-2).decayOnlyWhereMarked(true).build());
    }

    /** A two-layer model whose parameters leave alignment gaps (15, 3, 6 and 2 floats in 16-float slots). */
    private static Sequential model() {
        Sequential net = new Sequential(new Linear(5, 3), new Linear(3, 2));
        net.reset(new Rng(21));
        return net;
    }

    /** Fills every parameter's gradient (views, so gaps are untouched) from a seeded generator. */
    private static void randomGrads(Parameters params, long seed) {
        Rng rng = new Rng(seed);
        for (Parameter p : params.list()) {
            Tensor g = p.grad();
            for (long i = 0; i < g.size(); i++) {
                g.setFlat(i, (float) rng.nextGaussian());
            }
        }
    }

    @Test
    void stateRoundTripResumesBitForBit() {
        for (Map.Entry<String, Function<Parameters, Optimizer>> c : CONFIGS.entrySet()) {
            try (Sequential a = model(); Sequential b = model()) {
                Parameters pa = a.parameters();
                Parameters pb = b.parameters();
                float[] afterFive;
                OptimizerState saved;
                float[] paramsAtThree;
                try (Optimizer opt = c.getValue().apply(pa)) {
                    for (int s = 0; s < 3; s++) {
                        randomGrads(pa, s);
                        opt.step();
                    }
                    saved = opt.state().copy();
                    paramsAtThree = pa.data().toArray();
                    for (int s = 3; s < 5; s++) {
                        randomGrads(pa, s);
                        opt.step();
                    }
                    afterFive = pa.data().toArray();
                    assertNotEquals(paramsAtThree[0], afterFive[0], c.getKey() + ": steps change the parameters");
                }
                pb.data().copyFrom(paramsAtThree);
                try (Optimizer fresh = c.getValue().apply(pb); saved) {
                    fresh.setLr(1.0); // the state's rate must win
                    fresh.loadState(saved);
                    assertEquals(3, fresh.stepCount());
                    for (int s = 3; s < 5; s++) {
                        randomGrads(pb, s);
                        fresh.step();
                    }
                    assertEquals(5, fresh.stepCount());
                    assertArrayEquals(afterFive, pb.data().toArray(), c.getKey() + ": resumed run differs");
                }
            }
        }
    }

    @Test
    void alignmentGapsStayZero() {
        for (Map.Entry<String, Function<Parameters, Optimizer>> c : CONFIGS.entrySet()) {
            try (Sequential net = model()) {
                Parameters params = net.parameters();
                try (Optimizer opt = c.getValue().apply(params)) {
                    Penalty l1 = Penalty.l1(1e-2).onAllParameters();
                    Penalty l2 = Penalty.l2(1e-2);
                    for (int s = 0; s < 4; s++) {
                        randomGrads(params, 100 + s);
                        l1.apply(params);
                        l2.apply(params);
                        GradClip.clipGradNorm(params, 0.5);
                        opt.step();
                    }
                    List<Tensor> flats = new ArrayList<>(List.of(params.data(), params.grad()));
                    flats.addAll(opt.state().buffers().values());
                    assertTrue(params.data().size() > params.count());
                    for (Tensor flat : flats) {
                        assertGapsZero(params, flat, c.getKey());
                    }
                }
            }
        }
    }

    private static void assertGapsZero(Parameters params, Tensor flat, String what) {
        boolean[] inParam = new boolean[(int) flat.size()];
        List<Parameter> list = params.list();
        for (int i = 0; i < list.size(); i++) {
            for (long k = 0; k < list.get(i).size(); k++) {
                inParam[(int) (params.offset(i) + k)] = true;
            }
        }
        int gaps = 0;
        for (int i = 0; i < inParam.length; i++) {
            if (!inParam[i]) {
                gaps++;
                if (Float.floatToRawIntBits(flat.getFlat(i)) != 0) {
                    fail(what + ": alignment gap element " + i + " is " + flat.getFlat(i));
                }
            }
        }
        assertTrue(gaps > 0);
    }

    @Test
    void stepAllocatesNothingInSteadyState() {
        // one configuration per update loop (the others differ only in loop-invariant branches)
        for (String c : List.of("sgd", "sgd_nesterov", "adam", "adamw_marked")) {
            try (Linear lin = new Linear(48, 40); Optimizer opt = CONFIGS.get(c).apply(lin.parameters())) {
                assertEquals(0, allocatedBy(lin.parameters(), opt::step, 1000, 8_000), c
                        + ": bytes allocated by 100 steps after warm-up (one block, on the calling thread)");
            }
        }
        try (Linear lin = new Linear(512, 160); Optimizer opt = CONFIGS.get("adamw").apply(lin.parameters())) {
            assertEquals(0, allocatedBy(lin.parameters(), opt::step, 300, 15_000),
                    "adamw: bytes allocated by 100 steps after warm-up (three blocks, on the engine's pool)");
        }
        // the rest of a training step: penalties, clipping, accumulation
        try (Linear lin = new Linear(48, 40); Optimizer opt = CONFIGS.get("sgd_momentum_dampening").apply(lin.parameters())) {
            Parameters p = lin.parameters();
            Penalty l1 = Penalty.l1(1e-4);
            Penalty l2 = Penalty.l2Half(1e-4).onAllParameters();
            GradientAccumulator acc = new GradientAccumulator(opt, 2).clipGradNorm(1e-3);
            Runnable batch = () -> {
                l1.apply(p, acc.scale());
                l2.value(p);
                GradClip.gradNorm(p);
                acc.afterBackward();
            };
            assertEquals(0, allocatedBy(p, batch, 1000, 8_000), "penalties, clipping and accumulation: bytes allocated by 100 batches");
        }
    }

    /**
     * Bytes the calling thread allocates in 100 runs of {@code step}, measured after {@code warmup} runs and
     * measured again (after more warm-up) while it is not 0, until {@code maxMillis}: until the JIT has
     * compiled the loops (and again after a deoptimization), Vector API values are boxed, and on a loaded
     * machine that takes a varying number of steps.
     */
    private static long allocatedBy(Parameters params, Runnable step, int warmup, long maxMillis) {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        randomGrads(params, 1);
        GradClip.scaleGrads(params, 1e-3f);
        long bytes = Long.MAX_VALUE;
        long deadline = System.nanoTime() + maxMillis * 1_000_000L;
        while (bytes > 0 && System.nanoTime() < deadline) {
            for (int i = 0; i < warmup; i++) {
                step.run();
            }
            long before = mx.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 100; i++) {
                step.run();
            }
            bytes = mx.getCurrentThreadAllocatedBytes() - before;
        }
        return bytes;
    }

    @Test
    void vectorAndScalarKernelsGiveTheSameBits() {
        int n = 16 * 9 + 7;
        long from = 3;
        long to = n - 2;
        try (Arena arena = Arena.ofShared()) { // shared, like every parameter store (a confined one would skew the JIT profile)
            Rng rng = new Rng(5);
            MemorySegment[] src = new MemorySegment[4];
            for (int k = 0; k < 4; k++) {
                src[k] = arena.allocate((long) n * Float.BYTES, 64);
                for (int i = 0; i < n; i++) {
                    float v = (float) rng.nextGaussian();
                    src[k].setAtIndex(ValueLayout.JAVA_FLOAT, i, k == 3 ? v * v : (i % 11 == 0 ? 0f : v));
                }
            }
            Linear lin = new Linear(n, 1, false);
            Parameters store = lin.parameters();
            for (int kernel = 0; kernel < 7; kernel++) {
                MemorySegment[][] copies = new MemorySegment[2][4];
                double[] sums = new double[2];
                for (int path = 0; path < 2; path++) {
                    for (int k = 0; k < 4; k++) {
                        copies[path][k] = arena.allocate((long) n * Float.BYTES, 64).copyFrom(src[k]);
                    }
                    MemorySegment[] s = copies[path];
                    boolean vec = path == 0;
                    switch (kernel) {
                        case 0 -> runRule(SGD.builder(store, 0.1).weightDecay(0.01).build(), s, from, to, vec);
                        case 1 -> runRule(SGD.builder(store, 0.1).momentum(0.9).dampening(0.2).weightDecay(0.01).build(),
                                s, from, to, vec);
                        case 2 -> runRule(Adam.builder(store).lr(0.01).weightDecay(0.01).build(), s, from, to, vec);
                        case 3 -> runRule(AdamW.builder(store).lr(0.01).weightDecay(0.1).build(), s, from, to, vec);
                        case 4 -> sums[path] = FlatKernels.l1(s[0], s[1], from, to, 0.03f, vec);
                        case 5 -> sums[path] = FlatKernels.l2(s[0], s[1], from, to, 0.03f, vec);
                        default -> FlatKernels.scale(s[1], from, to, 0.7f, vec);
                    }
                }
                for (int k = 0; k < 4; k++) {
                    for (int i = 0; i < n; i++) {
                        int va = Float.floatToRawIntBits(copies[0][k].getAtIndex(ValueLayout.JAVA_FLOAT, i));
                        int vs = Float.floatToRawIntBits(copies[1][k].getAtIndex(ValueLayout.JAVA_FLOAT, i));
                        if (va != vs) {
                            fail("kernel " + kernel + ", buffer " + k + ", element " + i + ": vector "
                                    + Float.intBitsToFloat(va) + ", scalar " + Float.intBitsToFloat(vs));
                        }
                        if ((i < from || i >= to) && va != Float.floatToRawIntBits(src[k].getAtIndex(ValueLayout.JAVA_FLOAT, i))) {
                            fail("kernel " + kernel + " wrote outside [from, to) at " + i);
                        }
                    }
                }
                assertEquals(sums[1], sums[0], 1e-5 * Math.abs(sums[1]), "kernel " + kernel + " sum");
            }
            lin.close();
        }
    }

    /**
     * One step of an optimizer's own update loop over {@code [from, to)} of buffers {@code s} (parameters,
     * gradients, then its state buffers in order), on the vector or the scalar path.
     */
    private static void runRule(Optimizer opt, MemorySegment[] s, long from, long to, boolean vec) {
        try (opt) {
            long bytes = s[0].byteSize();
            opt.data().asSlice(0, bytes).copyFrom(s[0]);
            opt.grad().asSlice(0, bytes).copyFrom(s[1]);
            List<String> names = List.copyOf(opt.state().buffers().keySet());
            for (int k = 0; k < names.size(); k++) {
                opt.buffer(names.get(k)).asSlice(0, bytes).copyFrom(s[2 + k]);
            }
            opt.prepare(2); // not the first step: momentum reads its buffer
            opt.update(from, to, true, vec);
            s[0].copyFrom(opt.data().asSlice(0, bytes));
            for (int k = 0; k < names.size(); k++) {
                s[2 + k].copyFrom(opt.buffer(names.get(k)).asSlice(0, bytes));
            }
        }
    }

    @Test
    void hyperParametersAreValidated() {
        try (Linear lin = new Linear(2, 2)) {
            Parameters p = lin.parameters();
            assertMessage("SGD: learning rate must be finite and >= 0, got -0.1", () -> new SGD(p, -0.1));
            assertMessage("SGD: learning rate must be finite and >= 0, got NaN", () -> new SGD(p, Double.NaN));
            assertMessage("SGD: momentum must be in [0, 1), got 1.0", () -> SGD.builder(p, 0.1).momentum(1).build());
            assertMessage("SGD: momentum must be in [0, 1), got -0.5", () -> SGD.builder(p, 0.1).momentum(-0.5).build());
            assertMessage("SGD: weight_decay must be finite and >= 0, got -1.0E-4", () -> SGD.builder(p, 0.1).weightDecay(-1e-4).build());
            assertMessage("SGD: Nesterov momentum requires a momentum > 0 and zero dampening, got momentum 0.0, dampening 0.0",
                    () -> SGD.builder(p, 0.1).nesterov(true).build());
            assertMessage("SGD: dampening must be in [0, 1], got 2.0", () -> SGD.builder(p, 0.1).dampening(2).build());
            assertMessage("Adam: beta1 must be in [0, 1), got 1.0", () -> Adam.builder(p).betas(1.0, 0.999).build());
            assertMessage("Adam: beta2 must be in [0, 1), got NaN", () -> Adam.builder(p).betas(0.9, Double.NaN).build());
            assertMessage("AdamW: eps must be finite and > 0, got 0.0", () -> AdamW.builder(p).eps(0).build());
            assertMessage("AdamW: weight_decay must be finite and >= 0, got -0.01", () -> AdamW.builder(p).weightDecay(-0.01).build());
            assertMessage("Adam: learning rate must be finite and >= 0, got Infinity", () -> new Adam(p, Double.POSITIVE_INFINITY));
            try (SGD sgd = new SGD(p, 0.1)) {
                assertMessage("SGD: learning rate must be finite and >= 0, got NaN", () -> sgd.setLr(Double.NaN));
                assertEquals(0.1, sgd.lr());
                sgd.setLr(0);
                assertEquals("SGD(lr=0, momentum=0, dampening=0, weight_decay=0, nesterov=0, decay_only_where_marked=0)", sgd.describe());
            }
        }
    }

    @Test
    void loadStateRejectsAMismatchedState() {
        try (Linear lin = new Linear(2, 2); Linear other = new Linear(40, 2)) {
            Parameters p = lin.parameters();
            try (Adam adam = new Adam(p, 0.01); AdamW adamw = new AdamW(p, 0.01);
                 Adam adamB = Adam.builder(p).betas(0.8, 0.999).build(); Adam big = new Adam(other.parameters())) {
                assertMessage("AdamW.loadState: the state is from Adam", () -> adamw.loadState(adam.state()));
                assertMessage("Adam.loadState: hyper-parameters differ (beta1: state 0.9, optimizer 0.8); "
                        + "build the optimizer with the checkpoint's hyper-parameters", () -> adamB.loadState(adam.state()));
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> big.loadState(adam.state()));
                assertTrue(e.getMessage().startsWith("Adam.loadState: buffer exp_avg has 32 elements, the parameter store 96"), e.getMessage());
            }
        }
    }

    @Test
    void plainSgdIsFullBatchGradientDescentOnAQuadratic() {
        // f(w) = 1/2 sum a_i (w_i - c_i)^2: gradient a_i (w_i - c_i); GD with lr converges as (1 - lr a_i)^t
        float[] a = {0.5f, 1f, 2f, 4f};
        float[] c = {1f, -2f, 0.5f, 3f};
        Parameter w = new Parameter("w", true, 4);
        try (Parameters params = Parameters.gather(Map.of("w", w)); SGD opt = new SGD(params, 0.2)) {
            for (int t = 0; t < 40; t++) {
                opt.zeroGrad();
                for (int i = 0; i < 4; i++) {
                    w.grad().setFlat(i, a[i] * (w.data().getFlat(i) - c[i]));
                }
                opt.step();
            }
            for (int i = 0; i < 4; i++) {
                double expected = c[i] * (1 - Math.pow(1 - 0.2 * a[i], 40));
                assertEquals(expected, w.data().getFlat(i), 1e-5, "w[" + i + "]");
            }
        }
    }

    static void assertMessage(String expected, org.junit.jupiter.api.function.Executable body) {
        Exception e = assertThrows(IllegalArgumentException.class, body);
        assertEquals(expected, e.getMessage());
    }
}
