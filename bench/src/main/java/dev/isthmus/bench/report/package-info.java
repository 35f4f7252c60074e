/**
 * Post-processing of benchmark results into Markdown reports: {@link dev.isthmus.bench.report.GemmReport}
 * (the command: JMH JSON plus the C program's output are read into {@code GemmResults} and rendered by
 * {@code GemmMarkdown}) and {@link dev.isthmus.bench.report.CpuPeak} (the machine's
 * theoretical FP32 peak).
 */
package dev.isthmus.bench.report;
