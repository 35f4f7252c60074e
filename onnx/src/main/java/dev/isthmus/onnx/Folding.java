package dev.isthmus.onnx;

/**
 * The weight rewrites an import applies so that ONNX's operators land on Isthmus' layers unchanged in
 * meaning: an inference-mode BatchNormalization folded into the Conv before it, a {@code [in, out]} matrix
 * (MatMul, Gemm without transB) turned into a Linear's {@code [out, in]} weight, Gemm's alpha and beta
 * multiplied in, a one-value bias broadcast, and the test that nearest-neighbour resizing by an integer
 * factor picks the same pixels as Isthmus' {@code Upsample}.
 */
final class Folding {
    private Folding() {
    }

    /**
     * Folds {@code y = (conv(x) - mean) / sqrt(var + eps) * gamma + beta} into the conv: each output
     * channel's weights are scaled by {@code gamma / sqrt(var + eps)} and its bias becomes
     * {@code (bias - mean) * that + beta}. {@code bias} may be null (a conv without bias); returns the new bias.
     */
    static float[] foldBatchNorm(float[] weight, float[] bias, int outChannels, float[] gamma, float[] beta,
                                 float[] mean, float[] var, float eps) {
        int perChannel = weight.length / outChannels;
        float[] out = new float[outChannels];
        for (int o = 0; o < outChannels; o++) {
            double scale = gamma[o] / Math.sqrt((double) var[o] + eps);
            for (int k = 0; k < perChannel; k++) {
                weight[o * perChannel + k] = (float) (weight[o * perChannel + k] * scale);
            }
            double b = bias == null ? 0 : bias[o];
            out[o] = (float) ((b - mean[o]) * scale + beta[o]);
        }
        return out;
    }

    /** {@code [rows, cols]} row-major to {@code [cols, rows]}. */
    static float[] transpose(float[] m, int rows, int cols) {
        float[] t = new float[m.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = m[r * cols + c];
            }
        }
        return t;
    }

    static void scale(float[] v, float by) {
        if (by != 1f) {
            for (int i = 0; i < v.length; i++) {
                v[i] *= by;
            }
        }
    }

    /** A bias of {@code n} values from one of {@code n} or one broadcast value; null if neither. */
    static float[] broadcast(float[] v, int n) {
        if (v.length == n) {
            return v;
        }
        if (v.length != 1) {
            return null;
        }
        float[] out = new float[n];
        java.util.Arrays.fill(out, v[0]);
        return out;
    }

    /**
     * Whether ONNX nearest resizing by the integer factor {@code s} with this coordinate transformation and
     * rounding maps output pixel {@code o} to input pixel {@code floor(o / s)}, as Upsample does. Checked on
     * one block of {@code s} outputs away from the border: the pattern repeats in every block.
     */
    static boolean nearestIsFloor(String transform, String rounding, int s) {
        int i = 10;
        for (int r = 0; r < s; r++) {
            double o = (double) i * s + r;
            double x = switch (transform) {
                case "asymmetric" -> o / s;
                case "half_pixel", "pytorch_half_pixel" -> (o + 0.5) / s - 0.5;
                case "tf_half_pixel_for_nn" -> (o + 0.5) / s;
                default -> Double.NaN;
            };
            double fl = Math.floor(x);
            double picked = switch (rounding) {
                case "floor" -> fl;
                case "ceil" -> Math.ceil(x);
                case "round_prefer_floor" -> x - fl <= 0.5 ? fl : fl + 1;
                case "round_prefer_ceil" -> x - fl < 0.5 ? fl : fl + 1;
                default -> Double.NaN;
            };
            if (picked != i) {
                return false;
            }
        }
        return true;
    }
}
