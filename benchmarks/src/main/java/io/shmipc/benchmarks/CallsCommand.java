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
import io.shmipc.tools.cli.SizeConverter;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
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
    record Result(String command, Machine machine, Settings settings, List<Variant> variants)
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
        for (final String idle : specs)
        {
            for (final int t : threads)
            {
                final String label = IdleStrategies.parse(idle).name() + "/" + t + "t";
                context.progress().line("calls: " + label + ", " + run);
                final Histogram histogram = PeerCommand.newHistogram();
                final Counts counts = measure(context, idle, t, run, histogram);
                results.add(new Variant(Latency.summary(label, histogram), counts));
                histograms.put(label, histogram);
            }
        }

        out.println();
        out.println("calls (AddRequest round trips through IpcHost and an IpcGuest JVM), " + run + ", capacity " +
            capacity);
        out.println(machine.line());
        out.println("placement: " + SideCpus.OPTION + " " + cpus + (SideCpus.AUTO.equals(cpus) ? " (the host JVM's " +
            "threads on the first half of the allowed CPUs, the guest JVM's on the rest, except with a busy-spinning " +
            "reader)" : ""));
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
        for (final int t : threads)
        {
            final PercentilePlot plot = new PercentilePlot("calls round trip, " + t + " calling thread" +
                (t == 1 ? "" : "s") + ", by reader idle strategy", machine.brief() + "; " + run, "round trip");
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
        out.println("wrote " + written);

        if (null != common.json)
        {
            final Settings settings = new Settings(run.toString(), capacity,
                IdleStrategies.parse(writerIdle).toString(),
                (hostWriteMode != null ? hostWriteMode : ChannelConfig.WRITE_MODE_DEFAULT).name(),
                (hostReadMode != null ? hostReadMode : IpcHost.READ_MODE_DEFAULT).name(), guestWriteMode.name(), cpus);
            Json.write(common.json, new Result("calls", machine, settings, results));
            out.println("wrote " + common.json);
        }
        return 0;
    }

    /**
     * Run one strategy and thread count against a fresh guest JVM.
     *
     * @param merged receives the round trips of every calling thread.
     */
    private Counts measure(final BenchContext context, final String idle, final int threadCount, final RunLength run,
        final Histogram merged) throws Exception
    {
        final String name = context.shmPrefix() + "-" + ProcessHandle.current().pid() + "-calls-" +
            CHANNELS.incrementAndGet();
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
        final ChannelConfig config = builder.build();
        final Path log = Files.createTempFile("shmipc-bench-calls-guest", ".log");
        Process guest = null;
        // The host's agents and calling threads inherit this process's CPUs; the guest JVM is started from an unpinned
        // process (a child inherits its starter's CPUs) and places itself.
        final CpuSet hostCpus = SideCpus.pinProcess(cpus, SideCpus.Side.HOST,
            IdleStrategies.holdsCpu(config.readerIdleFactory()));
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
            final long waitDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!host.guestAlive())
            {
                if (!guest.isAlive() || System.nanoTime() - waitDeadline > 0)
                {
                    throw new IllegalStateException("the guest JVM did not start serving " + name + ": " +
                        Files.readString(log));
                }
                Thread.sleep(10);
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
            context.progress().line("calls: " + idle + " x " + threadCount + ": " + merged.getTotalCount() + " calls");
            return new Counts(idle, threadCount, merged.getTotalCount(), merged.getTotalCount() * 1e9 / elapsed,
                elapsed / 1000.0 * threadCount / Math.max(1, merged.getTotalCount()),
                ProcessCpu.percent(hostCpu0, hostCpu1, elapsed), ProcessCpu.percent(guestCpu0, guestCpu1, elapsed),
                host.unknownResponses(), host.expiredResponses());
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
