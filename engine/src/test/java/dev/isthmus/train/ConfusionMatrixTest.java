package dev.isthmus.train;

import dev.isthmus.testing.Allocations;

import dev.isthmus.tensor.Tensor;
import dev.isthmus.testing.Fixtures;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfusionMatrixTest {

    /** sklearn.metrics.confusion_matrix's documented example. */
    @Test
    void countsLikeSklearnConfusionMatrix() {
        ConfusionMatrix cm = new ConfusionMatrix(3);
        cm.add(new int[]{0, 0, 2, 2, 0, 2}, new int[]{2, 0, 2, 2, 0, 1});
        assertArrayEquals(new long[][]{{2, 0, 0}, {0, 0, 1}, {1, 0, 2}}, cm.toArray());
        assertEquals(6, cm.total());
        assertEquals(2, cm.count(0, 0));
        assertEquals(1, cm.count(2, 0));
    }

    /** sklearn.metrics.classification_report's documented example, character for character. */
    @Test
    void reportMatchesSklearnClassificationReport() {
        ConfusionMatrix cm = new ConfusionMatrix(List.of("class 0", "class 1", "class 2"));
        cm.add(new int[]{0, 0, 2, 2, 1}, new int[]{0, 1, 2, 2, 2});
        String expected = """
                              precision    recall  f1-score   support

                     class 0       0.50      1.00      0.67         1
                     class 1       0.00      0.00      0.00         1
                     class 2       1.00      0.67      0.80         3

                    accuracy                           0.60         5
                   macro avg       0.50      0.56      0.49         5
                weighted avg       0.70      0.60      0.61         5
                """;
        assertEquals(expected, cm.report(2));
        assertEquals(0.6, cm.accuracy(), 1e-15);
        assertEquals(0.5, cm.precision(0), 1e-15);
        assertEquals(2.0 / 3, cm.recall(2), 1e-15);
        assertEquals(0.8, cm.f1(2), 1e-15);
        assertEquals(0.7, cm.weightedAverage().precision(), 1e-15);
    }

    /** precision_recall_fscore_support's documented cat/dog/pig example: macro (0.22, 0.33, 0.26). */
    @Test
    void macroAndWeightedAveragesWithZeroDivision() {
        ConfusionMatrix cm = new ConfusionMatrix(List.of("cat", "dog", "pig"));
        int[] truth = {0, 1, 2, 0, 1, 2};
        int[] pred = {0, 2, 1, 0, 0, 1};
        cm.add(pred, truth);
        ConfusionMatrix.Average macro = cm.macroAverage();
        assertEquals(2.0 / 9, macro.precision(), 1e-15);
        assertEquals(1.0 / 3, macro.recall(), 1e-15);
        assertEquals(0.8 / 3, macro.f1(), 1e-15);
        assertEquals(6, macro.support());
        ConfusionMatrix.Average weighted = cm.weightedAverage();
        assertEquals(2.0 / 9, weighted.precision(), 1e-15);
        assertEquals(0.8 / 3, weighted.f1(), 1e-15);
        assertEquals(0.0, cm.precision(1));
        assertEquals(0.0, cm.f1(2));
    }

    @Test
    void emptyMatrixGivesZeros() {
        ConfusionMatrix cm = new ConfusionMatrix(2);
        assertEquals(0, cm.accuracy());
        assertEquals(0, cm.macroAverage().f1());
        assertEquals(0, cm.weightedAverage().precision());
    }

    /** Random logits against numpy's arg-max and scikit-learn's formulas (gen_metrics.py), fed in uneven batches. */
    @Test
    void logitsBatchesMatchFixture() {
        Fixtures f = Fixtures.load("metrics/classification.json");
        int c = 7;
        ConfusionMatrix cm = new ConfusionMatrix(c);
        try (Tensor logits = f.tensor("logits"); Tensor targets = f.tensor("targets")) {
            int n = logits.dim(0);
            int[] cuts = {0, 1, 64, 65, 200, 450, n};
            for (int i = 0; i + 1 < cuts.length; i++) {
                cm.add(logits.slice(cuts[i], cuts[i + 1]), targets.slice(cuts[i], cuts[i + 1]));
            }
        }
        long[] flat = new long[c * c];
        long[][] m = cm.toArray();
        for (int r = 0; r < c; r++) {
            System.arraycopy(m[r], 0, flat, r * c, c);
        }
        var expected = f.node("confusion");
        for (int i = 0; i < flat.length; i++) {
            assertEquals(expected.get(i).asLong(), flat[i], "cell " + i);
        }
        assertEquals(f.scalar("accuracy"), cm.accuracy(), 1e-12);
        for (int k = 0; k < c; k++) {
            assertEquals(f.node("precision").get(k).asDouble(), cm.precision(k), 1e-12, "precision " + k);
            assertEquals(f.node("recall").get(k).asDouble(), cm.recall(k), 1e-12, "recall " + k);
            assertEquals(f.node("f1").get(k).asDouble(), cm.f1(k), 1e-12, "f1 " + k);
            assertEquals(f.node("support").get(k).asLong(), cm.support(k), "support " + k);
        }
        ConfusionMatrix.Average macro = cm.macroAverage();
        ConfusionMatrix.Average weighted = cm.weightedAverage();
        assertEquals(f.node("macro").get(0).asDouble(), macro.precision(), 1e-12);
        assertEquals(f.node("macro").get(1).asDouble(), macro.recall(), 1e-12);
        assertEquals(f.node("macro").get(2).asDouble(), macro.f1(), 1e-12);
        assertEquals(f.node("weighted").get(0).asDouble(), weighted.precision(), 1e-12);
        assertEquals(f.node("weighted").get(1).asDouble(), weighted.recall(), 1e-12);
        assertEquals(f.node("weighted").get(2).asDouble(), weighted.f1(), 1e-12);
        assertEquals(cm.accuracy(), cm.metrics("val_").get("val_acc"));
        assertEquals(macro.f1(), cm.metrics("val_").get("val_macro_f1"));
    }

    @Test
    void argmaxTakesFirstOnTiesAndAcceptsColumnTargets() {
        ConfusionMatrix cm = new ConfusionMatrix(3);
        try (Tensor logits = Tensor.of(new float[]{1, 5, 5, 2, 2, 2}, 2, 3);
             Tensor targets = Tensor.of(new float[]{1, 0}, 2, 1)) {
            cm.add(logits, targets);
        }
        assertEquals(1, cm.count(1, 1));
        assertEquals(1, cm.count(0, 0));
    }

    @Test
    void rejectsBadInputsNamingShapesAndValues() {
        ConfusionMatrix cm = new ConfusionMatrix(3);
        try (Tensor logits = Tensor.zeros(4, 3); Tensor wrongClasses = Tensor.zeros(4, 2);
             Tensor targets = Tensor.of(new float[]{0, 1, 2, 1.5f}, 4); Tensor shortTargets = Tensor.zeros(3)) {
            var e1 = assertThrows(IllegalArgumentException.class, () -> cm.add(wrongClasses, shortTargets));
            assertTrue(e1.getMessage().contains("[4, 2]"), e1.getMessage());
            var e2 = assertThrows(IllegalArgumentException.class, () -> cm.add(logits, shortTargets));
            assertTrue(e2.getMessage().contains("[3]"), e2.getMessage());
            var e3 = assertThrows(IllegalArgumentException.class, () -> cm.add(logits, targets));
            assertTrue(e3.getMessage().contains("target 3 is 1.5"), e3.getMessage());
        }
        assertEquals(0, cm.total(), "a rejected batch must not be partly counted");
        var e4 = assertThrows(IllegalArgumentException.class, () -> cm.add(new int[]{0, 3}, new int[]{0, 0}));
        assertTrue(e4.getMessage().contains("predicted class at 1 is 3"), e4.getMessage());
        assertThrows(IllegalArgumentException.class, () -> cm.add(new int[]{0}, new int[]{0, 1}));
        assertThrows(IllegalArgumentException.class, () -> new ConfusionMatrix(0));
        assertEquals(0, cm.total());
    }

    @Test
    void mergeAndReset() {
        ConfusionMatrix a = new ConfusionMatrix(2);
        ConfusionMatrix b = new ConfusionMatrix(2);
        a.add(new int[]{0, 1}, new int[]{0, 0});
        b.add(new int[]{1, 1, 0}, new int[]{1, 0, 1}, 2);
        a.merge(b);
        assertArrayEquals(new long[][]{{1, 2}, {0, 1}}, a.toArray());
        a.reset();
        assertEquals(0, a.total());
        assertThrows(IllegalArgumentException.class, () -> a.merge(new ConfusionMatrix(3)));
    }

    @Test
    void matrixStringShowsClassNames() {
        ConfusionMatrix cm = new ConfusionMatrix(List.of("cat", "dog"));
        cm.add(new int[]{0, 1, 1}, new int[]{0, 0, 1});
        String expected = """
                true \\ predicted  cat  dog
                             cat    1    1
                             dog    0    1
                """;
        assertEquals(expected, cm.matrixString());
    }

    @Test
    void accumulatingFromTensorsAllocatesNothing() {
        ConfusionMatrix cm = new ConfusionMatrix(10);
        try (Tensor logits = Tensor.zeros(32, 10); Tensor targets = Tensor.zeros(32)) {
            for (int i = 0; i < 32; i++) {
                logits.set(1f, i, (i * 7) % 10);
                targets.setFlat(i, i % 10);
            }
            for (int i = 0; i < 5_000; i++) {
                cm.add(logits, targets);
            }
            long bytes = Allocations.measure(() -> {
                for (int i = 0; i < 2_000; i++) {
                    cm.add(logits, targets);
                }
            });
            assertTrue(bytes < 1024, "2,000 batches allocated " + bytes + " bytes");
        }
    }
}
