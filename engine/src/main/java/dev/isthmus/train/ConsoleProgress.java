package dev.isthmus.train;

import java.io.Console;
import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Shows training progress on the console: on an interactive terminal a live progress bar per epoch
 * (batches done, running loss, samples per second, ETA) drawn by {@code me.tongfei:progressbar}, followed
 * by one summary line per epoch; elsewhere (output redirected, {@code CI=true}, no console, or the
 * progressbar library not on the class path, as it is an optional dependency of the engine) only the
 * summary lines, e.g.
 * <pre>epoch 3/10  train_loss 0.2345  val_loss 0.2567  val_acc 0.9312  lr 1.0e-03  12.3 s  5,210 img/s  data-wait 0.4%</pre>
 *
 * <p>The choice can be forced with the system property {@code isthmus.progress} or the environment
 * variable {@code ISTHMUS_PROGRESS}: {@code auto} (default), {@code bar}, {@code plain} or {@code off}.
 * {@link #onBatchEnd} allocates nothing in plain mode; in bar mode it formats the bar's text at most every
 * {@value #MESSAGE_INTERVAL_MS} ms, and the library redraws on its own thread at that rate.
 */
public final class ConsoleProgress implements TrainingListener {
    /** How often the bar's text (loss, throughput) is refreshed and redrawn. */
    static final int MESSAGE_INTERVAL_MS = 250;
    private static final String BAR_CLASS = "me.tongfei.progressbar.ProgressBar";
    private static final String TERMINAL_CLASS = "org.jline.terminal.TerminalBuilder";

    /** How progress is shown. */
    public enum Mode {
        /** {@link #BAR} on an interactive terminal when the library is present, else {@link #PLAIN}. */
        AUTO,
        /** Live bar per epoch plus the summary lines (falls back to {@link #PLAIN} without the library). */
        BAR,
        /** One summary line per epoch. */
        PLAIN,
        /** Nothing. */
        OFF
    }

    private final Mode mode;
    private final PrintStream out;
    private final String unit;
    private final LongSupplier clock;
    private final BarDisplay bar;

    private int epochs;
    private long epochStart;
    private long samples;
    private double lossSum;
    private int batchesSeen;
    private long lastMessage;

    private ConsoleProgress(Mode mode, PrintStream out, String unit, LongSupplier clock, int barWidth) {
        this.mode = mode;
        this.out = out;
        this.unit = unit;
        this.clock = clock;
        this.bar = mode == Mode.BAR ? new BarDisplay(out, barWidth, MESSAGE_INTERVAL_MS) : null;
    }

    /** Progress on {@code System.out}, mode from {@code isthmus.progress} / {@code ISTHMUS_PROGRESS} (default auto). */
    public static ConsoleProgress create() {
        String setting = System.getProperty("isthmus.progress");
        if (setting == null) {
            setting = System.getenv("ISTHMUS_PROGRESS");
        }
        return create(parseMode(setting), System.out, "img/s");
    }

    /**
     * Progress on {@code out} in {@code mode}, throughput labelled {@code unit} (e.g. {@code "img/s"} or
     * {@code "samples/s"}). {@link Mode#AUTO} is resolved here.
     */
    public static ConsoleProgress create(Mode mode, PrintStream out, String unit) {
        Mode resolved = resolve(mode, isInteractive(System.console(), System.getenv()), barAvailable());
        return new ConsoleProgress(resolved, out, unit, System::nanoTime, 0);
    }

    /** For tests: a fixed mode, a fixed bar width (no terminal query) and a fake clock. */
    static ConsoleProgress forTest(Mode mode, PrintStream out, String unit, LongSupplier clock, int barWidth) {
        return new ConsoleProgress(resolve(mode, false, barAvailable()), out, unit, clock, barWidth);
    }

    /** The mode in use after resolving {@link Mode#AUTO} and checking for the library. */
    public Mode mode() {
        return mode;
    }

    static Mode parseMode(String setting) {
        if (setting == null || setting.isBlank()) {
            return Mode.AUTO;
        }
        try {
            return Mode.valueOf(setting.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("isthmus.progress / ISTHMUS_PROGRESS must be auto, bar, plain or off, got '"
                    + setting + "'");
        }
    }

    static Mode resolve(Mode requested, boolean interactive, boolean barAvailable) {
        return switch (requested) {
            case AUTO -> interactive && barAvailable ? Mode.BAR : Mode.PLAIN;
            case BAR -> barAvailable ? Mode.BAR : Mode.PLAIN;
            case PLAIN, OFF -> requested;
        };
    }

    /** A terminal a person watches: a console that is a terminal, not CI, not a dumb terminal. */
    static boolean isInteractive(Console console, Map<String, String> env) {
        String ci = env.get("CI");
        if (ci != null && !ci.isBlank() && !ci.equalsIgnoreCase("false") && !ci.equals("0")) {
            return false;
        }
        if ("dumb".equals(env.get("TERM"))) {
            return false;
        }
        // Since JDK 22 System.console() is non-null even when redirected; isTerminal() tells the difference.
        return console != null && console.isTerminal();
    }

    /** Whether the optional progressbar library (and the jline it needs) can be loaded. */
    static boolean barAvailable() {
        ClassLoader loader = ConsoleProgress.class.getClassLoader();
        try {
            Class.forName(BAR_CLASS, false, loader);
            Class.forName(TERMINAL_CLASS, false, loader);
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    // ---------------------------------------------------------------- callbacks

    @Override
    public void onTrainStart(int epochs) {
        this.epochs = epochs;
    }

    @Override
    public void onEpochStart(int epoch, int epochs, int batches) {
        this.epochs = epochs;
        epochStart = clock.getAsLong();
        lastMessage = epochStart;
        samples = 0;
        lossSum = 0;
        batchesSeen = 0;
        if (bar != null) {
            bar.start(epochLabel(epoch, epochs), batches);
        }
    }

    @Override
    public void onBatchEnd(int batch, int batchSize, double loss) {
        samples += batchSize;
        lossSum += loss;
        batchesSeen++;
        if (bar == null) {
            return;
        }
        bar.stepTo(batch);
        long now = clock.getAsLong();
        if (now - lastMessage >= MESSAGE_INTERVAL_MS * 1_000_000L) {
            lastMessage = now;
            bar.message(batchMessage(now));
        }
    }

    private String batchMessage(long now) {
        double seconds = (now - epochStart) / 1e9;
        return String.format(Locale.ROOT, "loss %s  %,.0f %s", number(lossSum / batchesSeen),
                seconds > 0 ? samples / seconds : 0.0, unit);
    }

    @Override
    public void onEpochEnd(EpochRecord record) {
        if (mode == Mode.OFF) {
            return;
        }
        if (bar != null) {
            bar.finish();
        }
        out.println(epochLine(record, epochs, unit));
        out.flush();
    }

    @Override
    public void onTrainEnd() {
        if (bar != null) {
            bar.finish();
        }
    }

    /** Number of bar redraw texts formatted so far (tests check the throttle). */
    int messagesFormatted() {
        return bar == null ? 0 : bar.messages();
    }

    // ---------------------------------------------------------------- text

    private static String epochLabel(int epoch, int epochs) {
        return epochs > 0 ? "epoch " + epoch + "/" + epochs : "epoch " + epoch;
    }

    /**
     * The one-line summary of an epoch: losses and metrics (NaN ones left out), learning rate, duration,
     * throughput in {@code unit} and the share of time spent waiting for data.
     *
     * @param epochs total epochs for "3/10", or {@code <= 0} to print the epoch alone
     */
    public static String epochLine(EpochRecord r, int epochs, String unit) {
        StringBuilder sb = new StringBuilder(epochLabel(r.epoch(), epochs));
        field(sb, "train_loss", r.trainLoss());
        field(sb, "val_loss", r.valLoss());
        for (Map.Entry<String, Double> m : r.metrics().entrySet()) {
            field(sb, m.getKey(), m.getValue());
        }
        if (!Double.isNaN(r.learningRate())) {
            sb.append(String.format(Locale.ROOT, "  lr %.1e", r.learningRate()));
        }
        if (!Double.isNaN(r.seconds())) {
            sb.append(String.format(Locale.ROOT, "  %.1f s", r.seconds()));
        }
        if (!Double.isNaN(r.samplesPerSecond())) {
            sb.append(String.format(Locale.ROOT, "  %,.0f %s", r.samplesPerSecond(), unit));
        }
        double wait = r.dataWaitFraction();
        if (!Double.isNaN(wait)) {
            sb.append(String.format(Locale.ROOT, "  data-wait %.1f%%", wait * 100));
        }
        return sb.toString();
    }

    private static void field(StringBuilder sb, String name, double v) {
        if (!Double.isNaN(v)) {
            sb.append("  ").append(name).append(' ').append(number(v));
        }
    }

    /** Four decimals, or scientific notation for magnitudes where that would print only zeros. */
    static String number(double v) {
        double a = Math.abs(v);
        return a != 0 && (a < 1e-3 || a >= 1e6) ? String.format(Locale.ROOT, "%.3e", v)
                : String.format(Locale.ROOT, "%.4f", v);
    }
}
