package dev.isthmus.bench.kernel;

import java.util.Arrays;
import java.util.List;

/**
 * The GEMM problems the benchmarks time, in one list shared by the JMH benchmarks, the C program
 * (which reads {@link #specLine()} on its standard input) and the report, so the three can never
 * disagree about what was measured.
 *
 * <p>Row-major, as the engine calls it: A is stored {@code k x m} when {@code transA} (else
 * {@code m x k}), B is stored {@code n x k} when {@code transB} (else {@code k x n}). One operation
 * is {@code count} products; product {@code r} starts at element {@code r * aStride} of A (likewise
 * B and C). The per-image convolution rows are the calls {@code dev.isthmus.nn.Conv2d} makes in its
 * per-image strategy: the weight [out, C*kh*kw] and one reused column buffer (stride 0) times into
 * each image's output, with beta = 1 since the bias is written first; here the 64 calls run one after
 * another on one calling thread (Conv2d spreads images over its workers with OpenBLAS at one thread
 * each; that is the convolution benchmarks' business). The batched rows are Conv2d's other strategy,
 * one GEMM over the columns of the whole batch. The MLP shapes are the three calls {@code dev.isthmus.nn.Linear(784, 40)} makes at
 * batch 64 with PyTorch's weight layout {@code [out, in]}: forward {@code Y = X W^T}, backward
 * {@code dW += dY^T X} (beta = 1: gradients accumulate) and {@code dX = dY W}. Every other product has
 * beta = 0 and alpha = 1.
 */
public enum GemmShape {
    SQ_8("n=8", false, false, 8, 8, 8),
    SQ_64("n=64", false, false, 64, 64, 64),
    SQ_128("n=128", false, false, 128, 128, 128),
    SQ_256("n=256", false, false, 256, 256, 256),
    SQ_512("n=512", false, false, 512, 512, 512),
    SQ_1024("n=1024", false, false, 1024, 1024, 1024),
    SQ_2048("n=2048", false, false, 2048, 2048, 2048),
    MLP_FWD("MLP fwd Y=X·Wᵀ [64x784]·[40x784]ᵀ", false, true, 64, 40, 784),
    MLP_DW("MLP dW+=dYᵀ·X [64x40]ᵀ·[64x784]", true, false, 40, 784, 64, 1f),
    MLP_DX("MLP dX=dY·W [64x40]·[40x784]", false, false, 64, 784, 40),
    CONV1_IMG("LeNet conv1 per image 64x [6x25]·[25x784]", false, false, 6, 784, 25, 64, 0, 0, 6 * 784, 1f),
    CONV2_IMG("LeNet conv2 per image 64x [16x150]·[150x100]", false, false, 16, 100, 150, 64, 0, 0, 16 * 100, 1f),
    CONV1_BATCH("LeNet conv1 batched [6x25]·[25x50176]", false, false, 6, 64 * 784, 25),
    CONV2_BATCH("LeNet conv2 batched [16x150]·[150x6400]", false, false, 16, 64 * 100, 150);

    /** The shapes of {@code run-gemm.sh --quick}: small, large, one MLP and one per-image conv product. */
    public static final List<GemmShape> QUICK = List.of(SQ_8, SQ_256, SQ_1024, MLP_FWD, CONV2_IMG);

    public final String label;
    public final boolean transA;
    public final boolean transB;
    public final int m;
    public final int n;
    public final int k;
    /** Products per operation. */
    public final int count;
    public final long aStride;
    public final long bStride;
    public final long cStride;
    /** 0 (C is overwritten) or 1 (C accumulates). */
    public final float beta;

    GemmShape(String label, boolean transA, boolean transB, int m, int n, int k) {
        this(label, transA, transB, m, n, k, 1, 0, 0, 0, 0f);
    }

    GemmShape(String label, boolean transA, boolean transB, int m, int n, int k, float beta) {
        this(label, transA, transB, m, n, k, 1, 0, 0, 0, beta);
    }

    GemmShape(String label, boolean transA, boolean transB, int m, int n, int k, int count,
              long aStride, long bStride, long cStride) {
        this(label, transA, transB, m, n, k, count, aStride, bStride, cStride, 0f);
    }

    GemmShape(String label, boolean transA, boolean transB, int m, int n, int k, int count,
              long aStride, long bStride, long cStride, float beta) {
        this.label = label;
        this.transA = transA;
        this.transB = transB;
        this.m = m;
        this.n = n;
        this.k = k;
        this.count = count;
        this.aStride = aStride;
        this.bStride = bStride;
        this.cStride = cStride;
        this.beta = beta;
    }

    public int lda() {
        return transA ? m : k;
    }

    public int ldb() {
        return transB ? k : n;
    }

    public int ldc() {
        return n;
    }

    /** Floats A must hold for all {@link #count} products. */
    public long aElements() {
        return (count - 1) * aStride + (long) m * k;
    }

    public long bElements() {
        return (count - 1) * bStride + (long) k * n;
    }

    public long cElements() {
        return (count - 1) * cStride + (long) m * n;
    }

    /** Floating-point operations of one operation: {@code 2 m n k} per product (beta's m n not counted). */
    public double flops() {
        return 2.0 * m * n * k * count;
    }

    /** True for the square {@code n x n x n} problems. */
    public boolean isSquare() {
        return m == n && n == k && count == 1 && !transA && !transB;
    }

    /**
     * The line the C program reads: {@code NAME transA transB m n k count aStride bStride cStride beta}.
     */
    public String specLine() {
        return name() + ' ' + (transA ? 1 : 0) + ' ' + (transB ? 1 : 0) + ' ' + m + ' ' + n + ' ' + k + ' '
                + count + ' ' + aStride + ' ' + bStride + ' ' + cStride + ' ' + (int) beta;
    }

    /** The shapes named in a comma-separated list of enum names; "all" or "quick" for the two sets. */
    public static List<GemmShape> parseList(String names) {
        if (names.equalsIgnoreCase("all")) {
            return List.of(values());
        }
        if (names.equalsIgnoreCase("quick")) {
            return QUICK;
        }
        return Arrays.stream(names.split(",")).map(String::trim).filter(s -> !s.isEmpty()).map(s -> {
            try {
                return valueOf(s);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown GEMM shape '" + s + "'; known: " + Arrays.toString(values()));
            }
        }).toList();
    }
}
