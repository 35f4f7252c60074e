package dev.isthmus.optim;

import dev.isthmus.nn.Parameters;
import dev.isthmus.kernel.Engine;

import java.lang.foreign.MemorySegment;

/**
 * Gradient clipping by global L2 norm, as {@code torch.nn.utils.clip_grad_norm_}: the norm is taken over
 * all gradients together and, when it exceeds {@code maxNorm}, every gradient is multiplied by
 * {@code maxNorm / (norm + 1e-6)}. One pass to measure and one to scale, over the flat gradient buffer,
 * shared out on the engine's pool; nothing is allocated per call in steady state (each calling thread
 * keeps a small reusable context).
 */
public final class GradClip {
    private static final ThreadLocal<Context> CONTEXT = ThreadLocal.withInitial(Context::new);

    private GradClip() {
    }

    /**
     * Clips the gradients of {@code params} to global L2 norm {@code maxNorm} and returns their norm before
     * clipping. When that norm is not finite the gradients are left alone (skip the step; PyTorch would
     * turn them into NaN).
     */
    public static double clipGradNorm(Parameters params, double maxNorm) {
        if (!(maxNorm > 0) || Double.isInfinite(maxNorm)) {
            throw new IllegalArgumentException("clipGradNorm: maxNorm must be finite and > 0, got " + maxNorm);
        }
        Context c = CONTEXT.get();
        float total = (float) Math.sqrt(c.sumSquares(params));
        if (Float.isFinite(total)) {
            // PyTorch: clip_coef = max_norm / (total_norm + 1e-6), which Tensor.__rtruediv__ computes as a
            // reciprocal times max_norm, in float32
            float coef = (1f / (total + 1e-6f)) * (float) maxNorm;
            if (coef < 1f) {
                c.scale(params, coef);
            }
        }
        return total;
    }

    /** The global L2 norm of all gradients (the alignment gaps are zero and add nothing). */
    public static double gradNorm(Parameters params) {
        return Math.sqrt(CONTEXT.get().sumSquares(params));
    }

    /** Multiplies every gradient by {@code s} (used to rescale a partly accumulated gradient). */
    static void scaleGrads(Parameters params, float s) {
        CONTEXT.get().scale(params, s);
    }

    private static final class Context {
        private final FlatLoop loop = new FlatLoop();
        private final FlatLoop.Body sumBody = (from, to, decay) -> FlatKernels.sumSquares(this.g, from, to, this.vec);
        private final FlatLoop.Body scaleBody = (from, to, decay) -> {
            FlatKernels.scale(this.g, from, to, this.s, this.vec);
            return 0;
        };
        private BlockPlan plan;
        private MemorySegment g;
        private float s;
        private boolean vec;

        private void bind(Parameters params) {
            long size = params.grad().size();
            if (plan == null || plan.size != size) {
                plan = BlockPlan.uniform(size);
            }
            g = params.gradSegment();
            vec = Engine.get().useVectors();
        }

        double sumSquares(Parameters params) {
            bind(params);
            try {
                return loop.run(plan, sumBody);
            } finally {
                g = null;
            }
        }

        void scale(Parameters params, float factor) {
            bind(params);
            s = factor;
            try {
                loop.run(plan, scaleBody);
            } finally {
                g = null;
            }
        }
    }
}
