package dev.isthmus.data;

import dev.isthmus.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TensorDatasetTest {

    @Test
    void classificationDatasetReadsFeaturesAndLabels() {
        try (TensorDataset ds = TestData.classification(5, 3, 1, 2, 2); Arena arena = Arena.ofConfined()) {
            assertEquals(5, ds.size());
            assertArrayEquals(new int[]{1, 2, 2}, ds.featureShape());
            assertEquals(4, ds.featureSize());
            assertEquals(Dataset.TargetKind.CLASS_INDEX, ds.targetKind());
            assertEquals(3, ds.numClasses());
            assertEquals(0, ds.targetSize());
            MemorySegment buf = arena.allocate(8 * Float.BYTES);
            ds.copyFeatures(3, buf, 4 * Float.BYTES);
            for (int j = 0; j < 4; j++) {
                assertEquals(3000f + j, buf.getAtIndex(ValueLayout.JAVA_FLOAT, 4 + j));
            }
            assertEquals(2, ds.label(2));
            assertArrayEquals(new int[]{0, 1, 2, 0, 1}, ds.labels());
            assertArrayEquals(new int[]{2, 2, 1}, ds.classCounts());
            assertThrows(IndexOutOfBoundsException.class, () -> ds.label(5));
            assertThrows(IllegalStateException.class, () -> ds.copyTarget(0, buf, 0));
        }
    }

    @Test
    void regressionDatasetReadsTargets() {
        try (TensorDataset ds = TestData.regression(4); Arena arena = Arena.ofConfined()) {
            assertEquals(Dataset.TargetKind.VECTOR, ds.targetKind());
            assertArrayEquals(new int[]{2}, ds.targetShape());
            assertEquals(2, ds.targetSize());
            assertEquals(0, ds.numClasses());
            MemorySegment buf = arena.allocate(2 * Float.BYTES);
            ds.copyTarget(3, buf, 0);
            assertEquals(6f, buf.getAtIndex(ValueLayout.JAVA_FLOAT, 0));
            assertEquals(9f, buf.getAtIndex(ValueLayout.JAVA_FLOAT, 1));
            assertThrows(IllegalStateException.class, () -> ds.label(0));
            assertThrows(IllegalArgumentException.class, ds::classCounts);
        }
    }

    @Test
    void labelsMayComeAsAFloatTensor() {
        try (Tensor y = Tensor.of(new float[]{2, 0, 1}, 3);
             TensorDataset ds = TensorDataset.classification(Tensor.zeros(3, 4), y, 3)) {
            assertArrayEquals(new int[]{2, 0, 1}, ds.labels());
        }
    }

    @Test
    void scalarRegressionTargetsHaveAnEmptyShape() {
        try (TensorDataset ds = TensorDataset.regression(Tensor.zeros(3, 2), Tensor.of(new float[]{1, 2, 3}, 3))) {
            assertArrayEquals(new int[0], ds.targetShape());
            assertEquals(1, ds.targetSize());
        }
    }

    @Test
    void invalidInputsAreRejectedWithTheValues() {
        Tensor x = Tensor.zeros(3, 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TensorDataset.classification(x, new int[]{0, 1, 5}, 3));
        assertTrue(e.getMessage().contains("label 5 of sample 2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TensorDataset.classification(x, new int[]{0, 1}, 3));
        assertTrue(e.getMessage().contains("[3, 2]") && e.getMessage().contains("2 labels"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TensorDataset.classification(x, Tensor.of(new float[]{0, 1.5f, 2}, 3), 3));
        assertTrue(e.getMessage().contains("label 1.5 of sample 1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TensorDataset.regression(x, Tensor.zeros(4)));
        assertTrue(e.getMessage().contains("[4]"), e.getMessage());
        x.close();
    }

    @Test
    void subsetsAreViewsAndComposeTheirIndices() {
        try (TensorDataset ds = TestData.classification(10, 4, 3); Arena arena = Arena.ofConfined()) {
            Subset a = ds.subset(new int[]{9, 7, 5, 3, 1});
            Subset b = a.subset(new int[]{4, 0, 0});
            assertSame(ds, b.base());
            assertArrayEquals(new int[]{1, 9, 9}, b.indices());
            assertEquals(3, b.size());
            MemorySegment buf = arena.allocate(3 * Float.BYTES);
            b.copyFeatures(0, buf, 0);
            assertEquals(1000f, buf.getAtIndex(ValueLayout.JAVA_FLOAT, 0));
            assertEquals(ds.label(9), b.label(1));
            assertArrayEquals(new int[]{0, 3, 0, 0}, b.classCounts());
            IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> a.subset(new int[]{5}));
            assertTrue(e.getMessage().contains("index 5") && e.getMessage().contains("5 samples"), e.getMessage());
            // Views share storage: a change in the base shows through.
            ds.features().set(-1f, 1, 0);
            b.copyFeatures(0, buf, 0);
            assertEquals(-1f, buf.getAtIndex(ValueLayout.JAVA_FLOAT, 0));
        }
    }

    @Test
    void copyOfMaterialisesASubset() {
        try (TensorDataset ds = TestData.regression(6);
             TensorDataset copy = TensorDataset.copyOf(ds.subset(new int[]{5, 2}))) {
            assertArrayEquals(new float[]{5, -5, 2, -2}, copy.features().toArray());
            assertArrayEquals(new float[]{10, 15, 4, 6}, copy.targets().toArray());
            assertFalse(copy.features().segment().asSlice(0).equals(ds.features().segment()));
        }
        try (TensorDataset ds = TestData.classification(6, 3, 2);
             TensorDataset copy = TensorDataset.copyOf(ds.subset(new int[]{4, 4, 0}))) {
            assertArrayEquals(new int[]{1, 1, 0}, copy.labels());
            assertEquals(3, copy.numClasses());
            assertInstanceOf(TensorDataset.class, copy);
            assertEquals(4001f, copy.features().get(1, 1));
        }
    }

    @Test
    void closeFreesTheMemory() {
        TensorDataset ds = TestData.classification(4, 2, 2);
        Tensor x = ds.features();
        ds.close();
        assertFalse(x.isAlive());
        assertThrows(IllegalStateException.class, () -> ds.label(0));
    }
}
