package dev.isthmus.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code isthmus} command: one subcommand per task (info for now; training comes with the projects). */
@Command(name = "isthmus", mixinStandardHelpOptions = true, version = "isthmus 0.1.0",
        description = "A deep-learning engine for the JVM that is fast on CPUs.",
        subcommands = {InfoCommand.class})
public final class IsthmusCli implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        int code = new CommandLine(new IsthmusCli()).execute(args);
        System.exit(code);
    }
}
