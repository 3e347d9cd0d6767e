package io.shmipc.tools;

import io.shmipc.core.ring.CorruptQueueException;
import io.shmipc.core.segment.SegmentException;
import io.shmipc.core.segment.SegmentNotFoundException;
import io.shmipc.signals.NamedSignalException;
import io.shmipc.tools.cli.StrictExecution;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

/**
 * Entry point of the {@code shmipc} command-line tools (run through {@code ./shmipc}).
 * <p>
 * User errors (bad options, a missing or invalid segment, a failed demo) end with one line on stderr and the exit
 * code of {@link ExitCodes}; no stack trace. Only an unexpected exception prints one, since it is a bug.
 */
@Command(
    name = "shmipc",
    description = "Tools for shmipc shared-memory channels (SimpleIPC v1 compatible).",
    mixinStandardHelpOptions = true,
    version = "shmipc tools 0.1.0-SNAPSHOT",
    subcommands = {HostCommand.class, GuestCommand.class, InspectCommand.class, WatchCommand.class, ListCommand.class,
        CleanCommand.class, DemoCommand.class, CommandLine.HelpCommand.class},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:Success.",
        "1:Runtime failure (demo response mismatch, peer died or timed out, I/O error).",
        "2:Usage error (unknown option, bad value, invalid channel name).",
        "3:Segment not found.",
        "4:Not a valid segment (truncated, not initialised, size mismatch, random bytes, directory, permission).",
        "5:A queue is corrupt (positions or block headers break the layout rules).",
        "6:clean refused: a live process maps the channel (use --force).",
        "130:Stopped by SIGINT (Ctrl-C); a host removes its channel first.",
        "143:Stopped by SIGTERM; a host removes its channel first."})
public final class Main implements Runnable
{
    private static volatile boolean stdoutIsTerminal;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /**
     * @return true when this process was started by {@link #main} with a terminal on stdin/stdout: {@code watch}
     * then refreshes in place with ANSI clear/home. Always false for {@link #execute} alone (tests, embedding).
     */
    static boolean stdoutIsTerminal()
    {
        return stdoutIsTerminal;
    }

    /**
     * Without a subcommand: print the usage and fail as a usage error.
     */
    public void run()
    {
        throw StrictExecution.missingCommand(spec);
    }

    /**
     * Run a command line and return its exit code, writing to the given streams. Never calls {@code System.exit}.
     *
     * @param out  standard output.
     * @param err  standard error.
     * @param args the arguments after the program name.
     * @return the exit code, one of {@link ExitCodes}.
     */
    public static int execute(final PrintWriter out, final PrintWriter err, final String... args)
    {
        final CommandLine commandLine = new CommandLine(new Main());
        commandLine.setOut(out);
        commandLine.setErr(err);
        commandLine.setExitCodeExceptionMapper(Main::exitCode);
        commandLine.setExecutionStrategy(new StrictExecution());
        commandLine.setParameterExceptionHandler((ex, arguments) ->
        {
            final CommandLine failed = ex.getCommandLine();
            failed.getErr().println("shmipc: " + ex.getMessage() + " (see '" +
                failed.getCommandSpec().qualifiedName() + " --help')");
            failed.getErr().flush();
            return ExitCodes.USAGE;
        });
        commandLine.setExecutionExceptionHandler((ex, failed, parseResult) ->
        {
            final int code = exitCode(ex);
            failed.getErr().println("shmipc " + failed.getCommandName() + ": " + ex.getMessage());
            if (ExitCodes.FAILURE == code && !(ex instanceof CliException) && !(ex instanceof NamedSignalException))
            {
                ex.printStackTrace(failed.getErr());
            }
            failed.getErr().flush();
            return code;
        });
        final int code = commandLine.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    /**
     * @param args command line.
     */
    public static void main(final String[] args)
    {
        stdoutIsTerminal = null != System.console();
        System.exit(execute(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
    }

    private static int exitCode(final Throwable ex)
    {
        if (ex instanceof CliException)
        {
            return ((CliException)ex).exitCode();
        }
        if (ex instanceof SegmentNotFoundException)
        {
            return ExitCodes.NOT_FOUND;
        }
        if (ex instanceof CorruptQueueException)
        {
            return ExitCodes.CORRUPT_QUEUE;
        }
        if (ex instanceof SegmentException)
        {
            return ExitCodes.INVALID_SEGMENT;
        }
        if (ex instanceof IllegalArgumentException)
        {
            return ExitCodes.USAGE;
        }
        return ExitCodes.FAILURE;
    }
}
