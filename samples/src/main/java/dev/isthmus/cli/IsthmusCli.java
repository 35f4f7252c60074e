package dev.isthmus.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code isthmus} command: one subcommand per task. Exit status 0 on success, 2 on a usage error (picocli's),
 * 1 when the data or a file is bad, with a one-line reason on stderr (the stack trace too with {@code --verbose}).
 */
@Command(name = "isthmus", mixinStandardHelpOptions = true, version = "isthmus 0.1.0",
        description = "A deep-learning engine for the JVM that is fast on CPUs.",
        subcommands = {InfoCommand.class, SummaryCommand.class, TrainCommand.class, EvalCommand.class,
                PredictCommand.class, BenchCommand.class, ImportCommand.class, ExportCommand.class})
public final class IsthmusCli implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line with the error handling above; tests run it in-process. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new IsthmusCli());
        cl.setExecutionExceptionHandler((ex, cmd, parseResult) -> {
            String name = cmd.getCommandSpec().qualifiedName();
            System.err.println(name + ": " + reason(ex));
            if (parseResult.expandedArgs().contains("--verbose")) {
                ex.printStackTrace(System.err);
            }
            return 1;
        });
        return cl;
    }

    /** One line saying what went wrong, from the exception and its causes. */
    static String reason(Throwable ex) {
        Throwable t = ex;
        if (t instanceof java.io.UncheckedIOException && t.getCause() != null) {
            t = t.getCause();
        }
        String msg = t.getMessage();
        if (t instanceof java.nio.file.NoSuchFileException n) {
            msg = "file not found: " + n.getFile();
        } else if (t instanceof java.nio.file.AccessDeniedException a) {
            msg = "permission denied: " + a.getFile();
        } else if (msg == null || msg.isBlank()) {
            msg = t.getClass().getSimpleName();
        } else if (!(t instanceof CliException) && !(t instanceof java.io.IOException) && !(t instanceof IllegalArgumentException)) {
            msg = t.getClass().getSimpleName() + ": " + msg;
        }
        return msg.replace('\n', ' ');
    }
}
