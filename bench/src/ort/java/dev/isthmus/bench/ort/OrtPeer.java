package dev.isthmus.bench.ort;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtSession.SessionOptions;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.isthmus.bench.e2e.Timing;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The inference peer of {@code bench/run-e2e.sh}: ONNX Runtime 1.22 through its Java API, configured as a
 * user who wants speed would configure it (intra-op threads = the thread count, one inter-op thread,
 * every graph optimisation), on the LeNet-5 and AlexNet that {@code bench/pytorch/peer.py --export-onnx}
 * wrote from PyTorch. It writes the JSON keys of Isthmus's {@code EndToEnd} and uses the same
 * {@link Timing}: {@code lenet5_infer_b64}, {@code lenet5_infer} (batch 256), {@code lenet5_b1_p50_ms}/{@code _p99_ms},
 * {@code alexnet_infer_b16}, {@code alexnet_b1_p50_ms}/{@code _p99_ms}.
 *
 * <p>Each call runs the session on one input tensor created once over a direct buffer (no copy per call)
 * and closes the result, as an application would.
 *
 * <pre>java -cp ... dev.isthmus.bench.ort.OrtPeer --models DIR --threads 1 [--quick] [--skip-alexnet] [--json OUT]</pre>
 */
public final class OrtPeer {
    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final int threads;

    private OrtPeer(int threads) {
        this.threads = threads;
    }

    private OrtSession open(Path model) throws OrtException {
        try (SessionOptions so = new SessionOptions()) {
            so.setIntraOpNumThreads(threads);
            so.setInterOpNumThreads(1);
            so.setExecutionMode(SessionOptions.ExecutionMode.SEQUENTIAL);
            so.setOptimizationLevel(SessionOptions.OptLevel.ALL_OPT);
            return env.createSession(model.toString(), so);
        }
    }

    /** A random input of {@code [batch, sample...]} over a direct buffer, and the call that runs the model on it. */
    private Runnable call(OrtSession session, int batch, long[] sample, OnnxTensor[] owner) throws OrtException {
        long[] shape = new long[sample.length + 1];
        shape[0] = batch;
        System.arraycopy(sample, 0, shape, 1, sample.length);
        long count = 1;
        for (long d : shape) {
            count *= d;
        }
        FloatBuffer data = ByteBuffer.allocateDirect(Math.toIntExact(count * Float.BYTES)).order(ByteOrder.nativeOrder())
                .asFloatBuffer();
        SplittableRandom rng = new SplittableRandom(batch);
        for (int i = 0; i < count; i++) {
            data.put(i, (float) rng.nextGaussian());
        }
        OnnxTensor input = OnnxTensor.createTensor(env, data, shape);
        owner[0] = input;
        Map<String, OnnxTensor> feed = Map.of(session.getInputNames().iterator().next(), input);
        try (OrtSession.Result first = session.run(feed)) {
            float[][] logits = (float[][]) first.get(0).getValue();
            if (logits.length != batch || !Float.isFinite(logits[0][0])) {
                throw new IllegalStateException("ONNX Runtime gave " + logits.length + " rows (first " + logits[0][0]
                        + ") for a batch of " + batch);
            }
        }
        return () -> {
            try (OrtSession.Result r = session.run(feed)) {
                if (r.size() != 1) {
                    throw new IllegalStateException("expected one output, got " + r.size());
                }
            } catch (OrtException e) {
                throw new IllegalStateException("ONNX Runtime run failed", e);
            }
        };
    }

    private double rate(OrtSession s, long[] sample, int batch, int inner, int reps, double warmup) throws OrtException {
        OnnxTensor[] owner = new OnnxTensor[1];
        try {
            double[] secs = Timing.time(call(s, batch, sample, owner), inner, reps, warmup);
            double[] r = new double[secs.length];
            for (int i = 0; i < r.length; i++) {
                r[i] = batch / secs[i];
            }
            return Timing.median(r);
        } finally {
            owner[0].close();
        }
    }

    private double[] latency(OrtSession s, long[] sample, int warmupInner, double warmup, int samples) throws OrtException {
        OnnxTensor[] owner = new OnnxTensor[1];
        try {
            return Timing.latencyMs(call(s, 1, sample, owner), warmupInner, warmup, samples);
        } finally {
            owner[0].close();
        }
    }

    public static void main(String[] args) throws Exception {
        int threads = 1;
        boolean quick = false, skipAlexnet = false;
        Path models = null, json = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--models" -> models = Path.of(args[++i]);
                case "--json" -> json = Path.of(args[++i]);
                case "--quick" -> quick = true;
                case "--skip-alexnet" -> skipAlexnet = true;
                default -> {
                    System.err.println("OrtPeer: unknown option '" + args[i]
                            + "' (options: --models DIR, --threads N, --quick, --skip-alexnet, --json OUT)");
                    System.exit(2);
                }
            }
        }
        if (models == null || !Files.isRegularFile(models.resolve("lenet5.onnx"))) {
            System.err.println("OrtPeer: --models must name a directory with lenet5.onnx (bench/pytorch/peer.py --export-onnx DIR), got "
                    + models);
            System.exit(2);
        }
        boolean q = quick;
        OrtPeer peer = new OrtPeer(threads);
        ObjectNode o = new ObjectMapper().createObjectNode();
        o.put("ort", peer.env.getVersion());
        o.put("threads", threads);
        o.putObject("blas").put("libs", "none: ONNX Runtime's own MLAS kernels");
        long[] digit = {1, 28, 28};
        try (OrtSession lenet = peer.open(models.resolve("lenet5.onnx"))) {
            o.put("lenet5_infer_b64", peer.rate(lenet, digit, 64, q ? 10 : 60, q ? 3 : 7, q ? 1.0 : 3.0));
            o.put("lenet5_infer", peer.rate(lenet, digit, 256, q ? 5 : 20, q ? 3 : 7, q ? 1.0 : 3.0));
            double[] p = peer.latency(lenet, digit, 50, q ? 1.0 : 3.0, q ? 200 : 2000);
            o.put("lenet5_b1_p50_ms", p[0]);
            o.put("lenet5_b1_p99_ms", p[1]);
        }
        if (!skipAlexnet) {
            long[] image = {3, 224, 224};
            try (OrtSession alex = peer.open(models.resolve("alexnet.onnx"))) {
                o.put("alexnet_infer_b16", peer.rate(alex, image, 16, q ? 1 : 2, q ? 2 : 3, 0));
                double[] p = peer.latency(alex, image, 2, 0, q ? 5 : 30);
                o.put("alexnet_b1_p50_ms", p[0]);
                o.put("alexnet_b1_p99_ms", p[1]);
            }
        }
        String text = new ObjectMapper().writeValueAsString(o);
        System.out.println(text);
        if (json != null) {
            Files.writeString(json, text + "\n");
        }
    }
}
