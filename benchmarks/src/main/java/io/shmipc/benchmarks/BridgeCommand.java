package io.shmipc.benchmarks;

import io.aeron.driver.ThreadingMode;
import io.shmipc.affinity.Affinity;
import io.shmipc.bridge.BridgeConfig;
import io.shmipc.bridge.GuestSideBridge;
import io.shmipc.bridge.HostSideBridge;
import io.shmipc.core.segment.SharedSegment;
import io.shmipc.idle.IdleStrategies;
import io.shmipc.signals.NamedSignals;
import io.shmipc.tools.cli.DurationConverter;
import io.shmipc.tools.cli.SizeConverter;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * {@code bench bridge}: the round trip host -> host-side bridge -> Aeron UDP on 127.0.0.1 -> guest-side bridge ->
 * guest and back, against Aeron's own UDP ping-pong between two processes (the floor of that path) and a direct
 * shm channel, in the same run: the host and the pinger in one process, the guests and the ponger in another, each
 * bridge in a process of its own, the variants interleaved in rounds. Then pipelined calls from several threads
 * through the bridge and through the direct shm channel (the peers' own ceiling) against Aeron's own pipelined echo,
 * and the bytes each bridge process allocated per message.
 */
@Command(name = "bridge", mixinStandardHelpOptions = true,
    description = {"Round trip through both bridges over Aeron UDP on 127.0.0.1, against Aeron's own UDP " +
        "ping-pong and a direct shm channel, interleaved in rounds; pipelined throughput; allocation per message.",
        "With fewer than " + BridgeCommand.SPINNING_THREADS + " allowed CPUs the duty cycles default to " +
            "non-spinning idle strategies."})
final class BridgeCommand implements Callable<Integer>
{
    /** Threads that would spin with busy-spin: two bridge agents, two floor pollers, four drivers. */
    static final int SPINNING_THREADS = 8;
    /**
     * Aeron's ping-pong loops with few CPUs: the spins and yields of the bridge's agent default, then parks up to
     * 200 us (they have no semaphore to block on).
     */
    static final String AERON_IDLE_DEFAULT = "backoff:spins=10,yields=30,minPark=1us,maxPark=200us";
    /** The hosts' and guests' shm channels: a short spin, then parks up to 200 us, then the semaphore. */
    static final String PEER_IDLE_DEFAULT = "wait:spins=100,yields=10,minPark=1us,maxPark=200us";
    /** Goal: bridge p50 at most this times (Aeron UDP p50 + shm round-trip p50). */
    static final double LATENCY_GOAL = 1.3;
    /** Goal: bridge pipelined throughput at least this times Aeron's. */
    static final double THROUGHPUT_GOAL = 0.8;
    /** Bytes per block below which allocation counts as none (JMH's {@code -prof gc} shows such fractions too). */
    static final double ZERO_BYTES = 0.01;
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    /** The JSON of a run (fields in docs/benchmarks.md). */
    record Result(String command, Machine machine, Settings settings, int rounds, List<Variant> latency,
        Map<String, Map<String, Rounds.Quartiles>> ratios, List<Throughput> throughput,
        Map<String, Rounds.Quartiles> throughputRatios, List<Allocation> allocation, Goals goal)
    {
    }

    /** The goals of issue 13: verdicts {@code met}, {@code not_met}, {@code too_wide} (the rounds disagree). */
    record Goals(RoundReport.Goal bridgeP50AtMost1_3xAeronPlusShm, RoundReport.Goal bridgeThroughputAtLeast0_8xAeron,
        String zeroBytesPerMessage, String zeroBytesPerMessageBeyondIdleRate)
    {
    }

    record Settings(int size, String round, int rounds, String warmup, String idle, String aeronIdle,
        String driverIdle, String localIdle, int threads, int window, int capacity, boolean defaultIdleNonSpinning)
    {
    }

    /** A latency variant: the pooled distribution, then the median over rounds of each round's percentiles. */
    record Variant(@Json.Inline Latency.Summary pooled, Map<String, Rounds.Quartiles> perRound)
    {
    }

    /**
     * Round trips per second of one pipelined variant, median over rounds; and, pooled over the rounds, the
     * machine's busy CPU time per round trip and how many CPUs were busy ({@code /proc/stat}, every process).
     */
    record Throughput(String name, Rounds.Quartiles messagesPerSecond, double cpuNanosPerRoundTrip, double cpusBusy)
    {
    }

    private static Throughput throughput(final int variant, final Rounds.Spread rate, final double[] cpuPerRoundTrip,
        final double[] cpusBusy)
    {
        return new Throughput(BridgePinger.THROUGHPUT[variant], Rounds.Quartiles.of(rate),
            Latency.significant(cpuPerRoundTrip[variant]), Latency.significant(cpusBusy[variant]));
    }

    /**
     * Bytes one bridge process's threads allocated over the measured rounds, per block it carried (both ways), by
     * thread name; afterwards, with no traffic, over {@code idleNanos}; and what each thread allocated during the
     * rounds beyond its rate with no traffic (so time-driven work, such as a conductor's timers, is not charged to
     * the messages), summed and per block.
     */
    record Allocation(String side, long bytes, long messages, double bytesPerMessage, long measuredNanos,
        Map<String, Long> byThread, long idleBytes, long idleNanos, Map<String, Long> idleByThread,
        long bytesBeyondIdleRate, double bytesPerMessageBeyondIdleRate)
    {
    }

    @Mixin
    CommonOptions common;

    @Option(names = "--size", defaultValue = "32", description = "Bytes per message, 16..65536 (default: " +
        "${DEFAULT-VALUE}); the bridge adds its 24-byte header on the wire.")
    int size;

    @Option(names = "--rounds", description = "Number of rounds (default: --duration / --round, or 10).")
    Integer rounds;

    @Option(names = "--round", defaultValue = "1s", converter = DurationConverter.class,
        description = "One latency round of all three variants, and one throughput round of both (default: " +
            "${DEFAULT-VALUE}).")
    Duration round;

    @Option(names = "--idle", description = "Idle strategy of both bridges' agents (default: busy-spin with at " +
        "least " + SPINNING_THREADS + " allowed CPUs, else the bridge's default, " + BridgeConfig.DEFAULT_IDLE + ").")
    String idle;

    @Option(names = "--aeron-idle", description = "Idle strategy of Aeron's ping and pong loops, which have no " +
        "semaphore to block on (default: busy-spin with at least " + SPINNING_THREADS + " allowed CPUs, else " +
        AERON_IDLE_DEFAULT + ").")
    String aeronIdle;

    @Option(names = "--driver-idle", description = "Idle strategy of the four embedded drivers (default: " +
        "busy-spin with at least " + SPINNING_THREADS + " allowed CPUs, else the bridge's default).")
    String driverIdle;

    @Option(names = "--driver-threading", paramLabel = "MODE",
        description = "Threading mode of the two bridges' embedded drivers: SHARED (a thread of its own) or INVOKER " +
            "(run by the bridge's agent, with the Aeron client's conductor: one thread per bridge) (default: the " +
            "bridge's, INVOKER with fewer than " + BridgeConfig.DRIVER_THREAD_MIN_CPUS + " allowed CPUs).")
    ThreadingMode driverThreading;

    @Option(names = "--local-idle", description = "Idle strategy of the hosts' and the guests' shm channels (the " +
        "bridges' local channels run on their agents) (default: " + PEER_IDLE_DEFAULT + ").")
    String localIdle;

    @Option(names = "--threads", defaultValue = "4", description = "Calling threads of the pipelined " +
        "throughput (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--window", defaultValue = "16", description = "Calls in flight per calling thread; Aeron's " +
        "echo keeps threads x window in flight (default: ${DEFAULT-VALUE}).")
    int window;

    @Option(names = "--capacity", defaultValue = "1MiB", converter = SizeConverter.class,
        description = "Bytes per queue of every shm channel (default: ${DEFAULT-VALUE}).")
    int capacity;

    @Option(names = "--idle-check", defaultValue = "2s", converter = DurationConverter.class,
        description = "After the rounds, how long to read the bridges' allocation with no traffic, to tell " +
            "allocation per message from allocation per unit of time (default: ${DEFAULT-VALUE}).")
    Duration idleCheck;

    @Option(names = "--aeron-root", paramLabel = "DIR", description = "Where the four embedded drivers' " +
        "directories go (default: /dev/shm).")
    Path aeronRoot;

    /**
     * {@inheritDoc}
     */
    public Integer call() throws Exception
    {
        if (size < 16 || size > 65536)
        {
            throw new IllegalArgumentException("--size " + size + ": must be 16..65536");
        }
        if (threads < 1 || threads > 64 || window < 1 || window > 1024)
        {
            throw new IllegalArgumentException("--threads " + threads + " --window " + window +
                ": threads must be 1..64, window 1..1024");
        }
        if (null != common.iterations)
        {
            throw new IllegalArgumentException("--iterations: bench bridge runs by time; give --duration or --rounds");
        }
        final long roundNanos = round.toNanos();
        if (roundNanos < TimeUnit.MILLISECONDS.toNanos(30))
        {
            throw new IllegalArgumentException("--round " + DurationConverter.format(round) + ": at least 30ms");
        }
        final int roundCount = null != rounds ? rounds :
            null != common.duration ? (int)Math.max(2, common.duration.toNanos() / roundNanos) : 10;
        if (roundCount < 1)
        {
            throw new IllegalArgumentException("--rounds " + roundCount + ": at least 1");
        }
        final long warmupNanos = null == common.warmup ? SECOND :
            new DurationConverter().convert(common.warmup).toNanos();
        final int cpus = Affinity.processCpuCount();
        final boolean spinByDefault = cpus >= SPINNING_THREADS;
        final BridgeConfig defaults = new BridgeConfig("defaults");
        final String agentIdle = IdleStrategies.parse(null != idle ? idle : spinByDefault ? "busy-spin" :
            defaults.idle()).toString();
        final String driversIdle = IdleStrategies.parse(null != driverIdle ? driverIdle : spinByDefault ?
            "busy-spin" : defaults.driverIdle()).toString();
        final String floorIdle = IdleStrategies.parse(null != aeronIdle ? aeronIdle : spinByDefault ? "busy-spin" :
            AERON_IDLE_DEFAULT).toString();
        if (IdleStrategies.WAIT.equals(IdleStrategies.parse(floorIdle).name()))
        {
            throw new IllegalArgumentException("--aeron-idle " + floorIdle + ": Aeron's loops have no semaphore to " +
                "wait on; give busy-spin, yield, no-op or backoff:...");
        }
        final String channelIdle = IdleStrategies.parse(null != localIdle ? localIdle : PEER_IDLE_DEFAULT).toString();
        if (!spinByDefault && (null == idle || null == aeronIdle || null == driverIdle))
        {
            System.err.println("bench bridge: " + cpus + " allowed CPUs (busy-spin would need " + SPINNING_THREADS +
                "): the bridges' agents block on their local semaphores when idle (--idle " + agentIdle +
                "), Aeron's ping-pong loops and the drivers park (--aeron-idle " + floorIdle + ", --driver-idle " +
                driversIdle + "); --idle, --aeron-idle and --driver-idle choose");
        }

        final BenchContext context = common.context();
        final Path outDir = common.outDirectory();
        final Machine machine = Machine.describe(context.jvmOptions());
        final String name = context.shmPrefix() + "-" + ProcessHandle.current().pid() + "-bridge";
        final Path root = null == aeronRoot ? SharedSegment.SHM_DIRECTORY : aeronRoot;
        final int[] ports = freeUdpPorts(4);
        final String[] runArgs = {
            "--shm", name + "-shm", "--bridged", name + "-a", "--bridged-local", name + "-b",
            "--size", Integer.toString(size), "--capacity", Integer.toString(capacity),
            "--idle", agentIdle, "--aeron-idle", floorIdle, "--driver-idle", driversIdle, "--local-idle", channelIdle,
            "--driver-threading", (null == driverThreading ? BridgeConfig.DRIVER_THREADING_DEFAULT :
                driverThreading).name()};
        context.progress().line("bridge: " + roundCount + " rounds of " + Durations.format(roundNanos) +
            " latency and " + Durations.format(roundNanos) + " throughput, warm-up " + Durations.format(warmupNanos));

        final ResultFile pingerResult;
        final Snap[] snapStart;
        final Snap[] snapEnd;
        final Snap[] snapIdle;
        final long measuredNanos;
        try (Cleanup cleanup = new Cleanup())
        {
            final Path dir = Files.createTempDirectory(name);
            cleanup.add(() -> PairRun.deleteTree(dir));
            for (final String channel : new String[] {name + "-shm", name + "-a", name + "-b"})
            {
                cleanup.add(() -> removeChannel(channel));
            }
            final BridgeChildren children = new BridgeChildren(context, dir, cleanup);
            final String udp = "aeron:udp?endpoint=127.0.0.1:";
            final BridgeChildren.Child guestSide = children.start(GuestSideBridge.SIDE, root.resolve(name +
                "-aeron-guest-side"), runArgs, "--subscribe", udp + ports[2], "--publish", udp + ports[3]);
            final BridgeChildren.Child hostSide = children.start(HostSideBridge.SIDE, root.resolve(name +
                "-aeron-host-side"), runArgs, "--publish", udp + ports[2], "--subscribe", udp + ports[3]);
            final BridgeChildren.Child ponger = children.start(BridgePeerCommand.PONGER, root.resolve(name +
                "-aeron-pong"), runArgs, "--subscribe", udp + ports[0], "--publish", udp + ports[1]);
            final Path resultPath = dir.resolve("pinger.properties");
            final BridgeChildren.Child pinger = children.start(BridgePeerCommand.PINGER, root.resolve(name +
                "-aeron-ping"), runArgs, "--publish", udp + ports[0], "--subscribe", udp + ports[1],
                "--rounds", Integer.toString(roundCount), "--round-ns", Long.toString(roundNanos),
                "--warmup-ns", Long.toString(warmupNanos), "--threads", Integer.toString(threads),
                "--window", Integer.toString(window), "--result", resultPath.toString());

            final long startupNanos = TimeUnit.SECONDS.toNanos(180);
            pinger.expect("measure-start", startupNanos + 5 * warmupNanos, children);
            context.progress().line("bridge: warmed up, measuring");
            snapStart = snap(hostSide, guestSide, children);
            final long measureStart = System.nanoTime();
            pinger.send("go");
            pinger.expect("measure-end", 2 * roundCount * roundNanos * 2 + TimeUnit.SECONDS.toNanos(60), children);
            snapEnd = snap(hostSide, guestSide, children);
            measuredNanos = System.nanoTime() - measureStart;
            Thread.sleep(idleCheck.toMillis());
            snapIdle = snap(hostSide, guestSide, children);
            pinger.send("go");
            pinger.awaitExit(TimeUnit.SECONDS.toNanos(60), children);
            for (final BridgeChildren.Child child : new BridgeChildren.Child[] {ponger, hostSide, guestSide})
            {
                child.send("stop");
                child.awaitExit(TimeUnit.SECONDS.toNanos(30), children);
            }
            pingerResult = ResultFile.read(resultPath);
        }
        context.progress().done("bridge");
        report(machine, agentIdle, floorIdle, driversIdle, channelIdle, roundCount, roundNanos, warmupNanos,
            !spinByDefault, pingerResult, new Snap[][] {snapStart, snapEnd, snapIdle}, measuredNanos, outDir);
        return 0;
    }

    /** One reading of a bridge process: blocks carried, and bytes allocated per thread name. */
    record Snap(long messages, Map<String, Long> allocated)
    {
        static Snap parse(final String line)
        {
            final String[] fields = line.split("\t");
            final String[] head = fields[0].split(" ");
            final Map<String, Long> allocated = new LinkedHashMap<>();
            for (int i = 1; i < fields.length; i++)
            {
                final int eq = fields[i].lastIndexOf('=');
                allocated.put(fields[i].substring(0, eq), Long.parseLong(fields[i].substring(eq + 1)));
            }
            return new Snap(Long.parseLong(head[1]), allocated);
        }
    }

    private static Snap[] snap(final BridgeChildren.Child hostSide, final BridgeChildren.Child guestSide,
        final BridgeChildren children)
    {
        final BridgeChildren.Child[] both = {hostSide, guestSide};
        final Snap[] snaps = new Snap[both.length];
        for (int i = 0; i < both.length; i++)
        {
            both[i].send("snap");
            snaps[i] = Snap.parse(both[i].expectPrefix("snap ", TimeUnit.SECONDS.toNanos(30), children));
        }
        return snaps;
    }

    private void report(final Machine machine, final String agentIdle, final String floorIdle,
        final String driversIdle,
        final String channelIdle, final int roundCount, final long roundNanos, final long warmupNanos,
        final boolean nonSpinning, final ResultFile result, final Snap[][] snaps, final long measuredNanos,
        final Path outDir)
    {
        final PrintStream out = System.out;
        final Histogram[][] perRound = new Histogram[BridgePinger.LATENCY.length][];
        final Histogram[] pooled = new Histogram[BridgePinger.LATENCY.length];
        for (int v = 0; v < perRound.length; v++)
        {
            perRound[v] = RoundReport.histograms(result, v, roundCount);
            pooled[v] = Rounds.pool(perRound[v]);
        }
        out.println();
        out.printf(Locale.ROOT, "bridge round trip, %d-byte messages; %d rounds, each variant %s per round (first " +
            "tenth unrecorded), warm-up %s per variant, order rotating; host and Aeron pinger in one process, guests " +
            "and Aeron ponger in another, each bridge in its own%n", size, roundCount,
            Durations.format(roundNanos / BridgePinger.LATENCY.length), Durations.format(warmupNanos));
        out.println("idle: bridges' agents " + agentIdle + "; Aeron's loops " + floorIdle + "; drivers " +
            driversIdle +
            "; shm channels " + channelIdle + (nonSpinning ? " (non-spinning: CPUs are few)" : ""));
        out.println(machine.line());
        out.println("pooled over the rounds:");
        out.println(Latency.header("variant", 12));
        for (int v = 0; v < pooled.length; v++)
        {
            out.println(Latency.row(BridgePinger.LATENCY[v], 12, pooled[v]));
        }
        out.println("median over rounds of each round's value (IQR):");
        out.println(RoundReport.spreadHeader("variant", 12));
        final List<Variant> variants = new ArrayList<>();
        for (int v = 0; v < pooled.length; v++)
        {
            final Rounds.Spread[] values = Rounds.valueSpreads(perRound[v]);
            out.println(RoundReport.valueRow(BridgePinger.LATENCY[v], 12, values));
            variants.add(new Variant(Latency.summary(BridgePinger.LATENCY[v], pooled[v]), Rounds.quartiles(values)));
        }
        final Histogram[] aeron = perRound[BridgePinger.AERON];
        final Rounds.Spread[] bridgeToAeron = Rounds.ratioSpreads(perRound[BridgePinger.BRIDGE], aeron);
        final Rounds.Spread[] shmToAeron = Rounds.ratioSpreads(perRound[BridgePinger.SHM], aeron);
        out.println("median over rounds of each round's ratio (IQR):");
        out.println(RoundReport.spreadHeader("ratio", 24));
        out.println(RoundReport.spreadRow("bridge / aeron-udp", 24, bridgeToAeron));
        out.println(RoundReport.spreadRow("shm / aeron-udp", 24, shmToAeron));
        final Map<String, Map<String, Rounds.Quartiles>> ratios = new LinkedHashMap<>();
        ratios.put("bridgeToAeronUdp", Rounds.quartiles(bridgeToAeron));
        ratios.put("shmToAeronUdp", Rounds.quartiles(shmToAeron));

        final double[] goalRatios = new double[roundCount];
        final double[] twoLegRatios = new double[roundCount];
        final double[] bridgeP50 = Rounds.percentile(perRound[BridgePinger.BRIDGE], 50);
        final double[] aeronP50 = Rounds.percentile(aeron, 50);
        final double[] shmP50 = Rounds.percentile(perRound[BridgePinger.SHM], 50);
        for (int r = 0; r < roundCount; r++)
        {
            goalRatios[r] = bridgeP50[r] / (aeronP50[r] + shmP50[r]);
            twoLegRatios[r] = bridgeP50[r] / (aeronP50[r] + 2 * shmP50[r]);
        }
        final Rounds.Spread latencyGoal = Rounds.spread(goalRatios);

        final double[][] rates = new double[BridgePinger.THROUGHPUT.length][roundCount];
        for (int v = 0; v < rates.length; v++)
        {
            for (int r = 0; r < roundCount; r++)
            {
                final String key = "tput." + r + "." + v;
                rates[v][r] = result.getLong(key + ".messages") * 1e9 / result.getLong(key + ".nanos");
            }
        }
        final Rounds.Spread aeronRate = Rounds.spread(rates[BridgePinger.T_AERON]);
        final Rounds.Spread shmRate = Rounds.spread(rates[BridgePinger.T_SHM]);
        final Rounds.Spread bridgeRate = Rounds.spread(rates[BridgePinger.T_BRIDGE]);
        final Rounds.Spread throughputGoal = Rounds.spread(Rounds.ratios(rates[BridgePinger.T_BRIDGE],
            rates[BridgePinger.T_AERON]));
        final Rounds.Spread shmToAeronRate = Rounds.spread(Rounds.ratios(rates[BridgePinger.T_SHM],
            rates[BridgePinger.T_AERON]));
        final Rounds.Spread bridgeToShmRate = Rounds.spread(Rounds.ratios(rates[BridgePinger.T_BRIDGE],
            rates[BridgePinger.T_SHM]));
        out.printf(Locale.ROOT, "pipelined round trips/s, median over rounds (IQR): bridge %s and shm %s, each from " +
            "%d threads x %d in flight; aeron-udp %s from 1 thread x %d in flight%n",
            rate(bridgeRate), rate(shmRate), threads, window, rate(aeronRate), threads * window);
        out.printf(Locale.ROOT, "  per-round ratios: bridge / aeron-udp %s; shm / aeron-udp %s (the hosts' and " +
            "guests' ceiling: their calls with no bridge between them); bridge / shm %s%n", throughputGoal.format(),
            shmToAeronRate.format(), bridgeToShmRate.format());
        final double[] cpuPerRoundTrip = new double[rates.length];
        final double[] cpusBusy = new double[rates.length];
        for (int v = 0; v < rates.length; v++)
        {
            long busy = 0;
            long messages = 0;
            long nanos = 0;
            for (int r = 0; r < roundCount; r++)
            {
                final String key = "tput." + r + "." + v;
                final long slice = result.getLong(key + ".busyNanos");
                busy = slice < 0 || busy < 0 ? -1 : busy + slice;
                messages += result.getLong(key + ".messages");
                nanos += result.getLong(key + ".nanos");
            }
            cpuPerRoundTrip[v] = busy < 0 || messages == 0 ? Double.NaN : (double)busy / messages;
            cpusBusy[v] = busy < 0 ? Double.NaN : (double)busy / nanos;
        }
        out.printf(Locale.ROOT, "  CPU per round trip, whole machine (/proc/stat, pooled over the rounds): aeron-udp " +
            "%.2f us, shm %.2f us, bridge %.2f us, with %.2f, %.2f and %.2f CPUs busy; a bridged round trip does the " +
            "peers' work (shm's) and the bridges' (the rest, %.2f us)%n",
            cpuPerRoundTrip[BridgePinger.T_AERON] / 1e3, cpuPerRoundTrip[BridgePinger.T_SHM] / 1e3,
            cpuPerRoundTrip[BridgePinger.T_BRIDGE] / 1e3, cpusBusy[BridgePinger.T_AERON],
            cpusBusy[BridgePinger.T_SHM], cpusBusy[BridgePinger.T_BRIDGE],
            (cpuPerRoundTrip[BridgePinger.T_BRIDGE] - cpuPerRoundTrip[BridgePinger.T_SHM]) / 1e3);
        final Map<String, Rounds.Quartiles> throughputRatios = new LinkedHashMap<>();
        throughputRatios.put("bridgeToAeronUdp", Rounds.Quartiles.of(throughputGoal));
        throughputRatios.put("shmToAeronUdp", Rounds.Quartiles.of(shmToAeronRate));
        throughputRatios.put("bridgeToShm", Rounds.Quartiles.of(bridgeToShmRate));

        final List<Allocation> allocation = new ArrayList<>();
        final String[] sides = {HostSideBridge.SIDE, GuestSideBridge.SIDE};
        for (int i = 0; i < sides.length; i++)
        {
            final long messages = snaps[1][i].messages() - snaps[0][i].messages();
            final Map<String, Long> threadBytes = difference(snaps[0][i], snaps[1][i]);
            final Map<String, Long> idleBytes = difference(snaps[1][i], snaps[2][i]);
            final long bytes = threadBytes.values().stream().mapToLong(Long::longValue).sum();
            final long idle = idleBytes.values().stream().mapToLong(Long::longValue).sum();
            final double perBlock = messages > 0 ? (double)bytes / messages : Double.NaN;
            long beyond = 0;
            for (final Map.Entry<String, Long> e : threadBytes.entrySet())
            {
                final double idleRate = (double)idleBytes.getOrDefault(e.getKey(), 0L) / idleCheck.toNanos();
                beyond += Math.max(0, Math.round(e.getValue() - idleRate * measuredNanos));
            }
            final double beyondPerBlock = messages > 0 ? (double)beyond / messages : Double.NaN;
            allocation.add(new Allocation(sides[i], bytes, messages, Latency.significant(perBlock), measuredNanos,
                threadBytes, idle, idleCheck.toNanos(), idleBytes, beyond, Latency.significant(beyondPerBlock)));
            out.printf(Locale.ROOT, "allocated by the %s bridge process's threads (ThreadMXBean) over the measured " +
                "rounds (%s): %d bytes for %d blocks carried, %.3f bytes per block; by thread: %s%n", sides[i],
                Durations.format(measuredNanos), bytes, messages, perBlock, threadBytes);
            out.printf(Locale.ROOT, "  then %s with no traffic: %d bytes; by thread: %s%n",
                Durations.format(idleCheck.toNanos()), idle, idleBytes);
            out.printf(Locale.ROOT, "  beyond each thread's rate with no traffic: %d bytes, %.4f bytes per block%n",
                beyond, beyondPerBlock);
        }
        final double perMessage = Math.max(allocation.get(0).bytesPerMessage(), allocation.get(1).bytesPerMessage());
        final double perMessageBeyondIdle = Math.max(allocation.get(0).bytesPerMessageBeyondIdleRate(),
            allocation.get(1).bytesPerMessageBeyondIdleRate());

        final Rounds.Verdict latencyVerdict = Rounds.atMost(latencyGoal, LATENCY_GOAL);
        final Rounds.Verdict throughputVerdict = Rounds.atLeast(throughputGoal, THROUGHPUT_GOAL);
        final boolean zeroAllocation = perMessage < ZERO_BYTES;
        final boolean zeroBeyondIdle = perMessageBeyondIdle < ZERO_BYTES;
        final Goals goals = new Goals(RoundReport.Goal.of(latencyVerdict, latencyGoal, LATENCY_GOAL),
            RoundReport.Goal.of(throughputVerdict, throughputGoal, THROUGHPUT_GOAL),
            zeroAllocation ? "met" : "not_met", zeroBeyondIdle ? "met" : "not_met");
        out.println("goals (issue 13; per-round ratios, median over rounds):");
        out.println("  bridge p50 <= 1.3 x (aeron-udp p50 + shm p50, the direct shm channel's round trip standing " +
            "for the two shm hops): " + RoundReport.verdict(latencyVerdict, latencyGoal));
        out.println("  (read as two shm round trips, host <-> host-side and guest-side <-> guest: bridge p50 / " +
            "(aeron-udp p50 + 2 x shm p50) = " + Rounds.spread(twoLegRatios).format() + ")");
        out.println("  bridge pipelined throughput >= 0.8 x aeron-udp's: " +
            RoundReport.verdict(throughputVerdict, throughputGoal));
        out.println("  0 bytes allocated per message in the bridge processes: " + (zeroAllocation ? "met" : "NOT met") +
            String.format(Locale.ROOT, " (at most %.3f bytes per block, all threads); beyond the threads' rate " +
                "with no traffic: ", perMessage) + (zeroBeyondIdle ? "met" : "NOT met") +
            String.format(Locale.ROOT, " (at most %.4f bytes per block); 'zero' is below %.2f", perMessageBeyondIdle,
                ZERO_BYTES));
        final long expired = result.getLong("expiredResponses");
        final long unknown = result.getLong("unknownResponses");
        if (expired + unknown > 0)
        {
            out.println("warning: " + expired + " late and " + unknown + " unknown responses at the host");
        }

        final PercentilePlot plot = new PercentilePlot("bridge round trip vs Aeron's UDP ping-pong and a direct shm " +
            "channel, " + size + " B", machine.brief() + "; " + roundCount + " rounds; idle " +
            IdleStrategies.parse(agentIdle).name() + ", Aeron " + IdleStrategies.parse(floorIdle).name() +
            ", drivers " + IdleStrategies.parse(driversIdle).name() +
            ", shm channels " + IdleStrategies.parse(channelIdle).name(),
            "round trip");
        for (int v = 0; v < pooled.length; v++)
        {
            plot.line(BridgePinger.LATENCY[v], pooled[v]);
        }
        final Path png = outDir.resolve("bridge-" + size + "B.png");
        plot.write(png);
        out.println("wrote " + png);
        if (null != common.json)
        {
            final Settings settings = new Settings(size, DurationConverter.format(round), roundCount,
                Durations.format(warmupNanos), agentIdle, floorIdle, driversIdle, channelIdle, threads, window,
                capacity, nonSpinning);
            final List<Throughput> throughput = List.of(
                throughput(BridgePinger.T_AERON, aeronRate, cpuPerRoundTrip, cpusBusy),
                throughput(BridgePinger.T_SHM, shmRate, cpuPerRoundTrip, cpusBusy),
                throughput(BridgePinger.T_BRIDGE, bridgeRate, cpuPerRoundTrip, cpusBusy));
            Json.write(common.json, new Result("bridge", machine, settings, roundCount, variants, ratios,
                throughput, throughputRatios, allocation, goals));
            out.println("wrote " + common.json);
        }
    }

    /**
     * @return per thread name of {@code to}, its bytes less those in {@code from} (0 for a thread new in to).
     */
    private static Map<String, Long> difference(final Snap from, final Snap to)
    {
        final Map<String, Long> bytes = new LinkedHashMap<>();
        for (final Map.Entry<String, Long> e : to.allocated().entrySet())
        {
            bytes.put(e.getKey(), e.getValue() - from.allocated().getOrDefault(e.getKey(), 0L));
        }
        return bytes;
    }

    private static String rate(final Rounds.Spread spread)
    {
        return String.format(Locale.ROOT, "%.0f (%.0f-%.0f)", spread.median, spread.q1, spread.q3);
    }

    private static int[] freeUdpPorts(final int count)
    {
        final int[] ports = new int[count];
        final DatagramSocket[] sockets = new DatagramSocket[count];
        try
        {
            for (int i = 0; i < count; i++)
            {
                sockets[i] = new DatagramSocket(0, InetAddress.getLoopbackAddress());
                ports[i] = sockets[i].getLocalPort();
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot find free UDP ports on 127.0.0.1: " + ex, ex);
        }
        finally
        {
            for (final DatagramSocket socket : sockets)
            {
                if (null != socket)
                {
                    socket.close();
                }
            }
        }
        return ports;
    }

    private static void removeChannel(final String channel)
    {
        try
        {
            Files.deleteIfExists(SharedSegment.shmPath(channel));
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot delete " + SharedSegment.shmPath(channel) + ": " + ex, ex);
        }
        NamedSignals.unlink(NamedSignals.requestSignalName(channel));
        NamedSignals.unlink(NamedSignals.responseSignalName(channel));
    }
}
