package io.shmipc.benchmarks;

import io.shmipc.tools.cli.StrictExecution;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code shmipc bench} command line: cross-process benchmarks of the shmipc ring side by side with Agrona's
 * {@code OneToOneRingBuffer} and the hardware floor ({@code pingpong}, {@code throughput}, {@code matrix}), and
 * the original's request/response workload ({@code calls}). Each
 * run starts two fresh child JVMs from this JVM's class path, and removes what it created in {@code /dev/shm}.
 * <p>
 * Run as {@code java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -cp benchmarks/target/benchmarks.jar
 * io.shmipc.benchmarks.BenchMain pingpong ...}. Exit codes: 0 done, 1 a run failed, 2 bad command line.
 */
@Command(name = "shmipc bench", mixinStandardHelpOptions = true,
    description = "Cross-process latency and throughput of the shmipc ring, side by side with Agrona and the " +
        "hardware floor.",
    subcommands = {PingPongCommand.class, ThroughputCommand.class, OneThreadCommand.class, MatrixCommand.class,
        CallsCommand.class,
        BridgeCommand.class, BridgePeerCommand.class,
        PeerCommand.class, CallsGuestCommand.class})
public final class BenchMain implements Runnable
{
    /** A run failed. */
    public static final int EXIT_FAILED = 1;
    /** The command line was wrong. */
    public static final int EXIT_USAGE = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /**
     * Prints the usage: a subcommand is required.
     */
    public void run()
    {
        throw StrictExecution.missingCommand(spec);
    }

    /**
     * Run a command line and return its exit code, without exiting.
     *
     * @param args e.g. {@code pingpong --iterations 100000}.
     * @return 0 on success, {@link #EXIT_FAILED} or {@link #EXIT_USAGE}.
     */
    public static int execute(final String... args)
    {
        final CommandLine commandLine = new CommandLine(new BenchMain());
        commandLine.setExecutionStrategy(new StrictExecution());
        commandLine.setExecutionExceptionHandler((ex, cmd, parseResult) ->
        {
            if (cmd.getCommand() instanceof PeerCommand || cmd.getCommand() instanceof BridgePeerCommand)
            {
                ex.printStackTrace();
                return EXIT_FAILED;
            }
            if (ex instanceof IllegalArgumentException)
            {
                cmd.getErr().println("shmipc bench " + cmd.getCommandName() + ": " + ex.getMessage());
                return EXIT_USAGE;
            }
            cmd.getErr().println("shmipc bench " + cmd.getCommandName() + " failed: " + ex.getMessage());
            return EXIT_FAILED;
        });
        return commandLine.execute(args);
    }

    /**
     * Entry point; exits with the code of {@link #execute}.
     */
    public static void main(final String[] args)
    {
        System.exit(execute(args));
    }
}
