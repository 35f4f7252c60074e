package dev.isthmus.data;

import dev.isthmus.tensor.Rng;
import dev.isthmus.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ScalerTest {

    /** Features (i, 100 + 2i) for i = 0..9; the "train" split is i < 5, "test" is i >= 5. */
    private static TensorDataset data() {
        Tensor x = Tensor.zeros(10, 2);
        Tensor y = Tensor.zeros(10, 1);
        for (int i = 0; i < 10; i++) {
            x.set(i, i, 0);
            x.set(100 + 2 * i, i, 1);
            y.set(3 * i + 1, i, 0);
        }
        return TensorDataset.regression(x, y);
    }

    @Test
    void standardScalerIsFittedOnTheTrainingSplitOnly() {
        try (TensorDataset ds = data()) {
            Subset train = ds.subset(new int[]{0, 1, 2, 3, 4});
            Subset test = ds.subset(new int[]{5, 6, 7, 8, 9});
            StandardScaler s = StandardScaler.fitFeatures(train);
            // Train feature 0 is 0..4: mean 2, population std sqrt(2); feature 1 is 100..108: mean 104, std 2 sqrt(2).
            assertArrayEquals(new float[]{2, 104}, s.mean(), 1e-6f);
            assertArrayEquals(new float[]{(float) Math.sqrt(2), (float) (2 * Math.sqrt(2))}, s.std(), 1e-6f);
            // Applied to the test split with the training statistics: (5 - 2) / sqrt 2, not centred on the test data.
            try (TensorDataset t = TensorDataset.copyOf(test)) {
                s.transform(t.features());
                assertEquals(3 / Math.sqrt(2), t.features().get(0, 0), 1e-6);
                assertEquals((110 - 104) / (2 * Math.sqrt(2)), t.features().get(0, 1), 1e-6);
            }
            StandardScaler all = StandardScaler.fitFeatures(ds);
            assertEquals(4.5f, all.mean()[0], 1e-6f, "fitting on everything would have leaked the test data");
        }
    }

    @Test
    void targetScalingForRegressionAndItsInverse() {
        try (TensorDataset ds = data()) {
            Subset train = ds.subset(new int[]{0, 1, 2, 3, 4});
            StandardScaler ys = StandardScaler.fitTargets(train);
            assertArrayEquals(new float[]{7}, ys.mean(), 1e-6f);
            MinMaxScaler mm = MinMaxScaler.fitTargets(train, -1, 1);
            assertArrayEquals(new float[]{1}, mm.min());
            assertArrayEquals(new float[]{13}, mm.max());
            try (DataLoader loader = DataLoader.builder(ds).batchSize(10).transform(mm.onTargets()).build()) {
                loader.startEpoch(0);
                Batch b = loader.next();
                assertEquals(-1f, b.y().getFlat(0), 1e-6f);
                assertEquals(1f, b.y().getFlat(4), 1e-6f);
                assertEquals(3.5f, b.y().getFlat(9), 1e-6f, "(28 - 1) / 12 * 2 - 1: beyond the training range, no clipping");
                try (Tensor pred = b.y().copy()) {
                    mm.inverse(pred);
                    assertArrayEquals(ds.targets().toArray(), pred.toArray(), 1e-5f);
                }
            }
        }
    }

    @Test
    void minMaxScalerMapsTheTrainingRange() {
        try (TensorDataset ds = data()) {
            MinMaxScaler s = MinMaxScaler.fitFeatures(ds.subset(new int[]{0, 1, 2, 3, 4}), 0, 1);
            assertArrayEquals(new float[]{0, 100}, s.min());
            assertArrayEquals(new float[]{4, 108}, s.max());
            try (Tensor t = Tensor.of(new float[]{2, 104, 8, 100}, 2, 2)) {
                s.transform(t);
                assertArrayEquals(new float[]{0.5f, 0.5f, 2f, 0f}, t.toArray(), 1e-6f);
                s.inverse(t);
                assertArrayEquals(new float[]{2, 104, 8, 100}, t.toArray(), 1e-5f);
            }
        }
    }

    @Test
    void constantFeaturesAreNotDividedByZero() {
        try (Tensor x = Tensor.of(new float[]{5, 1, 5, 2, 5, 3}, 3, 2)) {
            StandardScaler s = StandardScaler.fit(x);
            assertArrayEquals(new float[]{1, (float) Math.sqrt(2.0 / 3)}, s.std(), 1e-6f);
            MinMaxScaler m = MinMaxScaler.fit(x, 0, 1);
            try (Tensor t = x.copy(); Tensor u = x.copy()) {
                s.transform(t);
                assertEquals(0f, t.getFlat(0));
                m.transform(u);
                assertEquals(0f, u.getFlat(2));
                assertEquals(1f, u.getFlat(5));
            }
        }
    }

    @Test
    void largeOffsetsKeepTheirSmallSpread() {
        // Values 1e6 + {0, 1, 2}: the naive E[x^2] - E[x]^2 in float loses the variance entirely.
        try (Tensor x = Tensor.of(new float[]{1e6f, 1e6f + 1, 1e6f + 2}, 3, 1)) {
            StandardScaler s = StandardScaler.fit(x);
            assertEquals(Math.sqrt(2.0 / 3), s.std()[0], 1e-6);
            assertEquals(1e6f + 1, s.mean()[0]);
        }
    }

    @Test
    void parametersRoundTripForCheckpoints() {
        StandardScaler s = StandardScaler.of(new float[]{1, 2, 3}, new float[]{4, 5, 6});
        assertArrayEquals(new float[]{1, 2, 3, 4, 5, 6}, s.parameters());
        StandardScaler back = StandardScaler.fromParameters(s.parameters());
        assertArrayEquals(s.mean(), back.mean());
        assertArrayEquals(s.std(), back.std());
        MinMaxScaler m = MinMaxScaler.of(new float[]{0, -1}, new float[]{2, 1}, -1, 1);
        assertArrayEquals(new float[]{0, -1, 2, 1, -1, 1}, m.parameters());
        MinMaxScaler mb = MinMaxScaler.fromParameters(m.parameters());
        assertArrayEquals(m.min(), mb.min());
        assertArrayEquals(m.max(), mb.max());
        assertEquals(-1f, mb.low());
        assertEquals(1f, mb.high());
        assertThrows(IllegalArgumentException.class, () -> StandardScaler.fromParameters(new float[]{1, 2, 3}));
        assertThrows(IllegalArgumentException.class, () -> StandardScaler.of(new float[]{0}, new float[]{0}));
        assertThrows(IllegalArgumentException.class, () -> MinMaxScaler.of(new float[]{2}, new float[]{1}, 0, 1));
    }

    @Test
    void shapesThatAreNotRowsOfTheFeatureCountAreRejected() {
        StandardScaler s = StandardScaler.of(new float[]{0, 0, 0}, new float[]{1, 1, 1});
        try (Tensor t = Tensor.zeros(2, 2)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.transform(t));
            assertTrue(e.getMessage().contains("3 features") && e.getMessage().contains("[2, 2]"), e.getMessage());
        }
    }

    @Test
    void vectorAndScalarPathsAgreeBitForBit() {
        int f = 37; // not a multiple of any vector width: exercises the tails
        Rng rng = new Rng(4);
        try (Tensor data = Tensor.randn(rng, 50, f)) {
            StandardScaler s = StandardScaler.fit(data);
            MinMaxScaler m = MinMaxScaler.fit(data, -2, 3);
            for (Scaler[] pair : new Scaler[][]{{s.withVectors(true), s.withVectors(false)}, {m.withVectors(true), m.withVectors(false)}}) {
                try (Tensor a = data.copy(); Tensor b = data.copy()) {
                    pair[0].transform(a);
                    pair[1].transform(b);
                    assertArrayEquals(b.toArray(), a.toArray());
                    pair[0].inverse(a);
                    pair[1].inverse(b);
                    assertArrayEquals(b.toArray(), a.toArray());
                    assertArrayEquals(data.toArray(), a.toArray(), 1e-4f);
                }
            }
        }
    }

    @Test
    void imagesGetOneParameterPerPixel() {
        try (TensorDataset ds = TestData.classification(4, 2, 1, 2, 2)) {
            StandardScaler s = StandardScaler.fitFeatures(ds);
            assertEquals(4, s.features());
            try (DataLoader loader = DataLoader.builder(ds).batchSize(4).transform(s.onFeatures()).build()) {
                loader.startEpoch(0);
                Batch b = loader.next();
                // Each pixel j holds i * 1000 + j: centred and scaled per pixel, every column reads the same.
                float[] x = b.x().toArray();
                for (int i = 0; i < 4; i++) {
                    for (int j = 1; j < 4; j++) {
                        assertEquals(x[i * 4], x[i * 4 + j], 1e-6f);
                    }
                }
                assertEquals(-1.3416407f, x[0], 1e-5f);
            }
        }
    }
}
