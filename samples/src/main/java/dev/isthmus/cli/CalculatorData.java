package dev.isthmus.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.isthmus.data.MinMaxScaler;
import dev.isthmus.data.TensorDataset;
import dev.isthmus.tensor.Rng;
import dev.isthmus.tensor.Tensor;

import java.util.Arrays;

/**
 * The calculator project's data: pairs of integers drawn uniformly from {@code [low, high]} with their sum (or
 * product), split 80/10/10 into train, validation and test. Inputs and target are min-max scaled to {@code [0, 1]}
 * with scalers fitted on the training split only, as the course does; metrics are reported after the inverse
 * transform, in the original units. The same configuration always generates the same data.
 */
final class CalculatorData implements AutoCloseable {

    /** What the calculator computes. */
    enum Op {
        ADD, MUL;

        float apply(float a, float b) {
            return this == ADD ? a + b : a * b;
        }
    }

    /** Pairs the generator makes at most: its arrays stay far below Java's array limit. */
    static final int MAX_SAMPLES = 10_000_000;

    /** The generator's settings, stored in the model file so {@code eval} regenerates the same test split. */
    record Config(Op op, int low, int high, int samples, long seed) {
        Config {
            if (high <= low) {
                throw new CliException("calculator range needs low < high, got " + low + ".." + high);
            }
            if (samples < 10 || samples > MAX_SAMPLES) {
                throw new CliException("calculator needs --samples in 10.." + MAX_SAMPLES + ", got " + samples);
            }
        }

        String toJson() {
            ObjectNode n = new ObjectMapper().createObjectNode();
            n.put("op", op.name().toLowerCase()).put("low", low).put("high", high).put("samples", samples).put("seed", seed);
            return n.toString();
        }

        static Config fromJson(String json) {
            try {
                JsonNode n = new ObjectMapper().readTree(json);
                return new Config(Op.valueOf(n.path("op").asText().toUpperCase()), n.path("low").asInt(), n.path("high").asInt(),
                        n.path("samples").asInt(), n.path("seed").asLong());
            } catch (Exception e) {
                throw new CliException("bad calculator settings in the model file: " + e.getMessage(), e);
            }
        }
    }

    final Config config;
    final MinMaxScaler xScaler;
    final MinMaxScaler yScaler;
    final TensorDataset train;
    final TensorDataset val;
    final TensorDataset test;

    private CalculatorData(Config config, MinMaxScaler xs, MinMaxScaler ys, TensorDataset train, TensorDataset val, TensorDataset test) {
        this.config = config;
        this.xScaler = xs;
        this.yScaler = ys;
        this.train = train;
        this.val = val;
        this.test = test;
    }

    /** Generates, splits and scales the data of {@code c}; {@code limit > 0} caps the training split. */
    static CalculatorData generate(Config c, int limit) {
        float[][] raw = pairs(c.op, c.low, c.high, c.samples, c.seed);
        int n = c.samples;
        int nTrain = (int) Math.round(n * 0.8);
        int nVal = (int) Math.round(n * 0.1);
        int nTest = n - nTrain - nVal;
        int from = 0;
        float[][] tr = slice(raw, from, nTrain);
        float[][] va = slice(raw, nTrain, nVal);
        float[][] te = slice(raw, nTrain + nVal, nTest);
        if (limit > 0 && limit < nTrain) {
            tr = slice(tr, 0, limit);
        }
        MinMaxScaler xs;
        MinMaxScaler ys;
        try (Tensor tx = Tensor.of(tr[0], tr[1].length, 2); Tensor ty = Tensor.of(tr[1], tr[1].length, 1)) {
            xs = MinMaxScaler.fit(tx, 0f, 1f);
            ys = MinMaxScaler.fit(ty, 0f, 1f);
        }
        return new CalculatorData(c, xs, ys, dataset(tr, xs, ys), dataset(va, xs, ys), dataset(te, xs, ys));
    }

    /** {@code n} raw pairs and results: {@code [0]} holds a0, b0, a1, b1, ..., {@code [1]} the results. */
    static float[][] pairs(Op op, int low, int high, int n, long seed) {
        Rng rng = new Rng(seed);
        float[] x = new float[2 * n];
        float[] y = new float[n];
        int span = high - low + 1;
        for (int i = 0; i < n; i++) {
            float a = low + rng.nextInt(span);
            float b = low + rng.nextInt(span);
            x[2 * i] = a;
            x[2 * i + 1] = b;
            y[i] = op.apply(a, b);
        }
        return new float[][]{x, y};
    }

    private static float[][] slice(float[][] raw, int from, int count) {
        return new float[][]{Arrays.copyOfRange(raw[0], 2 * from, 2 * (from + count)), Arrays.copyOfRange(raw[1], from, from + count)};
    }

    static TensorDataset dataset(float[][] raw, MinMaxScaler xs, MinMaxScaler ys) {
        int n = raw[1].length;
        Tensor x = Tensor.of(raw[0], n, 2);
        Tensor y = Tensor.of(raw[1], n, 1);
        xs.transform(x);
        ys.transform(y);
        return TensorDataset.regression(x, y);
    }

    /** Pairs from a range the model never saw, {@code [high, 2 high - low]} (100..200 for the default 0..100). */
    float[][] unseenRange(int n) {
        int span = config.high - config.low;
        return pairs(config.op, config.high, config.high + span, n, config.seed + 1);
    }

    @Override
    public void close() {
        train.close();
        val.close();
        test.close();
    }
}
