package io.shmipc.tools;

import com.google.flatbuffers.FlatBufferBuilder;
import io.shmipc.core.QueueId;
import io.shmipc.core.SharedSegment;
import io.shmipc.core.SimpleIpcRingBuffer;
import io.shmipc.idle.IdleSpec;
import io.shmipc.idle.IdleStrategies;
import io.shmipc.idle.NamedSignal;
import io.shmipc.idle.NamedSignals;
import io.shmipc.schemas.IpcMessages;
import ipc.AddRequest;
import ipc.Message;
import ipc.Payload;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The guest side of {@code demo}, run by the host in a second JVM (hidden: {@code guest-internal}). One thread
 * reads requests from {@code toGuest} and answers each on {@code fromGuest} with the same {@code req_id}:
 * {@code AddRequest{x,y}} with {@code AddResponse{x+y}}, {@code MyRandRequest} with {@code MyRandResponse{0.12345}}.
 * It posts {@code NAME_RESP} after a publish when the host's reader may be asleep.
 * <p>
 * It stops, always within about 100 ms plus one idle period, when the segment file is removed, when the host
 * process is gone, or at its deadline; it never waits without a bound.
 */
@Command(name = "guest-internal", hidden = true, description = "Guest side of 'demo' (internal).")
final class DemoGuestCommand implements Callable<Integer>
{
    static final String READY = "guest ready";
    static final double RAND_RESULT = 0.12345;

    private static final long FULL_QUEUE_PARK_NS = TimeUnit.MICROSECONDS.toNanos(100);
    private static final long CHECK_INTERVAL_NS = TimeUnit.MILLISECONDS.toNanos(50);

    @Option(names = "--name", required = true)
    String name;

    @Option(names = "--idle", defaultValue = "backoff")
    String idle;

    @Option(names = "--host-pid", defaultValue = "-1")
    long hostPid;

    @Option(names = "--deadline", defaultValue = "5m", converter = DurationConverter.class)
    Duration deadline;

    @Option(names = "--open-timeout", defaultValue = "10s", converter = DurationConverter.class)
    Duration openTimeout;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private final FlatBufferBuilder builder = new FlatBufferBuilder(128);
    private final UnsafeBuffer responseBuffer = new UnsafeBuffer(0, 0);
    private final byte[] requestBytes = new byte[4096];
    private final ByteBuffer request = ByteBuffer.wrap(requestBytes).order(ByteOrder.LITTLE_ENDIAN);
    private final Message message = new Message();
    private final AddRequest addRequest = new AddRequest();
    private SimpleIpcRingBuffer fromGuest;
    private NamedSignal responseSignal;
    private long answered;
    private long unknown;
    private long endNs;

    public Integer call()
    {
        final long startNs = System.nanoTime();
        endNs = startNs + deadline.toNanos();
        final IdleStrategy idleStrategy;
        final Path file = SharedSegment.shmPath(name);
        final PrintWriter out = spec.commandLine().getOut();
        try (SharedSegment segment = SharedSegment.openNamed(name, false, openTimeout);
            NamedSignal requestSignal = NamedSignals.open(NamedSignals.requestSignalName(name), openTimeout);
            NamedSignal responseSignal = NamedSignals.open(NamedSignals.responseSignalName(name), openTimeout))
        {
            this.responseSignal = responseSignal;
            final SimpleIpcRingBuffer toGuest = segment.simpleIpcRing(QueueId.TO_GUEST);
            fromGuest = segment.simpleIpcRing(QueueId.FROM_GUEST);
            final IdleSpec idleSpec = IdleStrategies.parse(idle);
            idleStrategy = idleSpec.newStrategy(requestSignal, toGuest);
            if (!IdleStrategies.WAIT.equals(idleSpec.name()))
            {
                toGuest.awake(); // never blocks on the signal: the host may skip its posts
            }
            final MessageHandler handler = this::onRequest;
            out.println(READY);
            out.flush();
            String reason = null;
            long nextCheckNs = System.nanoTime() + CHECK_INTERVAL_NS;
            try
            {
                while (null == reason)
                {
                    final int read = toGuest.read(handler, 64);
                    if (read > 0 && fromGuest.publish() && fromGuest.readerNeedsWakeUp())
                    {
                        responseSignal.post();
                    }
                    idleStrategy.idle(read);
                    final long now = System.nanoTime();
                    if (now - nextCheckNs >= 0)
                    {
                        nextCheckNs = now + CHECK_INTERVAL_NS;
                        reason = stopReason(file, now);
                    }
                }
            }
            finally
            {
                toGuest.resetReaderState();
            }
            out.println("guest: answered " + answered + " requests (" + unknown + " unknown), stopping: " + reason);
            out.flush();
        }
        return 0 == unknown ? ExitCodes.OK : ExitCodes.FAILURE;
    }

    private String stopReason(final Path file, final long now)
    {
        if (!Files.exists(file))
        {
            return "segment " + file + " removed";
        }
        if (hostPid > 0 && ProcessHandle.of(hostPid).map(p -> !p.isAlive()).orElse(true))
        {
            return "host process " + hostPid + " is gone";
        }
        if (now - endNs >= 0)
        {
            return "deadline of " + deadline + " reached";
        }
        return null;
    }

    private void onRequest(final int msgTypeId, final DirectBuffer buffer, final int index, final int length)
    {
        if (length > requestBytes.length)
        {
            unknown++;
            return;
        }
        buffer.getBytes(index, requestBytes, 0, length);
        request.limit(length).position(0);
        if (!IpcMessages.isPlausibleMessage(request))
        {
            unknown++;
            return;
        }
        Message.getRootAsMessage(request, message);
        final ByteBuffer response;
        switch (message.payloadType())
        {
            case Payload.AddRequest:
                message.payload(addRequest);
                response = IpcMessages.encodeAddResponse(builder, message.reqId(), addRequest.x() + addRequest.y());
                break;
            case Payload.MyRandRequest:
                response = IpcMessages.encodeMyRandResponse(builder, message.reqId(), RAND_RESULT);
                break;
            default:
                unknown++;
                return;
        }
        responseBuffer.wrap(response, response.position(), response.remaining());
        while (!fromGuest.append(responseBuffer, 0, responseBuffer.capacity()))
        {
            // The host reads every response it waits for; a full queue means it is slow or gone.
            if (fromGuest.publish() && fromGuest.readerNeedsWakeUp())
            {
                responseSignal.post();
            }
            if (System.nanoTime() - endNs >= 0)
            {
                throw new CliException(ExitCodes.FAILURE, "response queue stayed full until the deadline");
            }
            LockSupport.parkNanos(FULL_QUEUE_PARK_NS);
        }
        answered++;
    }
}
