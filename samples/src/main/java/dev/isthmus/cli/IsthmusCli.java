package dev.isthmus.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.util.List;

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
        System.exit(run(args));
    }

    /**
     * Runs the command line and returns its exit status; whatever is thrown, {@link Error}s such as
     * {@link OutOfMemoryError} included, ends as one line on stderr and status 1 (the trace too with {@code --verbose}).
     */
    public static int run(String... args) {
        try {
            return commandLine().execute(args);
        } catch (Throwable t) {
            return report("isthmus", t, java.util.Arrays.asList(args).contains("--verbose"));
        }
    }

    /** The command line with the error handling above; tests run it in-process. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new IsthmusCli());
        // picocli hands Exceptions to the handler below but lets Errors escape: wrap them so they get the same line.
        cl.setExecutionStrategy(parseResult -> {
            try {
                return new CommandLine.RunLast().execute(parseResult);
            } catch (Error e) {
                List<CommandLine> chain = parseResult.asCommandLineList();
                throw new CommandLine.ExecutionException(chain.get(chain.size() - 1), String.valueOf(e.getMessage()), e);
            }
        });
        cl.setExecutionExceptionHandler((ex, cmd, parseResult) ->
                report(cmd.getCommandSpec().qualifiedName(), ex, parseResult.expandedArgs().contains("--verbose")));
        return cl;
    }

    private static int report(String command, Throwable ex, boolean verbose) {
        Throwable t = ex instanceof CommandLine.ExecutionException && ex.getCause() instanceof Error ? ex.getCause() : ex;
        try {
            System.err.println(command + ": " + reason(t));
            if (verbose) {
                t.printStackTrace(System.err);
            }
        } catch (Throwable ignored) {
            // Out of memory even for the message: the status still says it failed.
        }
        return 1;
    }

    /** One line saying what went wrong, from the exception and its causes. */
    static String reason(Throwable ex) {
        Throwable t = ex;
        if (t instanceof java.io.UncheckedIOException && t.getCause() != null) {
            t = t.getCause();
        }
        String msg = t.getMessage();
        if (t instanceof OutOfMemoryError) {
            msg = "out of memory (" + (msg == null ? "no detail" : msg) + "); the input or the model is too large for this JVM "
                    + "(raise -Xmx or -XX:MaxDirectMemorySize in ISTHMUS_JAVA_OPTS, or use a smaller --batch)";
        } else if (t instanceof StackOverflowError) {
            msg = "stack overflow: the input is nested too deeply";
        } else if (t instanceof java.nio.file.NoSuchFileException n) {
            msg = "no such file or directory: " + n.getFile() + (n.getReason() != null ? " (" + n.getReason() + ")" : "");
        } else if (t instanceof java.nio.file.AccessDeniedException a) {
            msg = "permission denied: " + a.getFile();
        } else if (t instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
            msg = f.getFile() + ": " + f.getReason();
        } else if (msg == null || msg.isBlank()) {
            msg = t.getClass().getSimpleName();
        } else if (!(t instanceof CliException) && !(t instanceof java.io.IOException) && !(t instanceof IllegalArgumentException)) {
            msg = t.getClass().getSimpleName() + ": " + msg;
        }
        msg = msg.replace('\n', ' ').replace('\r', ' ');
        return msg.length() <= 2000 ? msg : msg.substring(0, 1997) + "...";
    }
}
