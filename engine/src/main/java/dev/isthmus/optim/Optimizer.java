package dev.isthmus.optim;

import dev.isthmus.nn.Parameters;
import dev.isthmus.kernel.Engine;
import dev.isthmus.tensor.NativeMemory;
import dev.isthmus.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Updates a model's {@link Parameters} from their gradients, one step per (accumulated) mini-batch.
 *
 * <p>The parameters live in one flat buffer and their gradients in another, so a step is one vectorized
 * loop over the flat buffers (as llm.c's {@code gpt2_update}), cut into blocks that the engine's thread
 * pool shares out; the optimizer's own buffers (momentum, moments) have the same flat layout. A step
 * allocates nothing. Alignment gaps between parameters hold zeros and every update keeps them zero.
 *
 * <p>The learning rate is settable (schedules set it every epoch or batch); the step count and buffers
 * can be exported with {@link #state()} and restored with {@link #loadState} so a checkpointed run
 * resumes bit for bit. Hyper-parameters are validated when the optimizer is built. Weight decay applies
 * to every parameter, as in PyTorch, unless the optimizer is built with
 * {@code decayOnlyWhereMarked(true)}, which exempts parameters whose {@code Parameter.decay()} is false
 * (biases). New optimizers are added in this package (the update hook is package-private).
 *
 * <p>Not thread-safe: one training thread drives it.
 */
public abstract class Optimizer implements AutoCloseable {
    private final String kind;
    private final Parameters params;
    private final Arena arena;
    private final Map<String, Tensor> buffers;
    private final BlockPlan plan;
    private final FlatLoop loop = new FlatLoop();
    private final FlatLoop.Body body = (from, to, decay) -> update(from, to, decay, vectors());
    private double lr;
    private long step;

    Optimizer(String kind, Parameters params, double lr, boolean decayOnlyWhereMarked, List<String> bufferNames) {
        this.kind = kind;
        this.params = Objects.requireNonNull(params, kind + ": parameters are null");
        checkLr(kind, lr);
        this.lr = lr;
        this.plan = BlockPlan.of(params, decayOnlyWhereMarked);
        this.arena = NativeMemory.arena(kind + " state");
        Map<String, Tensor> b = new LinkedHashMap<>();
        int size = Math.toIntExact(params.data().size());
        for (String name : bufferNames) {
            b.put(name, Tensor.zeros(arena, size));
        }
        this.buffers = Collections.unmodifiableMap(b);
    }

    /** Applies one update from the current gradients; the step count goes up by one first (as in PyTorch). */
    public final void step() {
        step++;
        prepare(step);
        loop.run(plan, body);
    }

    /** Sets every gradient to zero (PyTorch's {@code zero_grad(set_to_none=False)}). */
    public final void zeroGrad() {
        params.zeroGrad();
    }

    /** Computes this step's scalar coefficients (in double, rounded to float once, as ATen does). */
    abstract void prepare(long step);

    /**
     * Updates the block {@code [from, to)}; {@code decay} is false where weight decay is exempted; {@code vec}
     * false runs the scalar loop only (it gives the same bits as the vector loop).
     */
    abstract double update(long from, long to, boolean decay, boolean vec);

    /** Hyper-parameters by PyTorch's param_group names (booleans as 0/1), for {@link #state()} and {@link #describe()}. */
    abstract Map<String, Double> hyper();

    public final Parameters parameters() {
        return params;
    }

    public final double lr() {
        return lr;
    }

    /** Sets the learning rate for the next steps (>= 0 and finite). */
    public final void setLr(double lr) {
        checkLr(kind, lr);
        this.lr = lr;
    }

    /** Number of steps taken (PyTorch's {@code state['step']}). */
    public final long stepCount() {
        return step;
    }

    /** Which optimizer: {@code SGD}, {@code Adam}, {@code AdamW}. */
    public final String kind() {
        return kind;
    }

    /** PyTorch-style description, e.g. {@code SGD(lr=0.1, momentum=0.9, ...)}. */
    public String describe() {
        StringBuilder sb = new StringBuilder(kind).append("(lr=").append(fmt(lr));
        hyper().forEach((k, v) -> sb.append(", ").append(k).append('=').append(fmt(v)));
        return sb.append(')').toString();
    }

    /**
     * The optimizer's state: step count, learning rate, hyper-parameters and live views of its buffers
     * (see {@link OptimizerState}; take a {@code copy()} for a snapshot).
     */
    public final OptimizerState state() {
        return new OptimizerState(kind, step, lr, hyper(), buffers);
    }

    /**
     * Restores a state exported by {@link #state()} of the same kind of optimizer, built with the same
     * hyper-parameters, over a store of the same size: step count, learning rate and buffers are copied in,
     * so the next steps give the same bits as the run the state came from.
     *
     * @throws IllegalArgumentException naming what does not match
     */
    public final void loadState(OptimizerState s) {
        Objects.requireNonNull(s, kind + ".loadState: state is null");
        if (!kind.equals(s.kind())) {
            throw new IllegalArgumentException(kind + ".loadState: the state is from " + s.kind());
        }
        Map<String, Double> mine = hyper();
        List<String> diff = new ArrayList<>();
        for (Map.Entry<String, Double> e : mine.entrySet()) {
            Double theirs = s.hyper().get(e.getKey());
            if (theirs == null || Double.compare(theirs, e.getValue()) != 0) {
                diff.add(e.getKey() + ": state " + theirs + ", optimizer " + e.getValue());
            }
        }
        for (String k : s.hyper().keySet()) {
            if (!mine.containsKey(k)) {
                diff.add(k + ": state " + s.hyper().get(k) + ", unknown to " + kind);
            }
        }
        if (!diff.isEmpty()) {
            throw new IllegalArgumentException(kind + ".loadState: hyper-parameters differ (" + String.join("; ", diff)
                    + "); build the optimizer with the checkpoint's hyper-parameters");
        }
        if (!s.buffers().keySet().equals(buffers.keySet())) {
            throw new IllegalArgumentException(kind + ".loadState: the state has buffers " + s.buffers().keySet()
                    + ", this optimizer " + buffers.keySet());
        }
        for (Map.Entry<String, Tensor> e : s.buffers().entrySet()) {
            if (e.getValue().size() != plan.size) {
                throw new IllegalArgumentException(kind + ".loadState: buffer " + e.getKey() + " has " + e.getValue().size()
                        + " elements, the parameter store " + plan.size + " (a different model?)");
            }
        }
        if (s.step() < 0) {
            throw new IllegalArgumentException(kind + ".loadState: negative step count " + s.step());
        }
        checkLr(kind, s.lr());
        for (Map.Entry<String, Tensor> e : s.buffers().entrySet()) {
            buffers.get(e.getKey()).copyFrom(e.getValue());
        }
        this.step = s.step();
        this.lr = s.lr();
    }

    /** Frees the optimizer's buffers (not the parameters). */
    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }

    // ------------------------------------------------------------------ for subclasses

    final MemorySegment data() {
        return params.dataSegment();
    }

    final MemorySegment grad() {
        return params.gradSegment();
    }

    final MemorySegment buffer(String name) {
        return buffers.get(name).segment();
    }

    static boolean vectors() {
        return Engine.get().useVectors();
    }

    static void checkLr(String kind, double lr) {
        if (!(lr >= 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException(kind + ": learning rate must be finite and >= 0, got " + lr);
        }
    }

    static void checkWeightDecay(String kind, double wd) {
        if (!(wd >= 0) || Double.isInfinite(wd)) {
            throw new IllegalArgumentException(kind + ": weight_decay must be finite and >= 0, got " + wd);
        }
    }

    /** A coefficient in [0, 1), such as momentum or a beta. */
    static void checkUnit(String kind, String name, double v) {
        if (!(v >= 0 && v < 1)) {
            throw new IllegalArgumentException(kind + ": " + name + " must be in [0, 1), got " + v);
        }
    }

    static String fmt(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : String.format(Locale.ROOT, "%s", v);
    }
}
