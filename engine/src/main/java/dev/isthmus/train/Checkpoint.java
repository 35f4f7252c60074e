package dev.isthmus.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.isthmus.io.CheckpointFormatException;
import dev.isthmus.io.SafeTensors;
import dev.isthmus.nn.Layer;
import dev.isthmus.optim.LrScheduler;
import dev.isthmus.optim.Optimizer;
import dev.isthmus.optim.OptimizerState;
import dev.isthmus.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A training checkpoint in one safetensors file: the model's tensors under their PyTorch state_dict names
 * (so the file also loads as weights), the optimizer's flat buffers under {@code optimizer.<name>}, the
 * best weights of early stopping under {@code early_stopping.best_weights}, and in {@code __metadata__} the
 * model description, the optimizer's step/lr/hyper-parameters, the schedule's counters, the step counter,
 * the seed and a reference to the history file. Written atomically, so a crash during a save leaves the
 * previous checkpoint.
 *
 * <p>The history lives in its own file (JSON or CSV, written just before the checkpoint), not in the
 * checkpoint, whose size therefore does not grow with the epochs. The checkpoint records that file's path
 * (relative to the checkpoint's directory when it is beside it), the epoch count and the last epoch's
 * training loss; resuming reads the history back, drops epochs saved after the checkpoint, and rejects a
 * history file that is shorter or belongs to another run. Checkpoints that embed the history (format 1
 * before this change) still resume.
 */
public final class Checkpoint {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String OPTIMIZER_PREFIX = "optimizer.";
    static final String BEST_WEIGHTS = "early_stopping.best_weights";
    /** Early stopping's copies of the model's buffers, under {@code early_stopping.best_buffers.<state_dict name>}. */
    static final String BEST_BUFFERS = "early_stopping.best_buffers.";
    static final String HISTORY_REF = "isthmus.history_ref";
    private static final String LEGACY_HISTORY = "isthmus.history";

    private Checkpoint() {
    }

    static void save(Path file, TrainingState t) throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>(t.model.stateDict());
        OptimizerState os = t.optimizer.state();
        os.buffers().forEach((k, v) -> tensors.put(OPTIMIZER_PREFIX + k, v));
        BestWeights early = t.early;
        if (early != null && early.weights() != null) {
            tensors.put(BEST_WEIGHTS, early.weights());
            early.buffers().forEach((k, v) -> tensors.put(BEST_BUFFERS + k, v));
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.putAll(t.architecture);
        meta.put("isthmus.checkpoint", "1");
        meta.put("isthmus.epoch", Integer.toString(t.epoch()));
        meta.put("isthmus.global_step", Long.toString(t.step()));
        meta.put("isthmus.seed", Long.toString(t.seed));
        ObjectNode opt = JSON.createObjectNode();
        opt.put("kind", os.kind());
        opt.put("step", os.step());
        opt.put("lr", os.lr());
        ObjectNode hyper = opt.putObject("hyper");
        os.hyper().forEach(hyper::put);
        meta.put("isthmus.optimizer", opt.toString());
        LrScheduler s = t.scheduler;
        if (s != null) {
            ObjectNode sn = JSON.createObjectNode();
            s.state().forEach((k, v) -> putDouble(sn, k, v));
            meta.put("isthmus.scheduler", sn.toString());
        }
        if (early != null) {
            ObjectNode es = JSON.createObjectNode();
            putDouble(es, "best", early.best());
            es.put("best_epoch", early.bestEpoch());
            es.put("since_best", early.sinceBest());
            meta.put("isthmus.early_stopping", es.toString());
        }
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Path historyFile = t.historyFile;
        t.history().save(historyFile);
        ObjectNode ref = JSON.createObjectNode();
        Path abs = historyFile.toAbsolutePath();
        ref.put("file", parent != null && parent.equals(abs.getParent()) ? abs.getFileName().toString() : abs.toString());
        ref.put("epochs", t.history().lastEpoch());
        if (!t.history().isEmpty()) {
            putDouble(ref, "last_train_loss", t.history().last().trainLoss());
        }
        meta.put(HISTORY_REF, ref.toString());
        SafeTensors.save(file, tensors, meta);
    }

    /** The default history file of a checkpoint: {@code <name>.history.json} beside it. */
    static Path historyBeside(Path checkpoint) {
        String name = checkpoint.getFileName().toString();
        String stem = name.endsWith(".safetensors") ? name.substring(0, name.length() - ".safetensors".length()) : name;
        return checkpoint.resolveSibling(stem + ".history.json");
    }

    static Path checkHistoryName(Path file) {
        String n = file.getFileName().toString();
        if (!n.endsWith(".json") && !n.endsWith(".csv")) {
            throw new IllegalArgumentException("history file must end in .json or .csv, got " + file);
        }
        return file;
    }

    /** The history a checkpoint refers to (or embeds, if written before the history had its own file). */
    private static History history(Path file, Map<String, String> meta) throws IOException {
        if (!meta.containsKey(HISTORY_REF) && meta.containsKey(LEGACY_HISTORY)) {
            return History.fromJson(meta.get(LEGACY_HISTORY), file + " (" + LEGACY_HISTORY + ")");
        }
        JsonNode ref = json(file, meta, HISTORY_REF);
        int epochs = ref.path("epochs").asInt(-1);
        Path parent = file.toAbsolutePath().getParent();
        Path hf = Path.of(ref.path("file").asText());
        hf = parent == null || hf.isAbsolute() ? hf : parent.resolve(hf);
        if (epochs < 0 || ref.path("file").asText().isEmpty()) {
            throw new CheckpointFormatException(file, HISTORY_REF + " must name a history file and its epoch count, got " + ref);
        }
        if (!Files.isRegularFile(hf)) {
            throw new CheckpointFormatException(file, "its history file " + hf + " (epochs 1 to " + epochs + ") is missing");
        }
        History h = History.load(hf);
        if (h.lastEpoch() < epochs) {
            throw new CheckpointFormatException(file, "its history file " + hf + " ends at epoch " + h.lastEpoch()
                    + ", the checkpoint is after epoch " + epochs);
        }
        h.truncateAfter(epochs);
        double last = ref.path("last_train_loss").isNumber() ? ref.path("last_train_loss").asDouble() : Double.NaN;
        if (epochs > 0 && Double.compare(last, h.last().trainLoss()) != 0) {
            throw new CheckpointFormatException(file, "its history file " + hf + " belongs to another run (epoch " + epochs
                    + " train loss " + h.last().trainLoss() + ", the checkpoint recorded " + last + ")");
        }
        return h;
    }

    static void restore(Path file, TrainingState t) throws IOException {
        try (SafeTensors.Contents c = SafeTensors.load(file)) {
            Map<String, String> meta = c.metadata();
            if (!"1".equals(meta.get("isthmus.checkpoint"))) {
                throw new CheckpointFormatException(file, "not an Isthmus training checkpoint (no isthmus.checkpoint "
                        + "metadata); to load weights only, use SafeTensors.loadInto(file, model.stateDict(), false)");
            }
            Layer model = t.model;
            Map<String, Tensor> state = model.stateDict();
            List<String> problems = new ArrayList<>();
            for (Map.Entry<String, Tensor> e : state.entrySet()) {
                Tensor src = c.tensors().get(e.getKey());
                if (src == null) {
                    problems.add(e.getKey() + ": missing");
                } else if (!src.hasShape(e.getValue().shape())) {
                    problems.add(e.getKey() + ": file has " + src.shapeString() + ", model expects " + e.getValue().shapeString());
                }
            }
            if (!problems.isEmpty()) {
                throw new CheckpointFormatException(file, "does not fit the model: " + String.join("; ", problems));
            }
            JsonNode opt = json(file, meta, "isthmus.optimizer");
            Map<String, Double> hyper = new LinkedHashMap<>();
            opt.path("hyper").properties().forEach(e -> hyper.put(e.getKey(), e.getValue().asDouble()));
            Map<String, Tensor> buffers = new LinkedHashMap<>();
            c.tensors().forEach((k, v) -> {
                if (k.startsWith(OPTIMIZER_PREFIX)) {
                    buffers.put(k.substring(OPTIMIZER_PREFIX.length()), v);
                }
            });
            Optimizer o = t.optimizer;
            try {
                o.loadState(new OptimizerState(opt.path("kind").asText(), opt.path("step").asLong(),
                        opt.path("lr").asDouble(), hyper, buffers));
            } catch (IllegalArgumentException e) {
                throw new CheckpointFormatException(file, "optimizer state does not fit: " + e.getMessage(), e);
            }
            if (t.scheduler != null) {
                JsonNode sn = json(file, meta, "isthmus.scheduler");
                Map<String, Double> ss = new LinkedHashMap<>();
                sn.properties().forEach(e -> ss.put(e.getKey(), e.getValue().isNull() ? Double.NaN : e.getValue().asDouble()));
                t.scheduler.loadState(ss);
            }
            for (Map.Entry<String, Tensor> e : state.entrySet()) {
                e.getValue().copyFrom(c.tensors().get(e.getKey()));
            }
            History h = history(file, meta);
            double best = Double.NaN;
            int bestEpoch = 0, since = 0;
            if (meta.containsKey("isthmus.early_stopping")) {
                JsonNode es = json(file, meta, "isthmus.early_stopping");
                best = es.path("best").isNumber() ? es.path("best").asDouble() : Double.NaN;
                bestEpoch = es.path("best_epoch").asInt();
                since = es.path("since_best").asInt();
            }
            Tensor bw = c.tensors().get(BEST_WEIGHTS);
            Map<String, Tensor> bestBuffers = bestBuffers(file, c.tensors(), model, bw);
            long step;
            try {
                step = Long.parseLong(require(file, meta, "isthmus.global_step"));
            } catch (NumberFormatException e) {
                throw new CheckpointFormatException(file, "isthmus.global_step is not a number", e);
            }
            t.resume(h, step);
            if (t.early != null) {
                t.early.restore(best, bestEpoch, since, bw == null ? null : bw.segment(), bestBuffers, model);
            }
        }
    }

    /** The best epoch's buffers a checkpoint holds beside its best weights, each checked against the model's buffer. */
    private static Map<String, Tensor> bestBuffers(Path file, Map<String, Tensor> tensors, Layer model, Tensor bestWeights)
            throws CheckpointFormatException {
        Map<String, Tensor> out = new LinkedHashMap<>();
        if (bestWeights == null) {
            return out;
        }
        if (!bestWeights.hasShape(model.parameters().data().shape())) {
            throw new CheckpointFormatException(file, BEST_WEIGHTS + " has " + bestWeights.shapeString()
                    + ", the model's flat parameters are " + model.parameters().data().shapeString());
        }
        for (Map.Entry<String, Tensor> e : model.namedBuffers().entrySet()) {
            Tensor src = tensors.get(BEST_BUFFERS + e.getKey());
            if (src == null || !src.hasShape(e.getValue().shape())) {
                throw new CheckpointFormatException(file, BEST_BUFFERS + e.getKey() + (src == null ? " is missing"
                        : " has " + src.shapeString() + ", the model's buffer is " + e.getValue().shapeString()));
            }
            out.put(e.getKey(), src);
        }
        return out;
    }

    private static void putDouble(ObjectNode n, String k, double v) {
        if (Double.isFinite(v)) {
            n.put(k, v);
        } else {
            n.putNull(k);
        }
    }

    private static String require(Path file, Map<String, String> meta, String key) throws CheckpointFormatException {
        String v = meta.get(key);
        if (v == null) {
            throw new CheckpointFormatException(file, "metadata has no " + key);
        }
        return v;
    }

    private static JsonNode json(Path file, Map<String, String> meta, String key) throws CheckpointFormatException {
        try {
            JsonNode n = JSON.readTree(require(file, meta, key));
            if (n == null || !n.isObject()) {
                throw new CheckpointFormatException(file, "metadata " + key + " is not a JSON object");
            }
            return n;
        } catch (JsonProcessingException e) {
            throw new CheckpointFormatException(file, "metadata " + key + " is not valid JSON: " + e.getOriginalMessage(), e);
        }
    }
}
