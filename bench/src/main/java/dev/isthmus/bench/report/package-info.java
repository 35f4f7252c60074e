/**
 * Post-processing of benchmark results into Markdown reports: {@link dev.isthmus.bench.report.GemmReport}
 * (JMH JSON plus the C program's output) and {@link dev.isthmus.bench.report.CpuPeak} (the machine's
 * theoretical FP32 peak).
 */
package dev.isthmus.bench.report;
