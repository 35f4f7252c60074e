package dev.isthmus.cli;

import dev.isthmus.io.SafeTensors;
import dev.isthmus.models.CourseModels;
import dev.isthmus.nn.Layer;
import dev.isthmus.nn.ModelLoader;
import dev.isthmus.nn.ModelSpec;
import dev.isthmus.tensor.Tensor;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The model file of {@code eval} and {@code predict} (their first argument, CHECKPOINT) and their
 * {@code --arch NAME} / {@code --arch-json FILE}, one picocli mixin: the architecture of a weights file that
 * does not describe itself, such as a PyTorch {@code state_dict} saved as safetensors. The
 * file must hold exactly the model's parameters under PyTorch's names with PyTorch's shapes; otherwise the
 * error names the first mismatching key and both shapes. Without either option the file's own metadata
 * (written by {@code isthmus train}) describes the model.
 */
final class ModelSource {
    private static final int[] IMAGE_28 = {1, 28, 28};

    @Parameters(index = "0", paramLabel = "CHECKPOINT", description = "A model.safetensors or checkpoint.safetensors written by 'isthmus train', or a state_dict with --arch/--arch-json.")
    Path file;

    @Option(names = "--arch", paramLabel = "NAME",
            description = "The file holds a state_dict of this built-in model (no Isthmus metadata needed): mlp, lenet5, alexnet, alexnet-small, calculator.")
    String arch;

    @Option(names = "--arch-json", paramLabel = "FILE",
            description = "The file holds a state_dict of the Sequential this ModelSpec JSON describes (optional \"input_shape\", default [1, 28, 28]).")
    Path archJson;

    /** The model in CHECKPOINT, described by --arch/--arch-json or, without them, by the file itself. */
    ModelFile.Loaded load() throws IOException {
        return load(file);
    }

    /** The model in {@code file}, described by these options or, without them, by the file itself. */
    ModelFile.Loaded load(Path file) throws IOException {
        if (arch == null && archJson == null) {
            return ModelFile.load(file);
        }
        if (arch != null && archJson != null) {
            throw new CliException("give --arch or --arch-json, not both");
        }
        if (!Files.isRegularFile(file)) {
            throw new CliException("model file not found: " + file);
        }
        SafeTensors.Header header = SafeTensors.readHeader(file);
        Map<String, int[]> shapes = new LinkedHashMap<>();
        header.entries().forEach(e -> shapes.put(e.name(), e.shape()));
        Map<String, String> meta = new LinkedHashMap<>(header.metadata());
        String what;
        Layer model;
        int[] inputShape;
        if (arch != null) {
            ModelKind kind = ModelKind.parse(arch);
            if (kind == null) {
                throw new CliException("unknown --arch '" + arch + "'; known models: " + ModelKind.names());
            }
            what = "--arch " + kind.cliName;
            model = build(kind, 10);
            int classes = outputsInFile(model, shapes);
            if (classes > 0 && kind != ModelKind.CALCULATOR) {
                model.close();
                model = build(kind, classes);
            }
            inputShape = kind.inputShape;
            meta.put(ModelFile.MODEL, kind.cliName);
            meta.put(ModelFile.TASK, kind == ModelKind.CALCULATOR ? "regression" : "classification");
        } else {
            what = "--arch-json " + archJson;
            if (!Files.isRegularFile(archJson)) {
                throw new CliException("--arch-json file not found: " + archJson);
            }
            ModelSpec spec;
            try {
                spec = ModelSpec.parse(Files.readString(archJson));
            } catch (IllegalArgumentException e) {
                throw new CliException(archJson + ": " + e.getMessage(), e);
            }
            inputShape = spec.inputShape() != null ? spec.inputShape() : IMAGE_28;
            // Shapes compared before the network is built: a hostile spec must not allocate first.
            ModelLoader.check(file, header, spec.plan().parameterShapes(), false);
            model = spec.build();
            meta.put(ModelFile.MODEL, archJson.getFileName().toString());
            meta.putIfAbsent(ModelFile.TASK, "classification");
        }
        try {
            checkStrict(file, what, shapes, model.stateDict());
            SafeTensors.loadInto(file, model.stateDict(), true);
            meta.put(ModelSpec.METADATA_KEY, ModelSpec.toJson(model));
            meta.put(ModelSpec.INPUT_SHAPE_KEY, ModelFile.json(inputShape));
            model.eval();
            return new ModelFile.Loaded(model, meta);
        } catch (IOException | RuntimeException e) {
            model.close();
            throw e;
        }
    }

    private static Layer build(ModelKind kind, int classes) {
        return kind.build(classes, 0, 16, 3, CourseModels.Activation.RELU);
    }

    /** The output count of the file's last layer when only it differs from the model's (another class count), else 0. */
    private static int outputsInFile(Layer model, Map<String, int[]> file) {
        List<Map.Entry<String, Tensor>> params = List.copyOf(model.stateDict().entrySet());
        for (int i = params.size() - 1; i >= Math.max(0, params.size() - 2); i--) {
            int[] f = file.get(params.get(i).getKey());
            int[] m = params.get(i).getValue().shape();
            if (f != null && f.length == m.length && f.length > 0 && f[0] != m[0]
                    && Arrays.equals(Arrays.copyOfRange(f, 1, f.length), Arrays.copyOfRange(m, 1, m.length))) {
                return f[0];
            }
        }
        return 0;
    }

    /** One line naming the first key that differs, in model order, with both shapes. */
    static void checkStrict(Path file, String what, Map<String, int[]> fileShapes, Map<String, Tensor> params) {
        for (Map.Entry<String, Tensor> p : params.entrySet()) {
            int[] f = fileShapes.get(p.getKey());
            if (f == null) {
                String other = fileShapes.keySet().stream().filter(k -> !params.containsKey(k)).findFirst().orElse(null);
                throw new CliException(file + " does not match " + what + ": it has no tensor '" + p.getKey() + "' (the model expects "
                        + p.getValue().shapeString() + ")" + (other == null ? "" : "; its first other tensor is '" + other + "' "
                        + Arrays.toString(fileShapes.get(other))));
            }
            if (!p.getValue().hasShape(f)) {
                throw new CliException(file + " does not match " + what + ": tensor '" + p.getKey() + "' is " + Arrays.toString(f)
                        + " in the file, the model expects " + p.getValue().shapeString());
            }
        }
        for (Map.Entry<String, int[]> f : fileShapes.entrySet()) {
            if (!params.containsKey(f.getKey())) {
                throw new CliException(file + " does not match " + what + ": tensor '" + f.getKey() + "' "
                        + Arrays.toString(f.getValue()) + " is not a parameter of the model");
            }
        }
    }
}
