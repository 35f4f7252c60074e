/**
 * Measuring and reporting training: classification metrics ({@link dev.isthmus.train.ConfusionMatrix}),
 * regression metrics ({@link dev.isthmus.train.RegressionMetrics}), timing
 * ({@link dev.isthmus.train.Stopwatch}, {@link dev.isthmus.train.LatencyRecorder}), the per-epoch
 * {@link dev.isthmus.train.History} saved as CSV or JSON, PNG {@link dev.isthmus.train.Plots}, and progress
 * display through {@link dev.isthmus.train.TrainingListener} ({@link dev.isthmus.train.ConsoleProgress}).
 *
 * <p>Two dependencies are optional in the engine's POM, so applications that do not need them do not
 * carry them: {@code org.jfree:jfreechart:1.5.5} for plots (without it {@code Plots} throws saying what to
 * add) and {@code me.tongfei:progressbar:0.10.1} for the terminal progress bar (without it progress is
 * shown as plain per-epoch lines). An application that wants either declares it itself, as the samples do.
 */
package dev.isthmus.train;
