package io.shmipc.tools;

import io.shmipc.affinity.CpuSet;
import io.shmipc.core.channel.ChannelConfig;
import io.shmipc.core.channel.IpcHost;
import io.shmipc.core.channel.ReadMode;
import io.shmipc.core.segment.SharedSegment;
import io.shmipc.core.channel.WriteMode;
import io.shmipc.signals.NamedSignals;
import io.shmipc.schemas.IpcMessages;
import io.shmipc.tools.cli.DurationConverter;
import io.shmipc.tools.cli.SizeConverter;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code shmipc host NAME}: the C++ host benchmark's behaviour over an {@link IpcHost}: it creates the channel
 * (32 MiB per queue by default), waits for a guest, then N threads each make M {@code AddRequest} calls, one at a
 * time, checking every result ({@code req_id} and {@code x+y}). It prints the original's two lines,
 * {@code Throughput: X ops/s} and {@code Avg Latency: Y us}, computed as the original does (total calls over total
 * elapsed time, and total elapsed time over total calls, spec section 8: with more than one thread this is not a
 * round trip), then the round-trip percentiles from an HdrHistogram of every call and the unknown/expired response
 * counters. The channel is removed when it ends (also on Ctrl-C), which stops a shmipc guest.
 * <p>
 * Waiting for the guest: a shmipc guest keeps a reader heartbeat ({@link IpcHost#guestAlive()}); a Go or C guest
 * keeps none, so the host also sends a warm-up MyRandRequest every second (timeout 1 s) until one is answered or
 * {@code --wait-guest} has passed. Warm-up calls that time out are answered late, and by a guest that
 * answers in order before the one answered in time, so the expired count on the {@code Calls:} line, counted from
 * then on, is the benchmark's own.
 */
@Command(
    name = "host",
    description = {
        "Create channel NAME and run the original C++ host benchmark over it: N threads x M AddRequest calls, each " +
        "result checked; prints 'Throughput: X ops/s', 'Avg Latency: Y us' (elapsed / calls, as the original), " +
        "round-trip percentiles and unknown/expired response counts. Removes the channel at the end."},
    mixinStandardHelpOptions = true,
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:Every call answered with the right result.",
        "1:No guest answered within --wait-guest, a call timed out, a result was wrong, or the reader failed " +
            "otherwise.",
        "2:Usage error (bad option, capacity, idle strategy, CPU spec or channel name).",
        "4:The channel could not be created (a live host holds it, or the file is unusable), or the segment was " +
            "truncated under the host's reader.",
        "5:The host's reader found the guest's queue (fromGuest) corrupt.",
        "130:Ctrl-C (SIGINT): the channel was closed and removed.",
        "143:SIGTERM: the channel was closed and removed."})
final class HostCommand implements Callable<Integer>
{
    private static final Duration WARM_UP_TIMEOUT = Duration.ofSeconds(1);
    private static final int MAX_REPORTED_ERRORS = 3;
    /** How long the shutdown hook lets the main thread stop calling and close the host itself. */
    private static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(2);

    @Parameters(paramLabel = "NAME", description = "Channel name: /dev/shm/NAME, semaphores /NAME_REQ and /NAME_RESP.")
    String name;

    @Option(names = "--threads", defaultValue = "1", description = "Calling threads (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--iterations", defaultValue = "100000",
        description = "Calls per thread (default: ${DEFAULT-VALUE}).")
    int iterations;

    @Option(names = "--capacity", defaultValue = "32MiB", converter = SizeConverter.class,
        description = "Bytes per queue, a multiple of 8, e.g. 1MiB (default: ${DEFAULT-VALUE}).")
    int capacity;

    @Option(names = "--caller",
        description = "The calling threads write requests and read responses themselves, one leading the reads for " +
            "all (write and read modes CALLER): no writer or reader thread, no hand-off. The default.")
    boolean caller;

    @Option(names = "--hand-off",
        description = "A writer thread and a reader thread do the channel's writes and reads, the calling threads " +
            "hand requests over and wait (write and read modes WRITER_THREAD, READER_THREAD): slower here.")
    boolean handOff;

    @Option(names = "--call-timeout", defaultValue = "5s", converter = DurationConverter.class,
        description = "Longest wait for one response (default: ${DEFAULT-VALUE}).")
    Duration callTimeout;

    @Option(names = "--wait-guest", defaultValue = "30s", converter = DurationConverter.class,
        description = "Longest wait for a guest to answer before the benchmark (default: ${DEFAULT-VALUE}).")
    Duration waitGuest;

    @CommandLine.Mixin
    ChannelSideOptions side;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public Integer call() throws InterruptedException
    {
        if (threads < 1 || threads > 1024)
        {
            throw new CommandLine.ParameterException(spec.commandLine(),
                "--threads must be from 1 to 1024, was " + threads);
        }
        if (caller && handOff)
        {
            throw new CommandLine.ParameterException(spec.commandLine(), "--caller and --hand-off exclude each other");
        }
        caller = !handOff;
        if (iterations < 1)
        {
            throw new CommandLine.ParameterException(spec.commandLine(),
                "--iterations must be positive, was " + iterations);
        }
        final ChannelConfig config = side.applyTo(ChannelConfig.builder(name))
            .capacity(capacity)
            .callTimeout(callTimeout)
            .writeMode(caller ? WriteMode.CALLER : WriteMode.WRITER_THREAD)
            .readMode(caller ? ReadMode.CALLER : ReadMode.READER_THREAD)
            .build();
        final PrintWriter out = spec.commandLine().getOut();
        final PrintWriter err = spec.commandLine().getErr();
        side.unusedPlacements(config).forEach(note -> err.println("shmipc host: note: " + note));
        final CpuSet pinned = side.pinCommandThreads(SideCpus.Side.HOST); // before the host's threads
        // The hook exists before the first file does: a signal during the start waits for it, then removes them.
        final ShutdownGuard<IpcHost> guard = new ShutdownGuard<IpcHost>("shmipc-host-shutdown", SHUTDOWN_GRACE,
            createdFilesRemover()).install();
        try
        {
            final IpcHost host = guard.startLocked(() -> IpcHost.start(config, IpcMessages::reqId));
            if (null == host)
            {
                return ExitCodes.INTERRUPTED; // the hook ran first: nothing was created
            }
            try
            {
                out.printf(Locale.ROOT, "host %s: %d thread%s x %d calls, capacity %d per queue, %s, reader idle %s, " +
                    "writer idle %s%n", name, threads, 1 == threads ? "" : "s", iterations, capacity,
                    caller ? "callers write and read (no hand-off)" : "hand-off to writer and reader threads (" +
                    config.threadingMode().name().toLowerCase(Locale.ROOT) + ")",
                    config.readerIdle(), config.writerIdle());
                out.println("host " + name + ": " + side.describeCpus(pinned));
                host.placements().forEach(placement -> out.println("host " + name + ": " + placement));
                out.flush();
                final String guest = awaitGuest(host, guard);
                if (null == guest)
                {
                    return interrupted(out);
                }
                out.println("host " + name + ": " + guest);
                out.flush();
                return benchmark(host, guard, out);
            }
            catch (final IllegalStateException ex)
            {
                if (guard.requested())
                {
                    return interrupted(out); // the hook closed the host under this thread after its grace
                }
                throw ex;
            }
            catch (final InternalError ex)
            {
                // the JVM's fault on a mapped page past the file's end: the segment was truncated under the host
                final Throwable failure = host.failure();
                throw null != failure ? readerFailed(host, failure) :
                    SegmentFiles.faulted(SharedSegment.shmPath(name), host.segment().length(), ex);
            }
            finally
            {
                guard.close();
                guard.mainDone();
            }
        }
        finally
        {
            guard.uninstall();
            SideCpus.unpinProcess(pinned);
        }
    }

    private int interrupted(final PrintWriter out)
    {
        out.println("host " + name + ": interrupted; the channel is closed and removed");
        out.flush();
        return ExitCodes.INTERRUPTED;
    }

    /**
     * @return what the shutdown hook removes if {@code IpcHost.start} is still running after
     * {@link ShutdownGuard#START_WAIT}: those of the channel's three files that did not exist before it began.
     */
    private Runnable createdFilesRemover()
    {
        final List<Path> files = List.of(SharedSegment.shmPath(name),
            NamedSignals.linuxFile(NamedSignals.requestSignalName(name)),
            NamedSignals.linuxFile(NamedSignals.responseSignalName(name)));
        final List<Path> absent = new ArrayList<>();
        files.stream().filter(f -> !Files.exists(f, LinkOption.NOFOLLOW_LINKS)).forEach(absent::add);
        return () ->
        {
            for (final Path file : absent)
            {
                try
                {
                    Files.deleteIfExists(file);
                }
                catch (final IOException ignore)
                {
                    // not ours to remove after all
                }
            }
        };
    }

    /**
     * @return the one-line failure of a host whose reader failed: exit 5 for a corrupt queue, 4 for a truncated
     * segment, 1 otherwise.
     */
    private CliException readerFailed(final IpcHost host, final Throwable failure)
    {
        final Path file = SharedSegment.shmPath(name);
        final long mapped = host.segment().length();
        return new CliException(SegmentFiles.exitCodeOf(failure, file, mapped), "channel " + name +
            ": the host's reader failed: " + SegmentFiles.describe(failure, file, mapped));
    }

    /**
     * @return how the guest was recognised, or null if the shutdown hook ran (Ctrl-C, SIGTERM).
     * @throws CliException if no guest answered within {@code --wait-guest}, or the host's reader failed.
     */
    private String awaitGuest(final IpcHost host, final ShutdownGuard<IpcHost> guard) throws InterruptedException
    {
        final long startNs = System.nanoTime();
        final long deadline = startNs + waitGuest.toNanos();
        long nextWarmUp = startNs;
        while (System.nanoTime() - deadline < 0)
        {
            if (guard.requested())
            {
                return null;
            }
            final Throwable failure = host.failure();
            if (null != failure)
            {
                throw readerFailed(host, failure);
            }
            if (host.guestAlive() || System.nanoTime() - nextWarmUp >= 0)
            {
                final boolean heartbeat = host.guestAlive();
                nextWarmUp = System.nanoTime() + WARM_UP_TIMEOUT.toNanos();
                try
                {
                    host.call(IpcMessages::encodeMyRandRequest, WARM_UP_TIMEOUT);
                    return "guest answered a warm-up call after " +
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs) + " ms" +
                        (heartbeat ? " (its heartbeat is fresh)" : " (no heartbeat: a C++/Go-style guest)");
                }
                catch (final TimeoutException | IllegalStateException ex)
                {
                    // no guest yet: its request waits in the queue and will be answered late (counted expired);
                    // or the reader failed (the next round reports it), or the hook closed the host
                }
            }
            else
            {
                Thread.sleep(20);
            }
        }
        if (guard.requested())
        {
            return null;
        }
        final Throwable failure = host.failure();
        if (null != failure)
        {
            throw readerFailed(host, failure);
        }
        throw new CliException(ExitCodes.FAILURE, "no guest answered on channel " + name + " within " +
            DurationConverter.format(waitGuest) + " (start one with: shmipc guest " + name + ")");
    }

    private int benchmark(final IpcHost host, final ShutdownGuard<IpcHost> guard, final PrintWriter out)
        throws InterruptedException
    {
        // late answers to warm-up calls (section on waiting for the guest) are not this benchmark's
        final long warmUpExpired = host.expiredResponses();
        final List<Histogram> histograms = new ArrayList<>(threads);
        final List<Thread> callers = new ArrayList<>(threads);
        final CountDownLatch start = new CountDownLatch(1);
        final AtomicLong completed = new AtomicLong();
        final AtomicLong wrong = new AtomicLong();
        final AtomicReference<String> failure = new AtomicReference<>();
        final AtomicReference<Throwable> fault = new AtomicReference<>();
        final List<String> errors = Collections.synchronizedList(new ArrayList<>());
        for (int t = 0; t < threads; t++)
        {
            final Histogram histogram = new Histogram(TimeUnit.MINUTES.toNanos(5), 3);
            histograms.add(histogram);
            final int threadIndex = t;
            final Thread callerThread = new Thread(() ->
            {
                try
                {
                    start.await();
                    callLoop(host, guard, threadIndex, histogram, completed, wrong, errors);
                }
                catch (final TimeoutException | RuntimeException ex)
                {
                    failure.compareAndSet(null, "thread " + threadIndex + ": " + ex.getMessage());
                }
                catch (final InterruptedException ex)
                {
                    failure.compareAndSet(null, "thread " + threadIndex + " interrupted");
                }
                catch (final InternalError ex)
                {
                    // the JVM's fault on a mapped page past the file's end: the segment was truncated
                    fault.compareAndSet(null, ex);
                    failure.compareAndSet(null, "thread " + threadIndex + ": " + ex.getMessage());
                }
            }, "host-caller-" + t);
            callerThread.setDaemon(true);
            callers.add(callerThread);
            if (!caller || threads > 1)
            {
                callerThread.start();
            }
        }

        final long startNs = System.nanoTime();
        start.countDown();
        if (caller && threads == 1)
        {
            // One caller: the thread that waited for the guest makes the calls too, writing and reading itself.
            callers.get(0).run();
        }
        for (final Thread callerThread : callers)
        {
            callerThread.join();
        }
        final long elapsedNs = System.nanoTime() - startNs;

        final Histogram all = new Histogram(TimeUnit.MINUTES.toNanos(5), 3);
        histograms.forEach(all::add);
        final long calls = completed.get();
        final double seconds = elapsedNs / 1e9;
        out.printf(Locale.ROOT, "Throughput: %.2f ops/s%n", calls / seconds);
        out.printf(Locale.ROOT, "Avg Latency: %.3f us%n", calls == 0 ? 0.0 : elapsedNs / 1e3 / calls);
        out.printf(Locale.ROOT, "RTT (us): p50 %.2f p90 %.2f p99 %.2f p99.9 %.2f max %.2f%n",
            all.getValueAtPercentile(50) / 1e3, all.getValueAtPercentile(90) / 1e3,
            all.getValueAtPercentile(99) / 1e3, all.getValueAtPercentile(99.9) / 1e3, all.getMaxValue() / 1e3);
        out.printf(Locale.ROOT, "Calls: %d in %.3f s, wrong results %d, unknown responses %d, expired responses %d%n",
            calls, seconds, wrong.get(), host.unknownResponses(), host.expiredResponses() - warmUpExpired);
        out.flush();
        if (guard.requested())
        {
            return interrupted(out);
        }
        final Throwable readerFailure = host.failure();
        if (null != readerFailure)
        {
            throw readerFailed(host, readerFailure);
        }
        if (null != fault.get())
        {
            throw SegmentFiles.faulted(SharedSegment.shmPath(name), host.segment().length(), fault.get());
        }
        if (null != failure.get())
        {
            throw new CliException(ExitCodes.FAILURE, "benchmark stopped after " + calls + " of " +
                (long)threads * iterations + " calls: " + failure.get());
        }
        if (wrong.get() > 0)
        {
            throw new CliException(ExitCodes.FAILURE, wrong.get() + " of " + calls + " results were wrong, e.g. " +
                String.join("; ", errors));
        }
        return ExitCodes.OK;
    }

    private void callLoop(
        final IpcHost host,
        final ShutdownGuard<IpcHost> guard,
        final int threadIndex,
        final Histogram histogram,
        final AtomicLong completed,
        final AtomicLong wrong,
        final List<String> errors) throws TimeoutException
    {
        final AddCall add = new AddCall();
        for (int i = 0; i < iterations && !guard.requested(); i++)
        {
            add.request(i, threadIndex + 0.5);
            final long sentNs = System.nanoTime();
            host.call(add, add, callTimeout);
            histogram.recordValue(Math.min(System.nanoTime() - sentNs, histogram.getHighestTrackableValue()));
            completed.incrementAndGet();
            final String problem = add.problem();
            if (null != problem)
            {
                wrong.incrementAndGet();
                if (errors.size() < MAX_REPORTED_ERRORS)
                {
                    errors.add(problem);
                }
            }
        }
    }
}
