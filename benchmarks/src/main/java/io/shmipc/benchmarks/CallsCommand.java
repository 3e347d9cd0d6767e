package io.shmipc.benchmarks;

import io.shmipc.affinity.Affinity;
import io.shmipc.affinity.CpuSet;
import io.shmipc.core.channel.ChannelConfig;
import io.shmipc.core.channel.IpcHost;
import io.shmipc.core.channel.ReadMode;
import io.shmipc.core.channel.ThreadingMode;
import io.shmipc.core.channel.WriteMode;
import io.shmipc.idle.IdleStrategies;
import io.shmipc.schemas.IpcMessages;
import io.shmipc.tools.AddCall;
import io.shmipc.tools.SideCpus;
import io.shmipc.tools.cli.DurationConverter;
import io.shmipc.tools.cli.SizeConverter;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code bench calls}: the original library's workload through {@link IpcHost} and an {@code IpcGuest} in a second
 * JVM: N calling threads each make AddRequest calls and wait for each answer, for every reader idle strategy and
 * thread count asked for. Reports calls/s, the original's "Avg Latency" (elapsed time x threads / calls), the
 * round-trip percentiles and the CPU each process burned.
 */
@Command(name = "calls", mixinStandardHelpOptions = true,
    description = {"The original's request/response workload through IpcHost and IpcGuest (a guest JVM), for each " +
        "reader idle strategy and number of calling threads.",
        "The writer threads use --writer-idle (default wait), so at most the two readers spin. busy-spin readers " +
            "burn 100%% of a core each."})
final class CallsCommand implements Callable<Integer>
{
    /**
     * The JSON of a run (fields in docs/benchmarks.md).
     */
    record Result(String command, Machine machine, Settings settings, List<Variant> variants,
        List<RoundedVariant> rounds)
    {
    }

    /**
     * With {@code --rounds}: one strategy and thread count over the rounds: the median over rounds (with IQR) of
     * its calls/s, of its round-trip percentiles and of its per-round calls/s ratio to the first strategy; the
     * per-round calls/s; and, for busy-spin beside {@code wait}, the verdict on "never slower than wait".
     */
    record RoundedVariant(String idle, int threads, Rounds.Quartiles callsPerSecond,
        Map<String, Rounds.Quartiles> latencyNanos, String reference, Rounds.Quartiles callsRatioToReference,
        Map<String, Rounds.Quartiles> latencyRatioToReference, List<Double> perRoundCallsPerSecond,
        RoundReport.Goal notSlowerThanWait)
    {
    }

    record Settings(String run, int capacity, String writerIdle, String hostWriteMode, String hostReadMode,
        String guestWriteMode, String cpus)
    {
    }

    /**
     * One reader idle strategy and thread count: the round-trip percentiles, then its counts.
     */
    record Variant(@Json.Inline Latency.Summary latency, @Json.Inline Counts counts)
    {
    }

    /**
     * What one measurement counted: calls/s, the original's average latency (elapsed time x threads / calls), the
     * CPU of each process (percent of a core) and the responses nobody waited for.
     */
    record Counts(String idle, int threads, long calls, double callsPerSecond, double avgLatencyMicros,
        double hostCpuPercent, double guestCpuPercent, long unknownResponses, long expiredResponses)
    {
    }

    @Mixin
    CommonOptions common;

    @Option(names = "--threads", split = ",", defaultValue = "1,4,8",
        description = "Numbers of calling threads, comma separated (default: ${DEFAULT-VALUE}).")
    List<Integer> threads;

    @Option(names = "--idle", split = ";", defaultValue = "busy-spin;yield;backoff;wait",
        description = "Reader idle strategies of both sides, separated by ';' (default: ${DEFAULT-VALUE}).")
    List<String> idles;

    @Option(names = "--writer-idle", defaultValue = ChannelConfig.DEFAULT_IDLE,
        description = "Idle strategy of the writer threads of both sides (default: ${DEFAULT-VALUE}).")
    String writerIdle;

    @Option(names = "--host-write-mode",
        description = "WRITER_THREAD or CALLER (callers write under a lock) (default: the library's, CALLER).")
    WriteMode hostWriteMode;

    @Option(names = "--host-read-mode",
        description = "READER_THREAD or CALLER (callers read for each other, leader/follower) " +
            "(default: IpcHost's, CALLER).")
    ReadMode hostReadMode;

    @Option(names = "--threading", defaultValue = "DEDICATED",
        description = "Threading mode of both sides' agents: DEDICATED or SHARED (default: ${DEFAULT-VALUE}).")
    ThreadingMode threading;

    @Option(names = "--guest-write-mode", defaultValue = "CALLER",
        description = "WRITER_THREAD or CALLER: the guest answers from its reader thread (default: ${DEFAULT-VALUE}).")
    WriteMode guestWriteMode;

    @Option(names = "--capacity", defaultValue = "1MiB", converter = SizeConverter.class,
        description = "Bytes per queue, a multiple of 8, e.g. 32MiB (default: ${DEFAULT-VALUE}; the original uses " +
            "32MiB).")
    int capacity;

    @Option(names = SideCpus.OPTION, defaultValue = SideCpus.DEFAULT,
        description = "CPUs of each side's threads, as 'shmipc host' and 'shmipc guest' place them: auto (the host " +
            "process's calling threads and agents on the first half of the allowed CPUs, the guest JVM on the " +
            "rest; Linux only) or none (the scheduler's choice) (default: ${DEFAULT-VALUE}).")
    String cpus;

    @Option(names = "--rounds", paramLabel = "N",
        description = "The round method: one guest JVM for the whole run and, for each thread count, N rounds, each " +
            "running every reader idle strategy once, for --round, on a fresh channel, in a rotating order; reports " +
            "the median over rounds of each strategy's calls/s and percentiles, and of its per-round ratio to the " +
            "first strategy (default: off, a fresh guest JVM per strategy and thread count, for --duration each).")
    Integer rounds;

    @Option(names = "--round", paramLabel = "TIME", defaultValue = "1s", converter = DurationConverter.class,
        description = "With --rounds: how long each strategy is measured per round, after " +
            "100 ms unrecorded (default: ${DEFAULT-VALUE}).")
    Duration round;

    /** With {@code --rounds}: each slice's unrecorded start (the channel's first calls, the callers' start). */
    static final long SETTLE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    /**
     * The tolerance of "never slower": the round method's resolution on these VMs, as its self-check
     * ({@code bench pingpong --self-check}) allows.
     */
    static final double NOT_SLOWER_TOLERANCE = 0.05;

    private static final AtomicInteger CHANNELS = new AtomicInteger();
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);

    /**
     * {@inheritDoc}
     */
    public Integer call() throws Exception
    {
        if (threading == ThreadingMode.INVOKER)
        {
            throw new IllegalArgumentException("--threading INVOKER: the benchmark runs its agents on threads; " +
                "take DEDICATED or SHARED");
        }
        for (final int t : threads)
        {
            if (t < 1 || t > 64)
            {
                throw new IllegalArgumentException("--threads " + t + ": must be 1..64");
            }
        }
        final List<String> specs = new ArrayList<>();
        for (final String idle : idles)
        {
            specs.add(IdleStrategies.parse(idle).toString());
        }
        final RunLength run = common.runLength("2s", "5s");
        final BenchContext context = common.context();
        final Path outDir = common.outDirectory();
        final Machine machine = Machine.describe(context.jvmOptions());
        final PrintStream out = System.out;

        final List<Variant> results = new ArrayList<>();
        final Map<String, Histogram> histograms = new LinkedHashMap<>();
        final List<RoundedVariant> rounded = new ArrayList<>();
        final String method;
        if (null != rounds)
        {
            method = measureRounds(context, specs, run, results, histograms, rounded);
        }
        else
        {
            method = run.toString();
            for (final String idle : specs)
            {
                for (final int t : threads)
                {
                    final String label = label(idle, t);
                    context.progress().line("calls: " + label + ", " + run);
                    final Histogram histogram = PeerCommand.newHistogram();
                    final Counts counts = measure(context, idle, t, run, histogram);
                    results.add(new Variant(Latency.summary(label, histogram), counts));
                    histograms.put(label, histogram);
                }
            }
        }

        out.println();
        out.println("calls (AddRequest round trips through IpcHost and an IpcGuest JVM), " + method + ", capacity " +
            capacity);
        out.println(machine.line());
        out.println("placement: " + SideCpus.OPTION + " " + cpus + (SideCpus.AUTO.equals(cpus) ? " (the host JVM's " +
            "threads on the first half of the allowed CPUs, the guest JVM's on the rest)" : ""));
        out.printf("%-16s %12s %12s %10s %10s %10s %10s %10s %8s %8s%n", "readers/threads", "calls/s",
            "avg lat us", "p50", "p90", "p99", "p99.9", "max", "host%", "guest%");
        for (final Variant r : results)
        {
            final Latency.Summary l = r.latency();
            final Counts c = r.counts();
            out.printf("%-16s %12.0f %12.2f %10s %10s %10s %10s %10s %8.0f %8.0f%n", l.name(), c.callsPerSecond(),
                c.avgLatencyMicros(), Latency.compact(l.p50Nanos()), Latency.compact(l.p90Nanos()),
                Latency.compact(l.p99Nanos()), Latency.compact(l.p999Nanos()), Latency.compact(l.maxNanos()),
                c.hostCpuPercent(), c.guestCpuPercent());
        }

        final List<Path> written = new ArrayList<>();
        for (final Map.Entry<String, Histogram> e : histograms.entrySet())
        {
            final Path hgrm = outDir.resolve("calls-" + e.getKey().replace('/', '-') + ".hgrm");
            Latency.writeHgrm(hgrm, e.getValue());
            written.add(hgrm);
        }
        final String plotted = null == rounds ? run.toString() : "pooled over " + rounds + " rounds of " +
            Durations.format(round.toNanos()) + " per strategy";
        for (final int t : threads)
        {
            final PercentilePlot plot = new PercentilePlot("calls round trip, " + t + " calling thread" +
                (t == 1 ? "" : "s") + ", by reader idle strategy", machine.brief() + "; " + plotted, "round trip");
            for (final Map.Entry<String, Histogram> e : histograms.entrySet())
            {
                if (e.getKey().endsWith("/" + t + "t"))
                {
                    plot.line(e.getKey(), e.getValue());
                }
            }
            final Path png = outDir.resolve("calls-" + t + "t.png");
            plot.write(png);
            written.add(png);
        }
        if (!rounded.isEmpty())
        {
            printRounds(out, specs, rounded);
        }
        out.println("wrote " + written);

        if (null != common.json)
        {
            final Settings settings = new Settings(method, capacity,
                IdleStrategies.parse(writerIdle).toString(),
                (hostWriteMode != null ? hostWriteMode : ChannelConfig.WRITE_MODE_DEFAULT).name(),
                (hostReadMode != null ? hostReadMode : IpcHost.READ_MODE_DEFAULT).name(), guestWriteMode.name(), cpus);
            Json.write(common.json, new Result("calls", machine, settings, results,
                rounded.isEmpty() ? null : rounded));
            out.println("wrote " + common.json);
        }
        return 0;
    }

    private static String label(final String idle, final int threads)
    {
        return IdleStrategies.parse(idle).name() + "/" + threads + "t";
    }

    /** One channel the round method runs: a slice of a round, or a strategy's warm-up ({@code round} -1). */
    private record Slice(String name, int strategy, int threads, int round)
    {
    }

    /**
     * The round method: one guest JVM serves a fresh channel per slice, for every strategy's warm-up and then, for
     * each thread count, {@code rounds} rounds of every strategy in a rotating order.
     *
     * @return the method, as printed.
     */
    private String measureRounds(final BenchContext context, final List<String> specs, final RunLength run,
        final List<Variant> results, final Map<String, Histogram> histograms, final List<RoundedVariant> rounded)
        throws Exception
    {
        if (rounds < 1)
        {
            throw new IllegalArgumentException("--rounds " + rounds + ": must be at least 1");
        }
        if (null != common.duration || null != common.iterations)
        {
            throw new IllegalArgumentException("--rounds: each slice lasts --round; give --round, not --duration or " +
                "--iterations");
        }
        final int n = specs.size();
        final int[][] group = {new int[n]};
        for (int s = 0; s < n; s++)
        {
            group[0][s] = s;
        }
        final List<Slice> slices = new ArrayList<>();
        for (int s = 0; s < n; s++)
        {
            slices.add(new Slice(channelName(context), s, threads.get(0), -1));
        }
        for (final int t : threads)
        {
            for (int r = 0; r < rounds; r++)
            {
                for (final int s : Rounds.order(group, r))
                {
                    slices.add(new Slice(channelName(context), s, t, r));
                }
            }
        }
        final RunLength warm = run.warmupCount() > 0 ? new RunLength(run.warmupCount(), 0, 1, 0) :
            new RunLength(0, run.warmupNanos(), 0, 1);
        final RunLength slice = new RunLength(0, SETTLE_NANOS, 0, round.toNanos());

        // [thread count][strategy][round]
        final Counts[][][] counts = new Counts[threads.size()][n][rounds];
        final Histogram[][][] perRound = new Histogram[threads.size()][n][rounds];
        final Path plan = Files.createTempFile("shmipc-bench-calls-plan", ".tsv");
        final Path log = Files.createTempFile("shmipc-bench-calls-guest", ".log");
        final BlockingQueue<String> served = new LinkedBlockingQueue<>();
        Process guest = null;
        try
        {
            final List<String> lines = new ArrayList<>();
            for (final Slice sl : slices)
            {
                lines.add(sl.name() + "\t" + specs.get(sl.strategy()));
            }
            Files.write(plan, lines);
            guest = context.child()
                .jvmOptions("-D" + ChannelConfig.THREADING_MODE_PROP + "=" + threading.name())
                .args("calls-guest", "--plan", plan.toString(), "--writer-idle", writerIdle,
                    "--write-mode", guestWriteMode.name(), SideCpus.OPTION, cpus)
                .processBuilder().redirectError(log.toFile()).start();
            final Process child = guest;
            final Thread lineReader = new Thread(() -> readLines(child, served), "bench-calls-guest-output");
            lineReader.setDaemon(true);
            lineReader.start();
            for (int i = 0; i < slices.size(); i++)
            {
                final Slice sl = slices.get(i);
                final String idle = specs.get(sl.strategy());
                if (sl.round() < 0)
                {
                    context.progress().line("calls: warm-up of " + IdleStrategies.parse(idle).name() + ", " +
                        warm);
                }
                else if (sl.strategy() == Rounds.order(group, sl.round())[0])
                {
                    context.progress().line("calls: " + sl.threads() + "t, round " + (sl.round() + 1) + " of " +
                        rounds);
                }
                final Histogram histogram = PeerCommand.newHistogram();
                final Counts c = runSlice(sl, idle, sl.round() < 0 ? warm : slice, histogram, guest, log);
                awaitServed(served, i + 1, sl.name(), log);
                if (sl.round() >= 0)
                {
                    final int ti = threads.indexOf(sl.threads());
                    counts[ti][sl.strategy()][sl.round()] = c;
                    perRound[ti][sl.strategy()][sl.round()] = histogram;
                }
            }
            if (!guest.waitFor(10, TimeUnit.SECONDS))
            {
                throw new IllegalStateException("the guest JVM did not exit after its last channel");
            }
        }
        finally
        {
            if (null != guest && guest.isAlive())
            {
                guest.destroyForcibly();
                guest.waitFor(5, TimeUnit.SECONDS);
            }
            Files.deleteIfExists(plan);
            Files.deleteIfExists(log);
        }

        for (int s = 0; s < n; s++)
        {
            for (int ti = 0; ti < threads.size(); ti++)
            {
                final int t = threads.get(ti);
                final String label = label(specs.get(s), t);
                final Histogram pooled = Rounds.pool(perRound[ti][s]);
                results.add(new Variant(Latency.summary(label, pooled), sum(specs.get(s), t, counts[ti][s])));
                histograms.put(label, pooled);
                rounded.add(roundedVariant(specs, s, t, counts[ti], perRound[ti]));
            }
        }
        return rounds + " rounds per thread count, each strategy " + Durations.format(round.toNanos()) +
            " per round (after " + Durations.format(SETTLE_NANOS) + " unrecorded) on a fresh channel, order " +
            "rotating, one guest JVM; warm-up " + (run.warmupCount() > 0 ? run.warmupCount() + " calls" :
            Durations.format(run.warmupNanos())) + " per strategy";
    }

    private Counts runSlice(final Slice slice, final String idle, final RunLength run, final Histogram histogram,
        final Process guest, final Path log) throws Exception
    {
        final ChannelConfig config = hostConfig(slice.name(), idle);
        final CpuSet hostCpus = SideCpus.pinProcess(cpus, SideCpus.Side.HOST);
        try (IpcHost host = IpcHost.start(config, IpcMessages::reqId))
        {
            return drive(host, slice.name(), idle, slice.threads(), run, histogram, guest, log);
        }
        finally
        {
            SideCpus.unpinProcess(hostCpus);
        }
    }

    /**
     * Wait up to 30 s for the guest's {@code served N} line; other lines on its standard output are skipped.
     *
     * @throws IllegalStateException quoting the guest's standard error if it does not come.
     */
    private static void awaitServed(final BlockingQueue<String> served, final int n, final String name,
        final Path log) throws InterruptedException, IOException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        final String expected = "served " + n;
        String line = null;
        while (!expected.equals(line))
        {
            final long left = deadline - System.nanoTime();
            line = left > 0 ? served.poll(left, TimeUnit.NANOSECONDS) : null;
            if (null == line)
            {
                throw new IllegalStateException("the guest JVM did not close channel " + name + " within 30 s: " +
                    Files.readString(log));
            }
        }
    }

    private static void readLines(final Process process, final BlockingQueue<String> lines)
    {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(),
            StandardCharsets.UTF_8)))
        {
            String line;
            while (null != (line = reader.readLine()))
            {
                lines.add(line);
            }
        }
        catch (final IOException ignore)
        {
            // the guest is gone; the waiting side reports it
        }
    }

    /**
     * @return the counts of a strategy's rounds added up: calls, calls/s over the measured time, CPU as the
     * time-weighted mean, and the responses nobody waited for.
     */
    private static Counts sum(final String idle, final int threads, final Counts[] rounds)
    {
        long calls = 0;
        double seconds = 0;
        double host = 0;
        double guest = 0;
        long unknown = 0;
        long expired = 0;
        for (final Counts c : rounds)
        {
            final double s = c.calls() / c.callsPerSecond();
            calls += c.calls();
            seconds += s;
            host += c.hostCpuPercent() * s;
            guest += c.guestCpuPercent() * s;
            unknown += c.unknownResponses(); // each slice has a host of its own
            expired += c.expiredResponses();
        }
        return new Counts(idle, threads, calls, calls / seconds, seconds * 1e6 * threads / Math.max(1, calls),
            host / seconds, guest / seconds, unknown, expired);
    }

    /**
     * @param counts    [strategy][round] of one thread count.
     * @param perRound  [strategy][round] histograms of that thread count.
     */
    static RoundedVariant roundedVariant(final List<String> specs, final int s, final int threads,
        final Counts[][] counts, final Histogram[][] perRound)
    {
        final double[] rate = callsPerSecond(counts[s]);
        final double[] reference = callsPerSecond(counts[0]);
        final Rounds.Spread ratio = Rounds.spread(Rounds.ratios(rate, reference));
        RoundReport.Goal goal = null;
        final int wait = waitIndex(specs);
        if (wait >= 0 && IdleStrategies.parse(specs.get(s)).name().equals(IdleStrategies.BUSY_SPIN))
        {
            final Rounds.Spread toWait = Rounds.spread(Rounds.ratios(rate, callsPerSecond(counts[wait])));
            goal = RoundReport.Goal.of(Rounds.atLeast(toWait, 1 - NOT_SLOWER_TOLERANCE), toWait,
                1 - NOT_SLOWER_TOLERANCE);
        }
        return new RoundedVariant(specs.get(s), threads, Rounds.Quartiles.of(Rounds.spread(rate)),
            Rounds.quartiles(Rounds.valueSpreads(perRound[s])), specs.get(0), Rounds.Quartiles.of(ratio),
            Rounds.quartiles(Rounds.ratioSpreads(perRound[s], perRound[0])), Rounds.significant(rate), goal);
    }

    /**
     * @return the index of the {@code wait} strategy among the specs, or -1.
     */
    static int waitIndex(final List<String> specs)
    {
        for (int i = 0; i < specs.size(); i++)
        {
            if (IdleStrategies.parse(specs.get(i)).name().equals(IdleStrategies.WAIT))
            {
                return i;
            }
        }
        return -1;
    }

    private static double[] callsPerSecond(final Counts[] rounds)
    {
        final double[] rates = new double[rounds.length];
        for (int r = 0; r < rounds.length; r++)
        {
            rates[r] = rounds[r].callsPerSecond();
        }
        return rates;
    }

    private void printRounds(final PrintStream out, final List<String> specs, final List<RoundedVariant> rounded)
    {
        out.println();
        out.println("median over rounds of each round's calls/s and p50 / p99 round trip (IQR), and of its ratio " +
            "to " + IdleStrategies.parse(specs.get(0)).name() + " in the same round (calls/s; p50, p99):");
        out.printf("%-16s %-26s %-22s %-22s %-20s %-20s %-20s%n", "readers/threads", "calls/s", "p50", "p99",
            "calls/s ratio", "p50 ratio", "p99 ratio");
        for (final RoundedVariant v : rounded)
        {
            final Rounds.Quartiles c = v.callsPerSecond();
            final Rounds.Quartiles p50 = v.latencyNanos().get("p50");
            final Rounds.Quartiles p99 = v.latencyNanos().get("p99");
            out.printf("%-16s %-26s %-22s %-22s %-20s %-20s %-20s%n", label(v.idle(), v.threads()),
                String.format(Locale.ROOT, "%,.0f (%,.0f-%,.0f)", c.median(), c.q1(), c.q3()), latency(p50),
                latency(p99), ratio(v.callsRatioToReference()), ratio(v.latencyRatioToReference().get("p50")),
                ratio(v.latencyRatioToReference().get("p99")));
        }
        for (final RoundedVariant v : rounded)
        {
            final RoundReport.Goal goal = v.notSlowerThanWait();
            if (null != goal)
            {
                out.println("busy-spin never slower than wait (issue 11), " + v.threads() + "t: calls/s ratio " +
                    "busy-spin / wait at least " + goal.limit() + " (the method's resolution): " +
                    Rounds.Verdict.valueOf(goal.verdict().toUpperCase(Locale.ROOT)).text + " (median " +
                    ratio(goal.ratio()) + ")");
            }
        }
    }

    private static String latency(final Rounds.Quartiles q)
    {
        return Latency.compact(Math.round(q.median())) + " (" + Latency.compact(Math.round(q.q1())) + "-" +
            Latency.compact(Math.round(q.q3())) + ")";
    }

    private static String ratio(final Rounds.Quartiles q)
    {
        return String.format(Locale.ROOT, "%.2f (%.2f-%.2f)", q.median(), q.q1(), q.q3());
    }

    /**
     * Run one strategy and thread count against a fresh guest JVM.
     *
     * @param merged receives the round trips of every calling thread.
     */
    private Counts measure(final BenchContext context, final String idle, final int threadCount, final RunLength run,
        final Histogram merged) throws Exception
    {
        final String name = channelName(context);
        final ChannelConfig config = hostConfig(name, idle);
        final Path log = Files.createTempFile("shmipc-bench-calls-guest", ".log");
        Process guest = null;
        // The host's agents and calling threads inherit this process's CPUs; the guest JVM is started from an unpinned
        // process (a child inherits its starter's CPUs) and places itself.
        final CpuSet hostCpus = SideCpus.pinProcess(cpus, SideCpus.Side.HOST);
        try (IpcHost host = IpcHost.start(config, IpcMessages::reqId))
        {
            SideCpus.unpinProcess(hostCpus);
            guest = context.child()
                .jvmOptions("-D" + ChannelConfig.THREADING_MODE_PROP + "=" + threading.name())
                .args("calls-guest", "--name", name, "--idle", idle, "--writer-idle", writerIdle,
                    "--write-mode", guestWriteMode.name(), SideCpus.OPTION, cpus)
                .processBuilder().redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (null != hostCpus)
            {
                Affinity.pinProcessThreads(hostCpus);
            }
            final Counts counts = drive(host, name, idle, threadCount, run, merged, guest, log);
            context.progress().line("calls: " + idle + " x " + threadCount + ": " + counts.calls() + " calls");
            return counts;
        }
        finally
        {
            SideCpus.unpinProcess(hostCpus);
            if (guest != null)
            {
                if (!guest.waitFor(5, TimeUnit.SECONDS))
                {
                    guest.destroyForcibly();
                    guest.waitFor(5, TimeUnit.SECONDS);
                }
            }
            Files.deleteIfExists(log);
        }
    }

    /**
     * @return a channel name of this run not used before.
     */
    private static String channelName(final BenchContext context)
    {
        return context.shmPrefix() + "-" + ProcessHandle.current().pid() + "-calls-" + CHANNELS.incrementAndGet();
    }

    /**
     * @return the host side's configuration: the options given, the library's defaults for the rest.
     */
    private ChannelConfig hostConfig(final String name, final String idle)
    {
        final ChannelConfig.Builder builder = ChannelConfig.builder(name)
            .capacity(capacity)
            .readerIdle(idle)
            .writerIdle(writerIdle)
            .threadingMode(threading)
            .callTimeout(CALL_TIMEOUT);
        if (hostWriteMode != null)
        {
            builder.writeMode(hostWriteMode); // else the library's default: what a user gets with no flags
        }
        if (hostReadMode != null)
        {
            builder.readMode(hostReadMode);
        }
        return builder.build();
    }

    /**
     * Wait until the guest serves {@code host}, then let {@code threadCount} calling threads warm up and measure.
     *
     * @param merged receives the round trips of every calling thread.
     * @param log    the guest's output, quoted if it does not start serving.
     * @return what was counted.
     * @throws IllegalStateException if the guest does not start serving within 30 s, a caller does not finish, or
     *                               a call fails or gets a wrong answer.
     */
    private static Counts drive(final IpcHost host, final String name, final String idle, final int threadCount,
        final RunLength run, final Histogram merged, final Process guest, final Path log) throws Exception
    {
        final long waitDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!host.guestAlive())
        {
            if (!guest.isAlive() || System.nanoTime() - waitDeadline > 0)
            {
                throw new IllegalStateException("the guest JVM did not start serving " + name + ": " +
                    Files.readString(log));
            }
            Thread.sleep(1);
        }

        final Histogram[] perThread = new Histogram[threadCount];
        final AtomicLong calls = new AtomicLong();
        final AtomicLong failures = new AtomicLong();
        final CountDownLatch warmedUp = new CountDownLatch(threadCount);
        final CountDownLatch go = new CountDownLatch(1);
        final long[] measureWindow = new long[2];
        final List<Thread> callers = new ArrayList<>();
        for (int i = 0; i < threadCount; i++)
        {
            final Histogram histogram = PeerCommand.newHistogram();
            perThread[i] = histogram;
            final Thread caller = new Thread(() -> callLoop(host, run, threadCount, histogram, calls, failures,
                warmedUp, go, measureWindow), "bench-caller-" + i);
            caller.setDaemon(true);
            callers.add(caller);
            caller.start();
        }
        if (!warmedUp.await(run.boundNanos(TimeUnit.MILLISECONDS.toNanos(1)) + TimeUnit.SECONDS.toNanos(60),
            TimeUnit.NANOSECONDS))
        {
            throw new IllegalStateException("warm-up of " + name + " did not finish");
        }
        final long hostCpu0 = ProcessCpu.cpuNanos(ProcessHandle.current().pid());
        final long guestCpu0 = ProcessCpu.cpuNanos(guest.pid());
        final long start = System.nanoTime();
        measureWindow[0] = start;
        go.countDown();
        for (final Thread caller : callers)
        {
            caller.join(run.boundNanos(TimeUnit.MILLISECONDS.toNanos(1)) / 1_000_000 + 60_000);
            if (caller.isAlive())
            {
                throw new IllegalStateException(caller.getName() + " of " + name + " did not finish");
            }
        }
        final long elapsed = System.nanoTime() - start;
        final long hostCpu1 = ProcessCpu.cpuNanos(ProcessHandle.current().pid());
        final long guestCpu1 = ProcessCpu.cpuNanos(guest.pid());
        if (failures.get() > 0)
        {
            throw new IllegalStateException(failures.get() + " calls of " + name + " failed or were wrong");
        }
        for (final Histogram h : perThread)
        {
            merged.add(h);
        }
        final long total = Arrays.stream(perThread).mapToLong(Histogram::getTotalCount).sum();
        return new Counts(idle, threadCount, total, total * 1e9 / elapsed,
            elapsed / 1000.0 * threadCount / Math.max(1, total),
            ProcessCpu.percent(hostCpu0, hostCpu1, elapsed), ProcessCpu.percent(guestCpu0, guestCpu1, elapsed),
            host.unknownResponses(), host.expiredResponses());
    }

    private static void callLoop(
        final IpcHost host,
        final RunLength run,
        final int threadCount,
        final Histogram histogram,
        final AtomicLong calls,
        final AtomicLong failures,
        final CountDownLatch warmedUp,
        final CountDownLatch go,
        final long[] measureWindow)
    {
        try
        {
            final AddCall add = new AddCall();
            final long warmStart = System.nanoTime();
            long warm = 0;
            while (!run.warmupDone(warm * threadCount, System.nanoTime() - warmStart))
            {
                call(host, add, warm, null, failures);
                warm++;
            }
            warmedUp.countDown();
            go.await();
            final long start = measureWindow[0];
            long n = 0;
            while (!run.measureDone(calls.get(), System.nanoTime() - start))
            {
                call(host, add, n++, histogram, failures);
                calls.incrementAndGet();
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        catch (final RuntimeException ex)
        {
            failures.incrementAndGet();
            warmedUp.countDown();
        }
    }

    private static void call(
        final IpcHost host, final AddCall add, final long i, final Histogram histogram, final AtomicLong failures)
    {
        add.request(i, 0.5);
        final long start = System.nanoTime();
        try
        {
            host.call(add, add, CALL_TIMEOUT);
        }
        catch (final TimeoutException ex)
        {
            failures.incrementAndGet();
            return;
        }
        final long rtt = System.nanoTime() - start;
        if (histogram != null)
        {
            histogram.recordValue(Math.min(rtt, histogram.getHighestTrackableValue()));
        }
        if (add.problem() != null)
        {
            failures.incrementAndGet();
        }
    }
}
