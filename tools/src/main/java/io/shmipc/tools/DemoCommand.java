package io.shmipc.tools;

import io.shmipc.affinity.CpuSet;
import io.shmipc.core.channel.ChannelConfig;
import io.shmipc.core.channel.IpcHost;
import io.shmipc.core.channel.ReadMode;
import io.shmipc.core.segment.SharedSegment;
import io.shmipc.core.channel.WriteMode;
import io.shmipc.idle.ChildJvm;
import io.shmipc.idle.IdleStrategies;
import io.shmipc.schemas.AddService;
import io.shmipc.schemas.IpcMessages;
import io.shmipc.tools.cli.DurationConverter;
import io.shmipc.tools.cli.SizeConverter;
import ipc.AddResponse;
import ipc.Message;
import ipc.MyRandResponse;
import ipc.Payload;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code shmipc demo}: an {@link IpcHost} (this process) and {@code shmipc guest} (a second JVM) exchanging the
 * original's AddRequest / AddResponse workload over a fresh channel for a few seconds, with {@code watch}-style
 * rates while they talk, a live {@code inspect}, and the round-trip percentiles at the end. Every response is
 * checked (same {@code req_id}, {@code x+y}, 0.12345 for MyRandRequest); any mismatch makes it exit 1. The host
 * removes the channel (segment and both semaphores) at the end whatever happens, which stops the guest.
 * <p>
 * One calling thread makes one call at a time and, as both ends are shmipc, the fastest configuration is used: the
 * calling thread writes each request and reads its response itself (write and read modes CALLER), the guest answers
 * from its reader thread, and both readers poll block headers (trustPeer). The default idle strategy {@code wait}
 * spins while calls flow and blocks on the semaphore once they stop, so neither side costs CPU when idle;
 * {@code backoff} parks instead (parks are rounded up to the timer slack, about 50 us,
 * {@code /proc/self/timerslack_ns}); {@code busy-spin} burns 100% of a core on each side.
 */
@Command(
    name = "demo",
    description = {
        "Run a host (this process) and 'shmipc guest' (a second JVM) over a new channel for a while: AddRequest " +
        "calls, one at a time, each response verified. Prints watch-style rates every 500 ms, an 'inspect' of the " +
        "live channel, then calls, throughput and round-trip percentiles. The channel is removed at the end."},
    mixinStandardHelpOptions = true,
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:Every response matched.",
        "1:A response did not match, the guest failed or did not answer in time.",
        "2:Usage error (bad duration, idle strategy or channel name)."})
final class DemoCommand implements Callable<Integer>
{
    private static final int RAND_EVERY = 16;
    private static final long PROGRESS_NS = TimeUnit.MILLISECONDS.toNanos(500);
    private static final int MAX_REPORTED_MISMATCHES = 5;

    @Option(names = "--duration", defaultValue = "3s", converter = DurationConverter.class,
        description = "How long the host makes calls, e.g. 500ms, 3s (default: ${DEFAULT-VALUE}).")
    Duration duration;

    @Option(names = "--name", description = "Channel name (default: shmipc-demo-PID). It must not exist yet.")
    String name;

    @Option(names = "--idle", defaultValue = IdleStrategies.WAIT,
        description = "Idle strategy of every channel thread on both sides: busy-spin, yield, no-op, backoff[:...], " +
        "wait[:...] (default: ${DEFAULT-VALUE}).")
    String idle;

    @Option(names = "--capacity", defaultValue = "1MiB", converter = SizeConverter.class,
        description = "Bytes per queue, a multiple of 8 (default: ${DEFAULT-VALUE}).")
    int capacity;

    @Option(names = "--call-timeout", defaultValue = "5s", converter = DurationConverter.class,
        description = "Longest wait for one response (default: ${DEFAULT-VALUE}).")
    Duration callTimeout;

    @Option(names = "--start-timeout", defaultValue = "30s", converter = DurationConverter.class,
        description = "Longest wait for the guest JVM to attach (default: ${DEFAULT-VALUE}).")
    Duration startTimeout;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public Integer call() throws IOException, InterruptedException
    {
        final PrintWriter out = spec.commandLine().getOut();
        final PrintWriter err = spec.commandLine().getErr();
        final String channel = null == name ? "shmipc-demo-" + ProcessHandle.current().pid() : name;
        final ChannelConfig config = ChannelConfig.builder(channel)
            .capacity(capacity)
            .readerIdle(idle)
            .writerIdle(idle)
            .callTimeout(callTimeout)
            .writeMode(WriteMode.CALLER)
            .readMode(ReadMode.CALLER)
            .trustPeer(true)
            .build();
        final Path file = SharedSegment.shmPath(channel);
        if (Files.exists(file))
        {
            throw new CliException(ExitCodes.FAILURE, "channel " + channel + " already exists (" + file +
                "); choose another --name or remove the stale channel (shmipc clean " + channel + ")");
        }

        Process guest = null;
        CpuSet pinned = null;
        // The hook exists before the channel does (as for 'host'): Ctrl-C at any moment removes the channel's files.
        final ShutdownGuard<IpcHost> guard = new ShutdownGuard<IpcHost>("shmipc-demo-shutdown", Duration.ofSeconds(2),
            null).install();
        try
        {
            final IpcHost host = guard.startLocked(() -> IpcHost.start(config, IpcMessages::reqId));
            if (null == host)
            {
                return ExitCodes.INTERRUPTED;
            }
            try
            {
                out.printf(Locale.ROOT, "demo: channel %s (%s, %d bytes per queue), idle %s, duration %s%n",
                    channel, file, capacity, config.readerIdle(), DurationConverter.format(duration));
                out.flush();
                guest = startGuest(channel, out);
                // Only now, as a child JVM inherits the CPUs of the thread that starts it: the guest placed itself.
                pinned = SideCpus.pinProcess(null, SideCpus.Side.HOST);
                out.println("demo: host " + SideCpus.describe(pinned, null));
                out.flush();
                final Result result = callLoop(out, host, file, channel, guard);
                if (guard.requested())
                {
                    out.println("demo: interrupted after " + result.calls +
                        " calls; the channel is closed and removed");
                    out.flush();
                    return ExitCodes.INTERRUPTED;
                }
                printSummary(out, result, host);
                if (result.mismatches > 0)
                {
                    for (final String mismatch : result.firstMismatches)
                    {
                        err.println("demo: mismatch: " + mismatch);
                    }
                    throw new CliException(ExitCodes.FAILURE, result.mismatches + " of " + result.calls +
                        " responses did not match their request");
                }
                return ExitCodes.OK;
            }
            finally
            {
                guard.close();
                guard.mainDone();
            }
        }
        finally
        {
            stopGuest(guest, err); // the host has closed and removed the channel: the guest stops by itself
            guard.uninstall();
            SideCpus.unpinProcess(pinned);
        }
    }

    private Result callLoop(
        final PrintWriter out, final IpcHost host, final Path file, final String channel,
        final ShutdownGuard<IpcHost> guard)
    {
        final Histogram histogram = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
        final SplittableRandom random = new SplittableRandom(42);
        final Message message = new Message();
        final AddResponse addResponse = new AddResponse();
        final MyRandResponse randResponse = new MyRandResponse();
        final WatchCommand.Watcher watcher = new WatchCommand.Watcher(host.segment(), Long.MAX_VALUE);
        final Result result = new Result(histogram);

        final long startNs = System.nanoTime();
        final long endNs = startNs + duration.toNanos();
        final long inspectNs = startNs + duration.toNanos() / 2;
        boolean inspected = false;
        long nextProgressNs = startNs + PROGRESS_NS;
        long lastProgressCalls = 0;
        long lastProgressNs = startNs;
        watcher.refresh(startNs);
        long now = startNs;
        long call = 0;
        while (now - endNs < 0 && !guard.requested())
        {
            call++;
            final boolean rand = 0 == call % RAND_EVERY;
            final double x = Math.floor(random.nextDouble() * 1e6) / 8;
            final double y = Math.floor(random.nextDouble() * 1e6) / 8;
            final long[] sentId = new long[1];
            final long sentNs = System.nanoTime();
            final ByteBuffer response;
            try
            {
                response = host.call((builder, reqId) ->
                {
                    sentId[0] = reqId;
                    return rand ? IpcMessages.encodeMyRandRequest(builder, reqId) :
                        IpcMessages.encodeAddRequest(builder, reqId, x, y);
                }, callTimeout);
            }
            catch (final IllegalStateException ex)
            {
                if (guard.requested())
                {
                    break; // the shutdown hook closed the host
                }
                throw ex;
            }
            catch (final TimeoutException ex)
            {
                throw new CliException(ExitCodes.FAILURE, "no response to req_id " + sentId[0] + " within " +
                    DurationConverter.format(callTimeout) + " (is the guest alive? its output is above)");
            }
            now = System.nanoTime();
            histogram.recordValue(Math.min(now - sentNs, histogram.getHighestTrackableValue()));
            result.calls++;

            final double expected = rand ? AddService.RAND_RESULT : x + y;
            final byte expectedType = rand ? Payload.MyRandResponse : Payload.AddResponse;
            long gotId = -1;
            byte gotType = Payload.NONE;
            double got = Double.NaN;
            if (IpcMessages.isPlausibleMessage(response))
            {
                Message.getRootAsMessage(response, message);
                gotId = message.reqId();
                gotType = message.payloadType();
                if (Payload.AddResponse == gotType)
                {
                    got = ((AddResponse)message.payload(addResponse)).result();
                }
                else if (Payload.MyRandResponse == gotType)
                {
                    got = ((MyRandResponse)message.payload(randResponse)).result();
                }
            }
            if (gotId != sentId[0] || gotType != expectedType || got != expected)
            {
                result.mismatch(String.format(Locale.ROOT, "sent req_id %d expecting %s %s, got req_id %d type %d %s",
                    sentId[0], Payload.name(expectedType), expected, gotId, gotType, got));
            }

            if (now - nextProgressNs >= 0)
            {
                progress(out, watcher.refresh(now), now - startNs, result.calls - lastProgressCalls,
                    now - lastProgressNs, histogram);
                lastProgressCalls = result.calls;
                lastProgressNs = now;
                nextProgressNs = now + PROGRESS_NS;
            }
            if (!inspected && now - inspectNs >= 0)
            {
                inspected = true;
                out.println("--- inspect " + channel + " (live)");
                out.print(ChannelReport.inspect(file, channel).text());
                out.println("---");
                out.flush();
                now = System.nanoTime();
            }
        }
        result.elapsedNs = now - startNs;
        return result;
    }

    /** One progress block: calls and rate, then each queue as {@code watch} shows it. */
    private static void progress(
        final PrintWriter out, final List<WatchCommand.Watcher.QueueRates> queues, final long elapsedNs,
        final long calls, final long intervalNs, final Histogram histogram)
    {
        out.printf(Locale.ROOT, "%6.1f s  %,9.0f calls/s  p50 %8.1f us  p99 %8.1f us%n", elapsedNs / 1e9,
            calls / (intervalNs / 1e9), histogram.getValueAtPercentile(50) / 1e3,
            histogram.getValueAtPercentile(99) / 1e3);
        for (final WatchCommand.Watcher.QueueRates q : queues)
        {
            final QueueSnapshot s = q.snapshot();
            out.printf(Locale.ROOT, "          %-9s writePos %,12d  readPos %,12d  lag %,6d bytes %3d msgs  " +
                "write %8.3f MB/s  read %8.3f MB/s%n", s.name(), s.writePos(), s.readPos(), s.usedBytes(),
                s.pendingMessages(), q.writeBytesPerSec() / 1e6, q.readBytesPerSec() / 1e6);
        }
        out.flush();
    }

    private Process startGuest(final String channel, final PrintWriter out) throws IOException, InterruptedException
    {
        final Process guest = ChildJvm.of(Main.class)
            .jvmOptions("-XX:+UseSerialGC", "-Xmx64m")
            .args("guest", channel, "--idle", idle, "--trust-peer", "--timeout", DurationConverter.format(startTimeout))
            .processBuilder().redirectErrorStream(true).start();
        final CountDownLatch ready = new CountDownLatch(1);
        final Thread forwarder = new Thread(() ->
        {
            try (BufferedReader lines = new BufferedReader(
                new InputStreamReader(guest.getInputStream(), StandardCharsets.UTF_8)))
            {
                String line;
                while (null != (line = lines.readLine()))
                {
                    out.println("[guest] " + line);
                    out.flush();
                    if (line.contains(": " + GuestCommand.ATTACHED + " to "))
                    {
                        ready.countDown();
                    }
                }
            }
            catch (final IOException ignore)
            {
                // the guest's output closed: it has exited
            }
        }, "demo-guest-output");
        forwarder.setDaemon(true);
        forwarder.start();
        final long deadline = System.nanoTime() + startTimeout.toNanos();
        while (!ready.await(50, TimeUnit.MILLISECONDS))
        {
            if (!guest.isAlive())
            {
                forwarder.join(1000);
                throw new CliException(ExitCodes.FAILURE, "guest JVM exited with " + guest.exitValue() +
                    " before attaching (its output is above)");
            }
            if (System.nanoTime() - deadline >= 0)
            {
                guest.destroyForcibly();
                throw new CliException(ExitCodes.FAILURE, "guest JVM did not attach within " +
                    DurationConverter.format(startTimeout));
            }
        }
        return guest;
    }

    /** The guest stops by itself once the segment file is gone; it is killed if it has not within 5 s. */
    private static void stopGuest(final Process guest, final PrintWriter err) throws InterruptedException, IOException
    {
        if (null == guest)
        {
            return;
        }
        if (!guest.waitFor(5, TimeUnit.SECONDS))
        {
            err.println("demo: guest did not stop within 5 s, killing it");
            guest.destroyForcibly();
            guest.waitFor(5, TimeUnit.SECONDS);
        }
        Thread.sleep(100); // let the forwarder print the guest's last line
        guest.getInputStream().close();
    }

    private static void printSummary(final PrintWriter out, final Result result, final IpcHost host)
    {
        final Histogram h = result.histogram;
        final double seconds = result.elapsedNs / 1e9;
        out.printf(Locale.ROOT, "calls        %d%n", result.calls);
        out.printf(Locale.ROOT, "elapsed      %.3f s%n", seconds);
        out.printf(Locale.ROOT, "throughput   %.0f calls/s%n", result.calls / seconds);
        out.printf(Locale.ROOT,
            "rtt (us)     p50 %.1f  p90 %.1f  p99 %.1f  p99.9 %.1f  max %.1f  mean %.1f%n",
            h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(90) / 1e3,
            h.getValueAtPercentile(99) / 1e3, h.getValueAtPercentile(99.9) / 1e3, h.getMaxValue() / 1e3,
            h.getMean() / 1e3);
        out.printf(Locale.ROOT, "mismatches   %d (unknown responses %d, expired %d)%n", result.mismatches,
            host.unknownResponses(), host.expiredResponses());
        out.flush();
    }

    private static final class Result
    {
        final Histogram histogram;
        final List<String> firstMismatches = new ArrayList<>();
        long calls;
        long mismatches;
        long elapsedNs;

        Result(final Histogram histogram)
        {
            this.histogram = histogram;
        }

        void mismatch(final String description)
        {
            mismatches++;
            if (firstMismatches.size() < MAX_REPORTED_MISMATCHES)
            {
                firstMismatches.add(description);
            }
        }
    }
}
