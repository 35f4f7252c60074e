package dev.isthmus.bench.suite;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Progress of a run: called before each step ({@code done} of {@code total} finished) and after it with the
 * row's one-line summary. {@link #bar(PrintStream, boolean)} draws a text progress bar.
 */
public interface Progress {

    /** A step is starting. */
    void starting(int done, int total, String label);

    /** A row was recorded. */
    void recorded(Row row, String summary);

    /** No output. */
    static Progress none() {
        return new Progress() {
            @Override
            public void starting(int done, int total, String label) {
            }

            @Override
            public void recorded(Row row, String summary) {
            }
        };
    }

    /**
     * A bar on {@code out}: redrawn in place on a terminal ({@code live}), else one line per finished row.
     * Each finished row also prints its summary line.
     */
    static Progress bar(PrintStream out, boolean live) {
        return new Progress() {
            private String bar = "";

            @Override
            public void starting(int done, int total, String label) {
                int width = 30;
                int filled = total == 0 ? width : Math.min(width, done * width / total);
                bar = String.format(Locale.ROOT, "[%s%s] %3d%% %s", "#".repeat(filled), ".".repeat(width - filled),
                        total == 0 ? 100 : done * 100 / total, label);
                if (live) {
                    out.print("\r\033[K" + bar);
                    out.flush();
                }
            }

            @Override
            public void recorded(Row row, String summary) {
                if (live) {
                    out.print("\r\033[K");
                }
                out.println(summary);
                if (live) {
                    out.print(bar);
                    out.flush();
                }
            }
        };
    }
}
