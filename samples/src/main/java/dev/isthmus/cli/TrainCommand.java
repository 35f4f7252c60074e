package dev.isthmus.cli;

import dev.isthmus.data.DataLoader;
import dev.isthmus.data.Dataset;
import dev.isthmus.data.ImageAugment;
import dev.isthmus.loss.CrossEntropyLoss;
import dev.isthmus.loss.Loss;
import dev.isthmus.loss.MSELoss;
import dev.isthmus.models.CourseModels;
import dev.isthmus.nn.Sequential;
import dev.isthmus.optim.Adam;
import dev.isthmus.optim.CosineAnnealingLR;
import dev.isthmus.optim.AdamW;
import dev.isthmus.optim.Optimizer;
import dev.isthmus.optim.SGD;
import dev.isthmus.kernel.Engine;
import dev.isthmus.train.ConsoleProgress;
import dev.isthmus.train.EarlyStopping;
import dev.isthmus.train.EpochRecord;
import dev.isthmus.train.History;
import dev.isthmus.train.Plots;
import dev.isthmus.train.Trainer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code isthmus train MODEL}: trains one of the course's models with progress, then writes the model file, the
 * resumable checkpoint, the history (CSV and JSON), the plots and a metrics report into the run directory.
 */
@Command(name = "train", description = "Train a course model (calculator, mlp, lenet5, alexnet-small) and write its artefacts.")
final class TrainCommand implements Callable<Integer> {

    /** Optimizers the CLI offers. */
    enum Opt { SGD, ADAM, ADAMW }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL", converter = ModelKind.Converter.class,
            description = "calculator, mlp, lenet5, alexnet-small (alexnet needs 224x224x3 data)")
    ModelKind model;

    @Option(names = "--data", paramLabel = "DIR", description = "IDX directory, 'fashion-mnist' (" + ImageData.FASHION_DIR
            + "), or omitted: the bundled MNIST subset.")
    String data;

    @Option(names = "--epochs", description = "Epochs (default: per model; 10 for images, 40 for the calculator).")
    Integer epochs;

    @Option(names = "--batch", description = "Mini-batch size (default: 64; mlp and calculator 32).")
    Integer batch;

    @Option(names = "--optimizer", description = "sgd, adam or adamw (default: ${DEFAULT-VALUE}).", defaultValue = "adam",
            converter = OptConverter.class)
    Opt optimizer;

    @Option(names = "--lr", description = "Learning rate (default: 1e-3; mlp and lenet5 2e-3).")
    Double lr;

    @Option(names = "--schedule", description = "Learning-rate schedule: cosine (annealed to 0 over the epochs) or none "
            + "(default: ${DEFAULT-VALUE}).", defaultValue = "cosine")
    String schedule;

    @Option(names = "--momentum", description = "SGD momentum (default: ${DEFAULT-VALUE}).", defaultValue = "0.9")
    double momentum;

    @Option(names = "--seed", description = "Seed of initialisation, shuffling, augmentation and dropout (default: ${DEFAULT-VALUE}).",
            defaultValue = "1")
    long seed;

    @Option(names = "--out", paramLabel = "DIR", description = "Run directory (default: runs/<model>-<timestamp>).")
    Path out;

    @Option(names = "--threads", description = "Thread budget (default: available processors).")
    Integer threads;

    @Option(names = "--patience", description = "Early stopping on validation loss after P epochs without improvement (0: off).",
            defaultValue = "0")
    int patience;

    @Option(names = "--resume", paramLabel = "CHECKPOINT", description = "Continue a run from its checkpoint.safetensors.")
    Path resume;

    @Option(names = "--augment", negatable = true, description = "Random crop (pad 2) and translation (1 px); default on for alexnet-small.")
    Boolean augment;

    @Option(names = "--normalize", paramLabel = "unit|standard", converter = ScalingConverter.class,
            description = "Image pixels: unit (byte / 255, in [0, 1]) or standard ((x - mean) / std, one mean and std over "
                    + "all pixels of the training split, saved with the model; default: standard for mlp, unit otherwise).")
    ImageData.Scaling normalize;

    @Option(names = "--flip", description = "Also flip images horizontally (for Fashion-MNIST; off for digits).")
    boolean flip;

    @Option(names = "--width", description = "Calculator: hidden width (default: ${DEFAULT-VALUE}).", defaultValue = "16")
    int width;

    @Option(names = "--depth", description = "Calculator: hidden layers (default: ${DEFAULT-VALUE}).", defaultValue = "3")
    int depth;

    @Option(names = "--activation", description = "Calculator: relu, tanh, leaky-relu or sigmoid (default: ${DEFAULT-VALUE}).",
            defaultValue = "relu")
    String activation;

    @Option(names = "--op", description = "Calculator: add or mul (default: ${DEFAULT-VALUE}).", defaultValue = "add")
    String op;

    @Option(names = "--range", description = "Calculator: integer range LOW..HIGH (default: ${DEFAULT-VALUE}).", defaultValue = "0..100")
    String range;

    @Option(names = "--samples", description = "Calculator: pairs generated (default: ${DEFAULT-VALUE}).", defaultValue = "5000")
    int samples;

    @Option(names = "--limit", hidden = true, description = "Cap every split at N samples (quick runs and tests).", defaultValue = "0")
    int limit;

    @Mixin
    Verbose verbose = new Verbose();

    static final class OptConverter implements CommandLine.ITypeConverter<Opt> {
        @Override
        public Opt convert(String v) {
            try {
                return Opt.valueOf(v.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException("unknown optimizer '" + v + "'; use sgd, adam or adamw");
            }
        }
    }

    static final class ScalingConverter implements CommandLine.ITypeConverter<ImageData.Scaling> {
        @Override
        public ImageData.Scaling convert(String v) {
            ImageData.Scaling s = ImageData.Scaling.parse(v);
            if (s == null) {
                throw new CommandLine.TypeConversionException("unknown --normalize '" + v + "'; use unit or standard");
            }
            return s;
        }
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }

    /** What a finished run produced (for the tests). */
    record Result(Path dir, Path modelFile, History history, Reports.Classification classification,
                  Reports.Regression regression, Reports.Regression unseen) {
    }

    Result lastResult;
    private boolean cosine;

    @Override
    public Integer call() throws Exception {
        int ep = epochs != null ? epochs : model.defaultEpochs;
        int b = batch != null ? batch : model.defaultBatch;
        double rate = lr != null ? lr : model.defaultLr;
        if (ep < 1) {
            throw usage("--epochs must be >= 1, got " + ep);
        }
        if (b < 1) {
            throw usage("--batch must be >= 1, got " + b);
        }
        Usage.range(spec, "--batch", b, 1, Usage.MAX_BATCH);
        Usage.range(spec, "--epochs", ep, 1, 1_000_000);
        Usage.range(spec, "--samples", samples, 10, CalculatorData.MAX_SAMPLES);
        Usage.range(spec, "--width", width, 1, 1 << 16);
        Usage.range(spec, "--depth", depth, 1, 1_000);
        Usage.range(spec, "--limit", limit, 0, Integer.MAX_VALUE);
        if (!(rate > 0) || Double.isInfinite(rate)) {
            throw usage("--lr must be a positive number, got " + rate);
        }
        cosine = switch (schedule.trim().toLowerCase(Locale.ROOT)) {
            case "cosine" -> true;
            case "none", "constant" -> false;
            default -> throw usage("unknown --schedule '" + schedule + "'; use cosine or none");
        };
        if (patience < 0) {
            throw usage("--patience must be >= 0, got " + patience);
        }
        if (threads != null) {
            if (threads < 1) {
                throw usage("--threads must be >= 1, got " + threads);
            }
            Engine.configure(threads, Engine.Backend.valueOf(System.getProperty("isthmus.backend", "auto").toUpperCase(Locale.ROOT)));
        }
        if (model == ModelKind.ALEXNET) {
            throw new CliException("alexnet expects 224x224x3 images and the data here are 28x28x1; train alexnet-small "
                    + "(AlexNet's pattern at 28x28) or see 'isthmus summary alexnet'");
        }
        CourseModels.Activation act;
        try {
            act = CourseModels.Activation.parse(activation);
        } catch (IllegalArgumentException e) {
            throw usage("unknown --activation '" + activation + "'; use relu, tanh, leaky-relu or sigmoid");
        }
        Path dir = out != null ? out : resume != null ? resume.toAbsolutePath().getParent()
                : Path.of("runs", model.cliName + "-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        if (resume != null && !Files.isRegularFile(resume)) {
            throw new CliException("checkpoint to resume not found: " + resume);
        }
        Usage.runDirectory(dir);

        if (model == ModelKind.CALCULATOR) {
            if (normalize != null) {
                throw usage("--normalize applies to image models; the calculator min-max scales its inputs on the training split");
            }
            CalculatorData.Config cfg = new CalculatorData.Config(parseOp(), lowHigh()[0], lowHigh()[1], samples, seed);
            try (CalculatorData d = CalculatorData.generate(cfg, limit);
                 Sequential net = model.build(0, seed, width, depth, act)) {
                Map<String, String> meta = ModelFile.metadata(model, net, model.inputShape, null, null, null, d);
                System.out.printf(Locale.ROOT, "calculator: %s of integers in %d..%d, %d train / %d val / %d test pairs, "
                                + "inputs and target min-max scaled to [0, 1] on the training split%n",
                        cfg.op().name().toLowerCase(Locale.ROOT), cfg.low(), cfg.high(), d.train.size(), d.val.size(), d.test.size());
                return run(net, new MSELoss(), d.train, d.val, d.test, null, d, meta, dir, ep, b, rate, false);
            }
        }
        ImageData.Scaling scaling = normalize != null ? normalize : model.defaultScaling;
        try (ImageData d = ImageData.load(data, limit, scaling);
             Sequential net = model.build(d.numClasses(), seed, width, depth, act)) {
            Map<String, String> meta = ModelFile.metadata(model, net, model.inputShape, d.classNames(), d.spec(), d.pixelScaler(), null);
            System.out.println("data: " + d.description());
            boolean aug = augment != null ? augment : model == ModelKind.ALEXNET_SMALL;
            return run(net, new CrossEntropyLoss(), d.train(), d.val(), d.test(), d, null, meta, dir, ep, b, rate, aug);
        }
    }

    private CalculatorData.Op parseOp() {
        return switch (op.trim().toLowerCase(Locale.ROOT)) {
            case "add", "sum", "+" -> CalculatorData.Op.ADD;
            case "mul", "product", "*" -> CalculatorData.Op.MUL;
            default -> throw usage("unknown --op '" + op + "'; use add or mul");
        };
    }

    private int[] lowHigh() {
        String[] p = range.split("\\.\\.");
        try {
            if (p.length == 2) {
                int lo = Integer.parseInt(p[0].trim());
                int hi = Integer.parseInt(p[1].trim());
                if (lo < hi) {
                    return new int[]{lo, hi};
                }
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw usage("--range must be LOW..HIGH with LOW < HIGH, got '" + range + "'");
    }

    private Optimizer optimizer(Sequential net, double rate) {
        return switch (optimizer) {
            case SGD -> SGD.builder(net.parameters(), rate).momentum(momentum).build();
            case ADAM -> new Adam(net.parameters(), rate);
            case ADAMW -> new AdamW(net.parameters(), rate);
        };
    }

    private int run(Sequential net, Loss loss, Dataset train, Dataset val, Dataset test, ImageData images, CalculatorData calc,
                    Map<String, String> meta, Path dir, int ep, int b, double rate, boolean aug) throws IOException {
        Files.createDirectories(dir);
        Path checkpoint = dir.resolve("checkpoint.safetensors");
        Optimizer opt = optimizer(net, rate);
        Trainer.Builder tb = Trainer.builder(net, loss, opt).epochs(ep).seed(seed)
                .listener(progress(calc != null)).checkpoint(checkpoint).historyFile(dir.resolve("history.json")).architecture(meta);
        if (cosine) {
            tb.scheduler(new CosineAnnealingLR(opt, ep));
        }
        if (calc != null) {
            tb.regression();
        } else {
            tb.classification(images.numClasses());
        }
        if (patience > 0) {
            tb.earlyStopping(EarlyStopping.onValidationLoss(patience));
        }
        Trainer trainer = tb.build();
        if (resume != null) {
            trainer.resumeFrom(resume);
            System.out.println("resumed from " + resume + " after epoch " + trainer.history().lastEpoch());
        }
        System.out.printf(Locale.ROOT, "model %s: %,d parameters; %s lr %.3g, batch %d, %d epochs, seed %d%s; %d threads%n",
                model.cliName, net.parameterCount(), optimizer.name().toLowerCase(Locale.ROOT) + (cosine ? " (cosine)" : ""), rate, b, ep, seed,
                aug ? ", augmentation (crop pad 2, translate 1" + (flip ? ", flip" : "") + ")" : "",
                Engine.get().threads().threads());
        DataLoader.Builder lb = DataLoader.builder(train).batchSize(b).shuffle(true).seed(seed);
        if (aug) {
            ImageAugment.Builder ab = ImageAugment.builder().randomCrop(2).translate(1);
            if (flip) {
                ab.horizontalFlip(0.5);
            }
            lb.transform(ab.build());
        }
        History history;
        try (trainer; DataLoader trainLoader = lb.build();
             DataLoader valLoader = DataLoader.builder(val).batchSize(Math.max(b, 256)).build()) {
            history = trainer.fit(trainLoader, valLoader);
        }
        Path modelFile = dir.resolve("model.safetensors");
        ModelFile.save(modelFile, net, meta);
        history.saveCsv(dir.resolve("history.csv"));
        history.saveJson(dir.resolve("history.json"));

        double trainSeconds = 0;
        double samplesPerSec = 0;
        for (EpochRecord r : history.records()) {
            trainSeconds += r.seconds();
            samplesPerSec += r.samplesPerSecond();
        }
        samplesPerSec /= Math.max(1, history.size());
        StringBuilder report = new StringBuilder();
        report.append("isthmus train ").append(model.cliName).append('\n');
        report.append(String.format(Locale.ROOT, "model: %s, %,d parameters; optimizer %s, lr %.3g, batch %d, epochs %d (ran %d)%s, seed %d%n",
                model.cliName, net.parameterCount(), optimizer.name().toLowerCase(Locale.ROOT) + (cosine ? " (cosine schedule)" : ""), rate, b, ep, history.lastEpoch(),
                trainer.stoppedEarly() ? ", stopped early (best epoch " + trainer.bestEpoch() + ")" : "", seed));
        report.append(String.format(Locale.ROOT, "training time: %.1f s; %,.0f %s/s; %d threads, %s%n", trainSeconds, samplesPerSec,
                calc != null ? "samples" : "images", Engine.get().threads().threads(), Engine.get().gemm().name()));
        Result result;
        if (calc != null) {
            Reports.Regression r = Reports.regress(net, test, calc.yScaler, b);
            float[][] unseen = calc.unseenRange(Math.max(200, test.size()));
            Reports.Regression g;
            try (var ds = CalculatorData.dataset(unseen, calc.xScaler, calc.yScaler)) {
                g = Reports.regress(net, ds, calc.yScaler, b);
            }
            int span = calc.config.high() - calc.config.low();
            report.append(String.format(Locale.ROOT, "data: %s of integers in %d..%d; %d train / %d val / %d test; min-max scaled%n",
                    calc.config.op().name().toLowerCase(Locale.ROOT), calc.config.low(), calc.config.high(),
                    train.size(), val.size(), test.size()));
            report.append(r.line("test (original units)")).append('\n');
            report.append(g.line(String.format(Locale.ROOT, "generalisation to %d..%d (never seen)", calc.config.high(),
                    calc.config.high() + span))).append('\n');
            report.append(Reports.latency(r.perBatch(), r.perSample(), b));
            if (Plots.available()) {
                Plots.predictionsVsTruth(r.truth(), r.predicted(), dir.resolve("predictions-vs-truth.png"));
            }
            result = new Result(dir, modelFile, history, null, r, g);
        } else {
            Reports.Classification c = Reports.classify(net, test, images.classNames(), b);
            report.append("data: ").append(images.description()).append('\n');
            report.append(c.text());
            report.append("\nclass distribution\n").append(images.distribution());
            if (Plots.available()) {
                Plots.metricCurves(history, dir.resolve("accuracy.png"), "val_acc");
            }
            result = new Result(dir, modelFile, history, c, null, null);
        }
        if (Plots.available()) {
            Plots.lossCurves(history, dir.resolve("loss.png"));
        }
        report.append("\nfiles: model.safetensors, checkpoint.safetensors, history.csv, history.json, loss.png, ")
                .append(calc != null ? "predictions-vs-truth.png" : "accuracy.png").append(", metrics.txt in ").append(dir).append('\n');
        Files.writeString(dir.resolve("metrics.txt"), report, StandardCharsets.UTF_8);
        System.out.println();
        System.out.print(report);
        lastResult = result;
        return 0;
    }

    /** Progress as {@link ConsoleProgress#create()} chooses it, throughput in samples/s for the calculator. */
    private static ConsoleProgress progress(boolean samples) {
        if (!samples) {
            return ConsoleProgress.create();
        }
        String setting = System.getProperty("isthmus.progress", System.getenv("ISTHMUS_PROGRESS"));
        ConsoleProgress.Mode mode = ConsoleProgress.Mode.AUTO;
        if (setting != null) {
            try {
                mode = ConsoleProgress.Mode.valueOf(setting.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException ignored) {
                // ConsoleProgress.create() reports unknown settings; auto here
            }
        }
        return ConsoleProgress.create(mode, System.out, "samples/s");
    }
}
