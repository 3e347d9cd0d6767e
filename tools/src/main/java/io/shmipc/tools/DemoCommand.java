package io.shmipc.tools;

import com.google.flatbuffers.FlatBufferBuilder;
import io.shmipc.core.QueueId;
import io.shmipc.core.SegmentLayout;
import io.shmipc.core.SharedSegment;
import io.shmipc.core.SimpleIpcRingBuffer;
import io.shmipc.idle.IdleSpec;
import io.shmipc.idle.IdleStrategies;
import io.shmipc.idle.NamedSignal;
import io.shmipc.idle.NamedSignals;
import io.shmipc.schemas.IpcMessages;
import ipc.AddResponse;
import ipc.Message;
import ipc.MyRandResponse;
import ipc.Payload;
import org.HdrHistogram.Histogram;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code shmipc demo}: a host (this process) and a guest (a second JVM) exchanging the original's AddRequest /
 * AddResponse workload over a fresh channel for a few seconds, with progress, a live {@code inspect}, and the
 * round-trip percentiles at the end. Every response is checked (same {@code req_id}, {@code x+y}, 0.12345 for
 * MyRandRequest); any mismatch makes it exit 1. The channel (segment and both semaphores) is removed at the end
 * whatever happens, and the guest is stopped.
 * <p>
 * One calling thread sends one request at a time and waits for its response with the {@code --idle} strategy;
 * the guest has one reader thread with the same strategy. The default {@code backoff} parks between polls, so
 * neither side pins a core; {@code busy-spin} gives the lowest latency and burns 100% of one core on each side.
 * Backoff parks are rounded up to the thread's timer slack (about 50 us, {@code /proc/self/timerslack_ns}),
 * which shows in the round trip when a side has gone to sleep.
 */
@Command(
    name = "demo",
    description = {
        "Run a host (this process) and a guest (a second JVM) over a new channel for a while: AddRequest calls, " +
        "one at a time, each response verified. Prints progress every 500 ms, an 'inspect' of the live channel, " +
        "then calls, throughput and round-trip percentiles. The channel is removed at the end."},
    mixinStandardHelpOptions = true,
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:Every response matched.",
        "1:A response did not match, the guest failed or did not answer in time.",
        "2:Usage error (bad duration, idle strategy or channel name)."})
final class DemoCommand implements Callable<Integer>
{
    private static final double RAND_EVERY = 16;
    private static final long PROGRESS_NS = TimeUnit.MILLISECONDS.toNanos(500);
    private static final int MAX_REPORTED_MISMATCHES = 5;

    @Option(names = "--duration", defaultValue = "3s", converter = DurationConverter.class,
        description = "How long the host makes calls, e.g. 500ms, 3s (default: ${DEFAULT-VALUE}).")
    Duration duration;

    @Option(names = "--name", description = "Channel name (default: shmipc-demo-PID). It must not exist yet.")
    String name;

    @Option(names = "--idle", defaultValue = IdleStrategies.BACKOFF,
        description = "Idle strategy of both readers: busy-spin, yield, no-op, backoff[:...], wait[:...] " +
        "(default: ${DEFAULT-VALUE}).")
    String idle;

    @Option(names = "--capacity", defaultValue = "1048576",
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

    private final byte[] responseBytes = new byte[4096];
    private final ByteBuffer response = ByteBuffer.wrap(responseBytes).order(ByteOrder.LITTLE_ENDIAN);
    private final Message message = new Message();
    private final AddResponse addResponse = new AddResponse();
    private final MyRandResponse randResponse = new MyRandResponse();
    private boolean received;
    private long receivedReqId;
    private byte receivedType;
    private double receivedResult;

    public Integer call() throws IOException, InterruptedException
    {
        final PrintWriter out = spec.commandLine().getOut();
        final PrintWriter err = spec.commandLine().getErr();
        final IdleSpec idleSpec = IdleStrategies.parse(idle);
        final String channel = null == name ? "shmipc-demo-" + ProcessHandle.current().pid() : name;
        final Path file = SharedSegment.shmPath(channel);
        final String requestName = NamedSignals.requestSignalName(channel);
        final String responseName = NamedSignals.responseSignalName(channel);
        if (Files.exists(file))
        {
            throw new CliException(ExitCodes.FAILURE, "channel " + channel + " already exists (" + file +
                "); choose another --name or remove the stale channel");
        }

        NamedSignal requestSignal = null;
        NamedSignal responseSignal = null;
        SharedSegment segment = null;
        Process guest = null;
        try
        {
            requestSignal = NamedSignals.create(requestName, 0600);
            responseSignal = NamedSignals.create(responseName, 0600);
            requestSignal.drain();
            responseSignal.drain();
            segment = SharedSegment.createNamed(channel, capacity, SegmentLayout.SIMPLE_IPC,
                SharedSegment.DEFAULT_PERMISSIONS);
            final SimpleIpcRingBuffer toGuest = segment.simpleIpcRing(QueueId.TO_GUEST);
            final SimpleIpcRingBuffer fromGuest = segment.simpleIpcRing(QueueId.FROM_GUEST);

            out.printf(Locale.ROOT, "demo: channel %s (%s, %d bytes per queue), idle %s, duration %s%n",
                channel, file, capacity, idleSpec, format(duration));
            out.flush();
            if (!IdleStrategies.WAIT.equals(idleSpec.name()))
            {
                fromGuest.awake(); // this reader never blocks on the signal: the guest may skip its posts
            }
            guest = startGuest(channel, out);
            final Result result = callLoop(out, toGuest, fromGuest, requestSignal,
                idleSpec.newStrategy(responseSignal, fromGuest), guest, file, channel);
            fromGuest.resetReaderState();
            printSummary(out, result);
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
            Files.deleteIfExists(file);
            NamedSignals.unlink(requestName);
            NamedSignals.unlink(responseName);
            stopGuest(guest, err);
            if (null != segment)
            {
                segment.close();
            }
            if (null != requestSignal)
            {
                requestSignal.close();
            }
            if (null != responseSignal)
            {
                responseSignal.close();
            }
        }
    }

    private Result callLoop(
        final PrintWriter out,
        final SimpleIpcRingBuffer toGuest,
        final SimpleIpcRingBuffer fromGuest,
        final NamedSignal requestSignal,
        final IdleStrategy idleStrategy,
        final Process guest,
        final Path file,
        final String channel)
    {
        final Histogram histogram = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
        final FlatBufferBuilder builder = new FlatBufferBuilder(128);
        final UnsafeBuffer requestBuffer = new UnsafeBuffer(0, 0);
        final SplittableRandom random = new SplittableRandom(42);
        final long callTimeoutNs = callTimeout.toNanos();
        final Result result = new Result(histogram);

        final long startNs = System.nanoTime();
        final long endNs = startNs + duration.toNanos();
        final long inspectNs = startNs + duration.toNanos() / 2;
        boolean inspected = false;
        long nextProgressNs = startNs + PROGRESS_NS;
        long lastProgressCalls = 0;
        long reqId = 0;
        long now = startNs;
        while (now - endNs < 0)
        {
            reqId++;
            final boolean rand = 0 == reqId % RAND_EVERY;
            final double x = Math.floor(random.nextDouble() * 1e6) / 8;
            final double y = Math.floor(random.nextDouble() * 1e6) / 8;
            final ByteBuffer request = rand ?
                IpcMessages.encodeMyRandRequest(builder, reqId) : IpcMessages.encodeAddRequest(builder, reqId, x, y);
            requestBuffer.wrap(request, request.position(), request.remaining());

            final long sentNs = System.nanoTime();
            if (!toGuest.write(SimpleIpcRingBuffer.MSG_TYPE_ID, requestBuffer, 0, requestBuffer.capacity()))
            {
                throw new CliException(ExitCodes.FAILURE,
                    "request queue full with no call outstanding: the guest is not consuming");
            }
            if (toGuest.readerNeedsWakeUp())
            {
                requestSignal.post();
            }

            received = false;
            idleStrategy.reset();
            while (true)
            {
                final int read = fromGuest.read(this::onResponse, 1);
                if (received)
                {
                    break;
                }
                if (0 == read)
                {
                    if (System.nanoTime() - sentNs > callTimeoutNs)
                    {
                        throw new CliException(ExitCodes.FAILURE, "no response to req_id " + reqId + " within " +
                            format(callTimeout) + (guest.isAlive() ? " (guest still running)" :
                            " (guest exited with " + guest.exitValue() + ")"));
                    }
                    idleStrategy.idle();
                }
            }
            now = System.nanoTime();
            histogram.recordValue(Math.min(now - sentNs, histogram.getHighestTrackableValue()));
            result.calls++;

            final double expected = rand ? DemoGuestCommand.RAND_RESULT : x + y;
            final byte expectedType = rand ? Payload.MyRandResponse : Payload.AddResponse;
            if (receivedReqId != reqId || receivedType != expectedType || receivedResult != expected)
            {
                result.mismatch(String.format(Locale.ROOT,
                    "sent req_id %d expecting %s %s, got req_id %d %s %s", reqId, Payload.name(expectedType),
                    expected, receivedReqId, 0 <= receivedType && receivedType < Payload.names.length ?
                    Payload.name(receivedType) : "type " + receivedType, receivedResult));
            }

            if (now - nextProgressNs >= 0)
            {
                final double elapsed = (now - startNs) / 1e9;
                out.printf(Locale.ROOT, "%6.1f s  calls %,10d  %,9.0f calls/s  p50 %8.1f us  p99 %8.1f us%n",
                    elapsed, result.calls, (result.calls - lastProgressCalls) / (PROGRESS_NS / 1e9 +
                    (now - nextProgressNs) / 1e9), histogram.getValueAtPercentile(50) / 1e3,
                    histogram.getValueAtPercentile(99) / 1e3);
                out.flush();
                lastProgressCalls = result.calls;
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

    private void onResponse(final int msgTypeId, final DirectBuffer buffer, final int index, final int length)
    {
        received = true;
        receivedReqId = -1;
        receivedType = Payload.NONE;
        receivedResult = Double.NaN;
        if (length > responseBytes.length)
        {
            return;
        }
        buffer.getBytes(index, responseBytes, 0, length);
        response.limit(length).position(0);
        if (!IpcMessages.isPlausibleMessage(response))
        {
            return;
        }
        Message.getRootAsMessage(response, message);
        receivedReqId = message.reqId();
        receivedType = message.payloadType();
        if (Payload.AddResponse == receivedType)
        {
            message.payload(addResponse);
            receivedResult = addResponse.result();
        }
        else if (Payload.MyRandResponse == receivedType)
        {
            message.payload(randResponse);
            receivedResult = randResponse.result();
        }
    }

    private Process startGuest(final String channel, final PrintWriter out) throws IOException, InterruptedException
    {
        final String java = ProcessHandle.current().info().command()
            .orElse(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        final List<String> command = new ArrayList<>(List.of(java,
            "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
            "-XX:+UseSerialGC", "-Xmx64m", "-XX:TieredStopAtLevel=4",
            "-cp", System.getProperty("java.class.path"),
            Main.class.getName(), "guest-internal",
            "--name", channel,
            "--idle", idle,
            "--host-pid", Long.toString(ProcessHandle.current().pid()),
            "--deadline", (duration.toMillis() + startTimeout.toMillis() + 60_000) + "ms",
            "--open-timeout", startTimeout.toMillis() + "ms"));
        final Process guest = new ProcessBuilder(command).redirectErrorStream(true).start();
        final CountDownLatch ready = new CountDownLatch(1);
        final Thread forwarder = new Thread(() ->
        {
            try (BufferedReader lines = new BufferedReader(
                new InputStreamReader(guest.getInputStream(), StandardCharsets.UTF_8)))
            {
                String line;
                while (null != (line = lines.readLine()))
                {
                    if (DemoGuestCommand.READY.equals(line))
                    {
                        ready.countDown();
                    }
                    out.println("[guest] " + line);
                    out.flush();
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
                throw new CliException(ExitCodes.FAILURE, "guest JVM did not attach within " + format(startTimeout));
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
        guest.getInputStream().close();
    }

    private static void printSummary(final PrintWriter out, final Result result)
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
        out.printf(Locale.ROOT, "mismatches   %d%n", result.mismatches);
        out.flush();
    }

    private static String format(final Duration d)
    {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
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
