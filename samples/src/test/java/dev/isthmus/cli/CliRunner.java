package dev.isthmus.cli;

import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Runs the isthmus command line in-process with stdout and stderr captured. */
final class CliRunner {
    record Run(int code, String out, String err, CommandLine cl) {
        @SuppressWarnings("unchecked")
        <T> T command(String name) {
            return (T) cl.getSubcommands().get(name).getCommand();
        }
    }

    private CliRunner() {
    }

    static synchronized Run run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        String oldProgress = System.getProperty("isthmus.progress");
        System.setProperty("isthmus.progress", "plain");
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            System.setOut(o);
            System.setErr(e);
            CommandLine cl = IsthmusCli.commandLine();
            int code = cl.execute(args);
            o.flush();
            e.flush();
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8), cl);
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
            if (oldProgress == null) {
                System.clearProperty("isthmus.progress");
            } else {
                System.setProperty("isthmus.progress", oldProgress);
            }
        }
    }
}
