package dev.isthmus.train;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.PrintStream;

/**
 * The live bar behind {@link ConsoleProgress}, the only class that touches the optional progressbar
 * library: it is loaded only once the library is known to be present.
 */
final class BarDisplay {
    private final PrintStream out;
    private final int width;
    private final int intervalMs;
    private ProgressBar bar;
    private int messages;

    /** {@code width <= 0}: as wide as the terminal. */
    BarDisplay(PrintStream out, int width, int intervalMs) {
        this.out = out;
        this.width = width;
        this.intervalMs = intervalMs;
    }

    void start(String task, int batches) {
        finish();
        ProgressBarBuilder b = new ProgressBarBuilder()
                .setTaskName(task)
                .setInitialMax(batches > 0 ? batches : -1)
                .setStyle(ProgressBarStyle.UNICODE_BLOCK)
                .setUpdateIntervalMillis(intervalMs)
                .setConsumer(width > 0 ? new SameLineConsumer(out, width) : new SameLineConsumer(out))
                .clearDisplayOnFinish();
        bar = b.build();
    }

    void stepTo(long batch) {
        bar.stepTo(batch);
    }

    void message(String text) {
        messages++;
        bar.setExtraMessage(text);
    }

    int messages() {
        return messages;
    }

    /**
     * The library's console consumer, except that closing leaves the cursor at the start of the cleared
     * bar line instead of printing a new line, so the epoch's summary line replaces the bar.
     */
    private static final class SameLineConsumer extends ConsoleProgressBarConsumer {
        private final PrintStream out;

        SameLineConsumer(PrintStream out) {
            super(out);
            this.out = out;
        }

        SameLineConsumer(PrintStream out, int width) {
            super(out, width);
            this.out = out;
        }

        @Override
        public void close() {
            out.print('\r');
            out.flush();
        }
    }

    /** Closes the bar, clearing its line so the epoch's summary line takes its place. */
    void finish() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }
}
