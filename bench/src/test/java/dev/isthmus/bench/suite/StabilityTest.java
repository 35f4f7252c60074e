package dev.isthmus.bench.suite;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StabilityTest {
    private final Stability rule = new Stability(0.02, 6, 200, 0.15);

    private static double[] noisy(int n, double center, double relativeSd, long seed) {
        Random rnd = new Random(seed);
        double[] s = new double[n];
        for (int i = 0; i < n; i++) {
            s[i] = center * (1 + relativeSd * rnd.nextGaussian());
        }
        return s;
    }

    @Test
    void tooFewSamplesAreNotJudged() {
        assertEquals(Stability.State.TOO_FEW, rule.judge(new double[]{1, 1, 1, 1, 1}, 5).state());
    }

    @Test
    void steadySamplesAreStable() {
        double[] s = {10.0, 10.1, 9.9, 10.0, 10.05, 9.95};
        assertTrue(rule.judge(s, s.length).stable());
        assertFalse(rule.noisy(s));
    }

    @Test
    void aJitStillWarmingUpDrifts() {
        // each sample 3 % faster than the one before: the halves' medians differ by ~9 %
        double[] s = new double[12];
        for (int i = 0; i < s.length; i++) {
            s[i] = 10 * Math.pow(0.97, i);
        }
        Stability.Verdict v = rule.judge(s, s.length);
        assertEquals(Stability.State.DRIFTING, v.state());
        assertTrue(v.drift() > 0.15, "drift " + v.drift());
    }

    @Test
    void noiseNeedsMoreSamplesUntilTheMedianIsPrecise() {
        double[] alternating = {9, 11, 9, 11, 9, 11, 9, 11}; // no drift, but +-10 % around the median
        Stability.Verdict v = rule.judge(alternating, alternating.length);
        assertEquals(Stability.State.IMPRECISE, v.state());
        assertEquals(0.0, v.drift());
        double[] s = noisy(400, 5.0, 0.08, 42);
        assertFalse(rule.judge(s, 8).stable());
        int n = 6;
        while (n < s.length && !rule.judge(s, n).stable()) {
            n++;
        }
        assertTrue(n < s.length, "8 % noise never settled within 2 %");
        // the standard error of the median ~ 1.25 x 8 % / sqrt(n) <= 1 % needs n >= ~100
        assertTrue(n > 40, "settled after only " + n + " samples");
        assertEquals(5.0, Stability.quantile(java.util.Arrays.copyOf(s, n), 0.5), 5.0 * 0.02);
    }

    @Test
    void aWideSpreadIsFlaggedNoisyEvenWhenTheMedianIsStable() {
        double[] s = new double[200];
        for (int i = 0; i < s.length; i++) {
            s[i] = i % 5 == 0 ? 13 : 10; // every fifth sample 30 % slow: a neighbour's burst
        }
        assertTrue(rule.judge(s, s.length).stable());
        assertTrue(rule.noisy(s));
        assertEquals(0.3, Stability.spread(s), 1e-12);
    }

    @Test
    void quantilesInterpolateAsNumpyDoes() {
        double[] v = {4, 1, 3, 2};
        assertEquals(2.5, Stability.quantile(v, 0.5));
        assertEquals(1.3, Stability.quantile(v, 0.1), 1e-12);
        assertEquals(3.97, Stability.quantile(v, 0.99), 1e-12);
        assertEquals(4, Stability.quantile(v, 1));
    }

    @Test
    void theQuickRuleIsLooserButWithinTheTenPercentClaim() {
        assertTrue(Stability.quick().tolerance() > Stability.full().tolerance());
        assertTrue(Stability.quick().tolerance() + Stability.full().tolerance() < 0.10);
    }

    @Test
    void badRulesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new Stability(0, 6, 10, 0.1));
        assertThrows(IllegalArgumentException.class, () -> new Stability(0.02, 3, 10, 0.1));
        assertThrows(IllegalArgumentException.class, () -> new Stability(0.02, 6, 5, 0.1));
    }
}
