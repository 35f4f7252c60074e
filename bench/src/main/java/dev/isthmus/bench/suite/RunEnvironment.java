package dev.isthmus.bench.suite;

/**
 * What the machine was doing during the run: load averages, wall and CPU seconds, and the CPU time other
 * processes took ({@link SystemLoad}), so a reader can tell a slow machine from a busy one.
 *
 * @param load1Start      1-minute load average at the start
 * @param load1End        at the end
 * @param load1Max        the highest seen between rows
 * @param wallSeconds     the run's duration
 * @param ownCpuSeconds   CPU seconds this JVM used
 * @param otherCpuSeconds CPU seconds every other process used
 * @param otherCpuShare   {@code otherCpuSeconds / (wallSeconds x logical CPUs)}
 * @param stealSeconds    seconds the hypervisor gave our CPUs to other guests
 */
public record RunEnvironment(Double load1Start, Double load1End, Double load1Max, double wallSeconds,
                             Double ownCpuSeconds, Double otherCpuSeconds, Double otherCpuShare, Double stealSeconds) {
}
