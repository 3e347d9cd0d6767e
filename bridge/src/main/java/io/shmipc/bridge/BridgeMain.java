package io.shmipc.bridge;

import io.aeron.driver.ThreadingMode;
import io.aeron.exceptions.AeronException;
import io.shmipc.tools.cli.DurationConverter;
import io.shmipc.tools.cli.SizeConverter;
import io.shmipc.tools.cli.StrictExecution;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import sun.misc.Signal;
import sun.misc.SignalHandler;

import java.io.File;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * {@code ./shmipc bridge host-side|guest-side|status}: carry a channel between two machines over Aeron.
 * Each bridge runs until SIGINT (Ctrl-C) or SIGTERM, then removes what it created and exits 0.
 */
@Command(
    name = "shmipc bridge",
    description = "Carry a shmipc/SimpleIPC channel between two machines over Aeron.",
    mixinStandardHelpOptions = true,
    version = "shmipc bridge 0.1.0-SNAPSHOT",
    subcommands = {BridgeMain.HostSide.class, BridgeMain.GuestSide.class, BridgeMain.Status.class,
        CommandLine.HelpCommand.class},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:Stopped by SIGINT (Ctrl-C) or SIGTERM, after removing what it created; status: printed.",
        "1:Runtime failure.",
        "2:Usage error (unknown option, bad value, an invalid Aeron URI or channel name).",
        "3:The local channel is missing (host-side), or no bridge runs there (status).",
        "4:Aeron refused: a port in use, an address not of this machine, no driver in --aeron-dir, " +
            "a bridge already runs.",
        "5:The far side did not appear within --connect-timeout."})
public final class BridgeMain implements Runnable
{
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /**
     * Without a subcommand: fail as a usage error.
     */
    public void run()
    {
        throw StrictExecution.missingCommand(spec);
    }

    /**
     * The command line's entry point; exits with the command's code.
     *
     * @param args the arguments after {@code bridge}.
     */
    public static void main(final String[] args)
    {
        final int code = execute(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
        System.exit(code);
    }

    /**
     * Run a command line and return its exit code. Never calls {@code System.exit}.
     *
     * @param out  standard output.
     * @param err  standard error.
     * @param args the arguments after {@code bridge}.
     * @return the exit code.
     */
    public static int execute(final PrintWriter out, final PrintWriter err, final String... args)
    {
        final CommandLine commandLine = new CommandLine(new BridgeMain());
        commandLine.setOut(out);
        commandLine.setErr(err);
        commandLine.setExecutionStrategy(new StrictExecution());
        commandLine.setParameterExceptionHandler((ex, arguments) ->
        {
            ex.getCommandLine().getErr().println("shmipc bridge: " + ex.getMessage() +
                " (see './shmipc bridge " + ex.getCommandLine().getCommandName() + " --help')");
            return BridgeException.USAGE;
        });
        commandLine.setExecutionExceptionHandler((ex, cmd, parsed) ->
        {
            final int code = exitCode(ex);
            cmd.getErr().println("shmipc bridge: " + oneLine(ex));
            if (code == BridgeException.FAILURE && !(ex instanceof BridgeException))
            {
                ex.printStackTrace(cmd.getErr());
            }
            return code;
        });
        return commandLine.execute(args);
    }

    static int exitCode(final Throwable ex)
    {
        if (ex instanceof BridgeException)
        {
            return ((BridgeException)ex).exitCode();
        }
        if (ex instanceof IllegalArgumentException)
        {
            return BridgeException.USAGE;
        }
        if (ex instanceof AeronException)
        {
            return BridgeException.IN_USE;
        }
        return BridgeException.FAILURE;
    }

    private static String oneLine(final Throwable ex)
    {
        final String message = ex.getMessage() != null ? ex.getMessage() : ex.toString();
        return message.replace('\n', ' ').trim();
    }

    /** Options of both bridges. */
    abstract static class BridgeCommand implements Callable<Integer>
    {
        @Parameters(index = "0", paramLabel = "NAME", description = "The channel's name.")
        String name;

        @Option(names = "--local-name", paramLabel = "NAME",
            description = "Name of the local channel, if it differs from NAME.")
        String localName;

        @Option(names = "--publish", required = true, paramLabel = "URI",
            description = "Aeron URI to publish on, e.g. aeron:udp?endpoint=B_HOST:B_PORT (or aeron:ipc).")
        String publish;

        @Option(names = "--subscribe", required = true, paramLabel = "URI",
            description = "Aeron URI to subscribe to, e.g. aeron:udp?endpoint=A_HOST:A_PORT (or aeron:ipc).")
        String subscribe;

        @Option(names = "--request-stream", paramLabel = "ID", defaultValue = "" + BridgeConfig.DEFAULT_REQUEST_STREAM,
            description = "Stream id of requests (default ${DEFAULT-VALUE}).")
        int requestStream;

        @Option(names = "--response-stream", paramLabel = "ID",
            defaultValue = "" + BridgeConfig.DEFAULT_RESPONSE_STREAM,
            description = "Stream id of responses (default ${DEFAULT-VALUE}).")
        int responseStream;

        @Option(names = "--aeron-dir", paramLabel = "DIR",
            description = "Use the external media driver of this directory instead of an embedded one.")
        String aeronDir;

        @Option(names = "--embedded-dir", paramLabel = "DIR",
            description = "Directory of the embedded driver (default /dev/shm/shmipc-bridge-SIDE-NAME); " +
                "removed at exit.")
        File embeddedDir;

        @Option(names = "--driver-threading", paramLabel = "MODE",
            description = "Threading mode of the embedded driver: ${COMPLETION-CANDIDATES} (default: INVOKER with " +
                "fewer than " + BridgeConfig.DRIVER_THREAD_MIN_CPUS + " allowed CPUs, else SHARED); INVOKER: the " +
                "bridge's agent runs the driver and the Aeron client's conductor.")
        ThreadingMode driverThreading;

        @Option(names = "--idle", paramLabel = "SPEC", defaultValue = BridgeConfig.DEFAULT_IDLE,
            description = "Idle strategy of the bridge's agent, which reads the local channel and runs Aeron: " +
                "wait blocks on the local channel's signal, and a message from Aeron is noticed when a block times " +
                "out (timeout, growing to maxTimeout while idle); busy-spin takes a CPU (default ${DEFAULT-VALUE}).")
        String idle;

        @Option(names = "--term-length", paramLabel = "BYTES", converter = SizeConverter.class,
            description = "Term length of the embedded driver's publications, e.g. 64MiB; Aeron's longest message " +
                "is 1/8 of it (default: Aeron's 16 MiB, so 2 MiB).")
        Integer termLength;

        @Option(names = "--connect-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Exit 5 if the far side has not appeared within this time (default: wait for ever).")
        Duration connectTimeout;

        @Option(names = "--link-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "How soon the embedded driver declares a silent far side gone (default: Aeron's, 5-10 s).")
        Duration linkTimeout;

        @Option(names = "--stale-grace", paramLabel = "DURATION", converter = DurationConverter.OrZero.class,
            defaultValue = "5s",
            description = "Guest-side: how long responses are still owed to an old run (default ${DEFAULT-VALUE}; " +
                "0s: none, every response after a new run began counts as the new run's).")
        Duration staleGrace;

        @Option(names = "--agent-cpu", paramLabel = "SPEC", defaultValue = "none",
            description = "CPU placement of the bridge's agent thread: none, cpu=N, cpus=LIST, isolated, ... " +
                "(default ${DEFAULT-VALUE}).")
        String agentCpu;

        @Option(names = "--driver-cpu", paramLabel = "SPEC", defaultValue = "none",
            description = "CPU placement of the embedded driver's threads (default ${DEFAULT-VALUE}).")
        String driverCpu;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec commandSpec;

        BridgeConfig config()
        {
            final BridgeConfig config = new BridgeConfig(name)
                .publish(publish)
                .subscribe(subscribe)
                .requestStream(requestStream)
                .responseStream(responseStream)
                .aeronDir(aeronDir)
                .driverThreading(null == driverThreading ? BridgeConfig.DRIVER_THREADING_DEFAULT : driverThreading)
                .idle(idle)
                .termLength(null == termLength ? 0 : termLength)
                .connectTimeout(connectTimeout)
                .linkTimeout(linkTimeout)
                .staleGrace(staleGrace)
                .agentAffinity(agentCpu)
                .driverAffinity(driverCpu);
            if (localName != null)
            {
                config.localName(localName);
            }
            if (embeddedDir != null)
            {
                config.embeddedDir(embeddedDir.toPath());
            }
            return config;
        }

        abstract Bridge start(BridgeConfig config);

        /** @return true if the link came up, or a signal asked to stop, within the timeout. */
        private static boolean awaitLinkOrStop(final Bridge bridge, final Duration timeout, final CountDownLatch stop)
            throws InterruptedException
        {
            final long deadline = System.nanoTime() + timeout.toNanos();
            while (!bridge.linkUp())
            {
                if (System.nanoTime() - deadline >= 0)
                {
                    return false;
                }
                if (stop.await(5, TimeUnit.MILLISECONDS))
                {
                    return true;
                }
            }
            return true;
        }

        @Override
        public Integer call() throws Exception
        {
            final CountDownLatch stop = new CountDownLatch(1);
            final BridgeConfig config = config();
            // SIGINT and SIGTERM stop the bridge through its own close (the JVM's default would exit 130/143).
            final SignalHandler handler = signal -> stop.countDown();
            final SignalHandler oldInt = Signal.handle(new Signal("INT"), handler);
            final SignalHandler oldTerm = Signal.handle(new Signal("TERM"), handler);
            try (Bridge bridge = start(config))
            {
                if (config.connectTimeout() != null && !awaitLinkOrStop(bridge, config.connectTimeout(), stop))
                {
                    throw new BridgeException(BridgeException.NO_REMOTE, "the far side did not appear on " +
                        config.subscribeUri() + " / " + config.publishUri() + " within " + config.connectTimeout());
                }
                stop.await();
            }
            finally
            {
                Signal.handle(new Signal("INT"), oldInt);
                Signal.handle(new Signal("TERM"), oldTerm);
            }
            return 0;
        }
    }

    /** {@code host-side NAME}: on the host's machine. */
    @Command(name = "host-side", mixinStandardHelpOptions = true,
        description = "On the host's machine: attach to channel NAME as its guest and carry it over Aeron.")
    static final class HostSide extends BridgeCommand
    {
        @Option(names = "--open-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            defaultValue = "10s",
            description = "How long to wait for the local channel at start (default ${DEFAULT-VALUE}).")
        Duration openTimeout;

        @Override
        Bridge start(final BridgeConfig config)
        {
            return HostSideBridge.start(config.openTimeout(openTimeout));
        }
    }

    /** {@code guest-side NAME}: on the guest's machine. */
    @Command(name = "guest-side", mixinStandardHelpOptions = true,
        description = "On the guest's machine: create channel NAME (or --local-name) as its host and carry it " +
            "over Aeron.")
    static final class GuestSide extends BridgeCommand
    {
        @Option(names = "--capacity", paramLabel = "BYTES", defaultValue = "32MiB", converter = SizeConverter.class,
            description = "Capacity of each queue of the channel it creates, a multiple of 8 (default " +
                "${DEFAULT-VALUE}).")
        int capacity;

        @Override
        Bridge start(final BridgeConfig config)
        {
            return GuestSideBridge.start(config.capacity(capacity));
        }
    }

    /** {@code status}: print a running bridge's counters. */
    @Command(name = "status", mixinStandardHelpOptions = true,
        description = "Print the counters of the bridges of an Aeron driver, from outside their process.")
    static final class Status implements Callable<Integer>
    {
        @Parameters(index = "0", arity = "0..1", paramLabel = "NAME",
            description = "The local channel's name (finds the embedded driver of --side).")
        String name;

        @Option(names = "--side", paramLabel = "SIDE", defaultValue = HostSideBridge.SIDE,
            description = "host-side or guest-side (default ${DEFAULT-VALUE}).")
        String side;

        @Option(names = "--aeron-dir", paramLabel = "DIR", description = "The driver's directory.")
        File aeronDir;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec commandSpec;

        @Override
        public Integer call()
        {
            final File dir;
            if (aeronDir != null)
            {
                dir = aeronDir;
            }
            else if (name != null)
            {
                if (!side.equals(HostSideBridge.SIDE) && !side.equals(GuestSideBridge.SIDE))
                {
                    throw new IllegalArgumentException("--side must be host-side or guest-side, was " + side);
                }
                dir = new BridgeConfig(name).embeddedDir(side).toFile();
            }
            else
            {
                throw new IllegalArgumentException("status needs NAME (and --side) or --aeron-dir");
            }
            final PrintWriter out = commandSpec.commandLine().getOut();
            final Map<String, Long> values = BridgeStatus.read(dir);
            if (values.isEmpty())
            {
                throw new BridgeException(BridgeException.NOT_FOUND, "no bridge counters in the driver of " + dir);
            }
            values.forEach((label, value) -> out.println(label + " = " + value));
            out.flush();
            return 0;
        }
    }
}
