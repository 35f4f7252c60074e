package dev.isthmus.nn;

import dev.isthmus.tensor.Rng;
import dev.isthmus.tensor.Tensor;
import dev.isthmus.testing.GradCheck;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ViewLayersTest {

    @Test
    void flattenIsAZeroCopyViewReusedAcrossSteps() {
        try (Flatten f = new Flatten(); Tensor x = Tensor.randn(new Rng(1), 4, 2, 3, 5); Tensor g = Tensor.randn(new Rng(2), 4, 30)) {
            Tensor y = f.forward(x);
            assertArrayEquals(new int[]{4, 30}, y.shape());
            assertEquals(x.segment().address(), y.segment().address(), "same memory");
            assertSame(y, f.forward(x), "same input object, same view: no allocation per step");
            Tensor dx = f.backward(g);
            assertArrayEquals(new int[]{4, 2, 3, 5}, dx.shape());
            assertEquals(g.segment().address(), dx.segment().address());
            assertSame(dx, f.backward(g));
            try (Tensor x2 = Tensor.zeros(2, 2, 3, 5)) {
                assertArrayEquals(new int[]{2, 30}, f.forward(x2).shape(), "a new batch shape gets a new view");
            }
        }
    }

    @Test
    void flattenRangesAndGradients() {
        assertArrayEquals(new int[]{8, 5}, new Flatten(0, 1).outputShape(2, 4, 5));
        assertArrayEquals(new int[]{2, 4, 5}, new Flatten(1, 1).outputShape(2, 4, 5));
        assertArrayEquals(new int[]{2, 20}, new Flatten(-2, -1).outputShape(2, 4, 5));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Flatten().outputShape(7));
        assertEquals("Flatten() expects a tensor with dimensions 1..-1, got [7]", e.getMessage());
        try (Flatten f = new Flatten(); Tensor x = Tensor.randn(new Rng(3), 2, 3, 4)) {
            GradCheck.check(f, x, 1e-2, 1e-3, 1e-4);
        }
    }

    @Test
    void reshapeAndUnflattenRestoreImages() {
        assertArrayEquals(new int[]{64, 1, 28, 28}, new Reshape(1, 28, 28).outputShape(64, 784));
        assertArrayEquals(new int[]{64, 1, 28, 28}, new Reshape(1, -1, 28).outputShape(64, 784));
        assertArrayEquals(new int[]{64, 1, 28, 28}, new Unflatten(1, 1, 28, 28).outputShape(64, 784));
        assertArrayEquals(new int[]{64, 4, 7, 3}, new Unflatten(1, 4, -1).outputShape(64, 28, 3));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Reshape(1, 28, 28).outputShape(64, 780));
        assertEquals("Reshape(1, 28, 28) expects [N, ...] with 780 elements per sample fitting [1, 28, 28], got [64, 780]", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Unflatten(1, 3, 5).outputShape(2, 16));
        assertEquals("Unflatten(dim=1, sizes=[3, 5]) expects a dimension 1 that splits into [3, 5], got [2, 16]", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Reshape(-1, -1));
        assertThrows(IllegalArgumentException.class, () -> new Reshape(0, 3));
        try (Reshape r = new Reshape(3, 2); Tensor x = Tensor.randn(new Rng(4), 2, 6); Tensor g = Tensor.randn(new Rng(5), 2, 3, 2)) {
            Tensor y = r.forward(x);
            assertArrayEquals(x.toArray(), y.toArray());
            assertArrayEquals(new int[]{2, 6}, r.backward(g).shape());
            assertThrows(IllegalArgumentException.class, () -> r.backward(x), "gradient of the input's shape is rejected");
            GradCheck.check(r, x, 1e-2, 1e-3, 1e-4);
        }
        try (Unflatten u = new Unflatten(1, 2, 3); Tensor x = Tensor.randn(new Rng(6), 3, 6)) {
            GradCheck.check(u, x, 1e-2, 1e-3, 1e-4);
        }
    }

    @Test
    void aNewInputObjectGetsAFreshView() {
        try (Flatten f = new Flatten(); Tensor a = Tensor.zeros(2, 3, 2); Tensor b = Tensor.zeros(2, 3, 2)) {
            Tensor ya = f.forward(a);
            Tensor yb = f.forward(b);
            assertNotSame(ya, yb);
            assertEquals(b.segment().address(), yb.segment().address());
        }
    }
}
