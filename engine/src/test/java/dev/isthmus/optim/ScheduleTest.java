package dev.isthmus.optim;

import com.fasterxml.jackson.databind.JsonNode;
import dev.isthmus.nn.Linear;
import dev.isthmus.testing.Fixtures;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static dev.isthmus.optim.OptimizerTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Learning-rate schedules against torch.optim.lr_scheduler over 30 epochs ({@code gen_optim.py}). */
class ScheduleTest {
    private static final Fixtures F = Fixtures.load("optim/schedules.json");
    private static final double BASE = F.scalar("base_lr");

    private static double[] metrics(String key) {
        JsonNode n = F.node(key);
        double[] m = new double[n.size()];
        for (int i = 0; i < m.length; i++) {
            m[i] = n.get(i).asDouble();
        }
        return m;
    }

    private static final Map<String, Function<Optimizer, LrScheduler>> SCHEDULES = Map.ofEntries(
            Map.entry("constant", ConstantSchedule::new),
            Map.entry("lambda", o -> new LambdaLR(o, e -> 1.0 / (1 + 0.1 * e))),
            Map.entry("step", o -> new StepLR(o, 7, 0.5)),
            Map.entry("multistep", o -> new MultiStepLR(o, new int[]{3, 10, 11, 25}, 0.3)),
            Map.entry("exponential", o -> new ExponentialLR(o, 0.9)),
            Map.entry("cosine", o -> new CosineAnnealingLR(o, 10, 0.001)),
            Map.entry("cosine_no_min", o -> new CosineAnnealingLR(o, 30)),
            Map.entry("warm_restarts", o -> new CosineAnnealingWarmRestarts(o, 5, 2, 0.01)),
            Map.entry("warm_restarts_mult1", o -> new CosineAnnealingWarmRestarts(o, 7, 1, 0)),
            Map.entry("plateau_min", o -> ReduceLROnPlateau.builder(o).factor(0.5).patience(2).threshold(0.01)
                    .cooldown(1).minLr(0.02).build()),
            Map.entry("plateau_max_abs", o -> ReduceLROnPlateau.builder(o).mode(ReduceLROnPlateau.Mode.MAX).factor(0.3)
                    .patience(1).threshold(0.01, ReduceLROnPlateau.ThresholdMode.ABS).cooldown(2).build()),
            Map.entry("warmup_cosine", o -> new LinearWarmup(new CosineAnnealingLR(o, 25, 0.001), 5, 0.1)),
            Map.entry("warmup_step", o -> new LinearWarmup(new StepLR(o, 5, 0.5), 4, 0.25)));

    /** Steps {@code s} over epochs {@code from..to-1}, feeding plateau schedules their metric; returns the rates. */
    private static List<Double> run(String name, LrScheduler s, Optimizer opt, int from, int to) {
        List<Double> lrs = new ArrayList<>();
        double[] m = name.startsWith("plateau_min") ? metrics("plateau_min_metrics")
                : name.startsWith("plateau_max") ? metrics("plateau_max_metrics") : null;
        for (int e = from; e < to; e++) {
            if (s.needsMetric()) {
                s.step(m[e]);
            } else {
                s.step();
            }
            assertEquals(s.lr(), opt.lr(), 0, name + ": the schedule's rate is the optimizer's");
            lrs.add(opt.lr());
        }
        return lrs;
    }

    @Test
    void ratesMatchPyTorchOver30Epochs() {
        int epochs = (int) F.scalar("epochs");
        for (Map.Entry<String, Function<Optimizer, LrScheduler>> c : SCHEDULES.entrySet()) {
            String name = c.getKey();
            double[] expected = metrics(name);
            try (Linear lin = new Linear(2, 1); SGD opt = new SGD(lin.parameters(), BASE)) {
                LrScheduler s = c.getValue().apply(opt);
                List<Double> lrs = new ArrayList<>();
                lrs.add(opt.lr());
                lrs.addAll(run(name, s, opt, 0, epochs));
                assertEquals(epochs, s.lastEpoch());
                for (int e = 0; e <= epochs; e++) {
                    if (Math.abs(lrs.get(e) - expected[e]) > 1e-9 * Math.abs(expected[e]) + 1e-15) {
                        fail(name + ": epoch " + e + " rate " + lrs.get(e) + ", PyTorch " + expected[e]);
                    }
                }
            }
        }
    }

    @Test
    void stateRoundTripResumesTheSameRates() {
        for (Map.Entry<String, Function<Optimizer, LrScheduler>> c : SCHEDULES.entrySet()) {
            String name = c.getKey();
            try (Linear lin = new Linear(2, 1); SGD a = new SGD(lin.parameters(), BASE); SGD b = new SGD(lin.parameters(), BASE)) {
                LrScheduler s = c.getValue().apply(a);
                run(name, s, a, 0, 12);
                Map<String, Double> saved = s.state();
                OptimizerState optState = a.state();
                List<Double> rest = run(name, s, a, 12, 20);
                LrScheduler fresh = c.getValue().apply(b);
                fresh.loadState(saved);
                b.loadState(optState);
                assertEquals(12, fresh.lastEpoch(), name);
                assertEquals(rest, run(name, fresh, b, 12, 20), name + ": resumed rates");
            }
        }
    }

    @Test
    void plateauFollowsItsCounters() {
        try (Linear lin = new Linear(2, 1); SGD opt = new SGD(lin.parameters(), 1.0)) {
            ReduceLROnPlateau s = ReduceLROnPlateau.builder(opt).factor(0.5).patience(1).cooldown(1).build();
            assertTrue(s.needsMetric());
            assertEquals(Double.POSITIVE_INFINITY, s.best());
            s.step(1.0);
            assertEquals(1.0, s.best());
            s.step(1.0);
            assertEquals(1, s.numBadEpochs());
            s.step(1.0); // second bad epoch > patience 1: halve, then one epoch of cooldown
            assertEquals(0.5, opt.lr());
            assertEquals(1, s.cooldownCounter());
            s.step(2.0); // in cooldown: bad epochs are not counted
            assertEquals(0, s.numBadEpochs());
            assertEquals(0.5, opt.lr());
            IllegalStateException e = assertThrows(IllegalStateException.class, s::step);
            assertEquals("ReduceLROnPlateau needs the monitored metric: call step(metric)", e.getMessage());
        }
    }

    @Test
    void intervalsAndValidation() {
        try (Linear lin = new Linear(2, 1); SGD opt = new SGD(lin.parameters(), 0.1)) {
            StepLR perEpoch = new StepLR(opt, 3, 0.1);
            assertEquals(LrScheduler.Interval.EPOCH, perEpoch.interval());
            assertFalse(perEpoch.needsMetric());
            CosineAnnealingLR perBatch = new CosineAnnealingLR(opt, 100);
            assertSame(perBatch, perBatch.everyBatch());
            assertEquals(LrScheduler.Interval.BATCH, perBatch.interval());
            assertEquals(0.05, perBatch.lrAt(50), 1e-12);
            assertMessage("StepLR: step_size must be >= 1, got 0", () -> new StepLR(opt, 0, 0.1));
            assertMessage("MultiStepLR: milestones must be increasing epochs >= 1, got [3, 3]",
                    () -> new MultiStepLR(opt, new int[]{3, 3}, 0.1));
            assertMessage("ExponentialLR: gamma must be finite and > 0, got -0.5", () -> new ExponentialLR(opt, -0.5));
            assertMessage("CosineAnnealingWarmRestarts: T_mult must be >= 1, got 0", () -> new CosineAnnealingWarmRestarts(opt, 5, 0, 0));
            assertMessage("LinearWarmup: start_factor must be in (0, 1], got 0.0", () -> new LinearWarmup(perEpoch, 3, 0));
            assertMessage("ReduceLROnPlateau: factor must be in (0, 1), got 1.0", () -> ReduceLROnPlateau.builder(opt).factor(1).build());
            assertMessage("StepLR.loadState: needs last_epoch and base_lr, got [last_epoch]",
                    () -> perEpoch.loadState(Map.of("last_epoch", 3.0)));
        }
    }

    @Test
    void warmupWrapsItsScheduleAsAFunctionOfTheEpoch() {
        try (Linear lin = new Linear(2, 1); SGD opt = new SGD(lin.parameters(), 0.2)) {
            ExponentialLR after = new ExponentialLR(opt, 0.5);
            LinearWarmup w = new LinearWarmup(after, 4, 0.5);
            double[] lrs = new double[8];
            lrs[0] = opt.lr();
            for (int e = 1; e < 8; e++) {
                w.step();
                lrs[e] = opt.lr();
            }
            assertArrayEquals(new double[]{0.1, 0.125, 0.15, 0.175, 0.2, 0.1, 0.05, 0.025}, lrs, 1e-12);
            assertEquals(0, after.lastEpoch(), "the wrapped schedule is not stepped");
        }
    }
}
