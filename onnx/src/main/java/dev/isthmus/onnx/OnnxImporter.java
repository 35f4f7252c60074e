package dev.isthmus.onnx;

import dev.isthmus.infer.LoadedModel;
import dev.isthmus.nn.Layer;
import dev.isthmus.nn.ModelSpec;
import dev.isthmus.nn.Sequential;
import dev.isthmus.onnx.proto.Onnx.ModelProto;
import dev.isthmus.onnx.proto.Onnx.OperatorSetIdProto;
import dev.isthmus.onnx.proto.Onnx.StringStringEntryProto;
import dev.isthmus.onnx.proto.Onnx.TensorShapeProto;
import dev.isthmus.onnx.proto.Onnx.TypeProto;
import dev.isthmus.onnx.proto.Onnx.ValueInfoProto;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads an ONNX model (opset 11 to 17) into an Isthmus {@link Sequential} in eval mode. Three passes, so
 * that a file is refused as early and as cheaply as possible: every operator and its attributes
 * ({@link OpCheck}) and the graph's shape ({@link GraphChain}: a chain from one input to one output, no
 * cycles, every tensor header consistent) before any weight is read, then the layers with their weights
 * ({@link LayerMapper}). Any refusal is an {@link OnnxFormatException} naming the node, its operator and
 * the opset.
 */
public final class OnnxImporter {
    public static final int MIN_OPSET = 11;
    public static final int MAX_OPSET = 17;
    /** Bounds on one sample's input shape (from the graph input), so the shape walk cannot overflow. */
    static final int MAX_DIM = 1 << 24;
    static final long MAX_SAMPLE = 1L << 28;
    static final int MAX_METADATA = 1024;

    private OnnxImporter() {
    }

    /**
     * The model in {@code file}, its one-sample input shape and metadata: the file's {@code metadata_props},
     * then the architecture and input shape under {@link ModelSpec}'s keys, the producer and the opset.
     */
    public static LoadedModel read(Path file) throws IOException {
        return read(ModelReader.read(file));
    }

    static LoadedModel read(ModelProto m) throws OnnxFormatException {
        long opset = opset(m);
        if (!m.hasGraph()) {
            throw new OnnxFormatException("the model has no graph");
        }
        GraphChain chain = GraphChain.of(m.getGraph(), opset);
        int[] sample = sampleShape(chain.input, "graph input");
        int[] in = new int[sample.length + 1];
        in[0] = 1;
        System.arraycopy(sample, 0, in, 1, sample.length);
        List<Layer> layers = LayerMapper.map(chain, in);
        Sequential model = new Sequential(layers);
        try {
            int[] out = model.outputShape(in);
            checkOutput(chain.output, out);
            model.eval();
            Map<String, String> meta = new LinkedHashMap<>();
            if (m.getMetadataPropsCount() > MAX_METADATA) {
                throw new OnnxFormatException("the model has " + m.getMetadataPropsCount() + " metadata entries, more than " + MAX_METADATA);
            }
            for (StringStringEntryProto e : m.getMetadataPropsList()) {
                meta.put(e.getKey(), e.getValue());
            }
            meta.put("format", "pt");
            meta.put(ModelSpec.METADATA_KEY, ModelSpec.toJson(model));
            meta.put(ModelSpec.INPUT_SHAPE_KEY, Arrays.toString(sample).replace(" ", ""));
            meta.put("onnx.producer", (m.getProducerName() + " " + m.getProducerVersion()).trim());
            meta.put("onnx.opset", Long.toString(opset));
            return new LoadedModel(model, sample, meta);
        } catch (OnnxFormatException | RuntimeException e) {
            model.close();
            throw e;
        }
    }

    private static long opset(ModelProto m) throws OnnxFormatException {
        Long version = null;
        for (OperatorSetIdProto o : m.getOpsetImportList()) {
            if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) {
                version = o.getVersion();
            }
        }
        if (version == null) {
            throw new OnnxFormatException("the model imports no version of the standard ONNX operator set (opset_import)");
        }
        if (version < MIN_OPSET || version > MAX_OPSET) {
            throw new OnnxFormatException("the model uses opset " + version + "; Isthmus imports opsets " + MIN_OPSET
                    + " to " + MAX_OPSET);
        }
        return version;
    }

    /** The declared shape without its first (batch) dimension; every other dimension must be a fixed size. */
    static int[] sampleShape(ValueInfoProto v, String what) throws OnnxFormatException {
        TypeProto t = v.getType();
        if (!t.hasTensorType() || !t.getTensorType().hasShape()) {
            throw new OnnxFormatException(what + " '" + v.getName() + "' declares no tensor shape; Isthmus needs it"
                    + " to build the layers");
        }
        if (t.getTensorType().getElemType() != 1) {
            throw new OnnxFormatException(what + " '" + v.getName() + "' has element type " + t.getTensorType().getElemType()
                    + "; Isthmus reads FLOAT (1) inputs");
        }
        TensorShapeProto s = t.getTensorType().getShape();
        if (s.getDimCount() < 2 || s.getDimCount() > TensorData.MAX_RANK) {
            throw new OnnxFormatException(what + " '" + v.getName() + "' has rank " + s.getDimCount()
                    + "; expected [batch, ...] of rank 2 to " + TensorData.MAX_RANK);
        }
        int[] out = new int[s.getDimCount() - 1];
        long total = 1;
        for (int i = 1; i < s.getDimCount(); i++) {
            TensorShapeProto.Dimension d = s.getDim(i);
            if (!d.hasDimValue() || d.getDimValue() < 1 || d.getDimValue() > MAX_DIM) {
                throw new OnnxFormatException(what + " '" + v.getName() + "' dimension " + i + " is "
                        + (d.hasDimValue() ? d.getDimValue() : "'" + d.getDimParam() + "'")
                        + "; every dimension but the batch must be a fixed size from 1 to " + MAX_DIM);
            }
            out[i - 1] = (int) d.getDimValue();
            total *= out[i - 1];
            if (total > MAX_SAMPLE) {
                throw new OnnxFormatException(what + " '" + v.getName() + "' has more than " + MAX_SAMPLE + " values per sample");
            }
        }
        return out;
    }

    private static void checkOutput(ValueInfoProto v, int[] got) throws OnnxFormatException {
        if (!v.getType().hasTensorType() || !v.getType().getTensorType().hasShape()) {
            return;
        }
        TensorShapeProto s = v.getType().getTensorType().getShape();
        boolean fits = s.getDimCount() == got.length;
        for (int i = 1; fits && i < got.length; i++) {
            fits = !s.getDim(i).hasDimValue() || s.getDim(i).getDimValue() == got[i];
        }
        if (!fits) {
            StringBuilder declared = new StringBuilder("[");
            for (int i = 0; i < s.getDimCount(); i++) {
                TensorShapeProto.Dimension d = s.getDim(i);
                declared.append(i == 0 ? "" : ", ").append(d.hasDimValue() ? Long.toString(d.getDimValue()) : d.getDimParam());
            }
            throw new OnnxFormatException("graph output '" + v.getName() + "' is declared " + declared + "] but the imported"
                    + " layers give " + Arrays.toString(got) + " (batch 1)");
        }
    }
}
