package dev.isthmus.cli;

import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/**
 * {@code isthmus bench}: the end-to-end benchmark belongs to the bench module ({@code dev.isthmus.bench.e2e}),
 * which this build of the CLI does not include yet; until it is wired in, the command says where the JMH
 * benchmarks are and exits with status 1 (it measured nothing).
 */
@Command(name = "bench", description = "End-to-end benchmark (not wired into the CLI yet; see bench/).")
final class BenchCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.err.println("isthmus bench: the end-to-end benchmark harness (dev.isthmus.bench.e2e) is not part of this build "
                + "yet; run the JMH benchmarks with 'mvn -B -pl bench -am package' and see bench/");
        return 1;
    }
}
