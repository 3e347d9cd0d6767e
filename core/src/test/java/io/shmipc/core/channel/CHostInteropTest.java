package io.shmipc.core.channel;

import io.shmipc.core.ChildProcess;
import io.shmipc.core.NativePeer;
import io.shmipc.core.TestSegments;
import io.shmipc.core.segment.SharedSegment;
import com.google.flatbuffers.FlatBufferBuilder;
import io.shmipc.schemas.IpcMessages;
import io.shmipc.signals.NamedSignals;
import ipc.AddRequest;
import ipc.Message;
import ipc.Payload;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The other direction of {@code IpcChannelTest#cGuestAnswersTheJavaHost}: our C host
 * ({@code src/test/c/simpleipc_host.c}, written from the spec to behave like the original C++ host: N calling threads,
 * one writer thread that publishes and posts every batch, a reader that spins about 4000 polls, then waits 100 ms on
 * the semaphore) creates the channel and calls a Java {@link IpcGuest} running in this JVM, which answers
 * {@code AddRequest{x,y}} with {@code AddResponse{x+y}}. The host checks every result and req_id; the guest checks that
 * every request is the exact bytes Java's FlatBuffers builder makes for the same Message, and that every req_id of the
 * run arrives once.
 * <p>
 * At most two threads spin at once: the host's reader for its 4000 polls and the guest's reader; everything else
 * blocks (the host's callers and writer on condition variables, the guest's writer in {@code wait}).
 */
class CHostInteropTest
{
    private static final int CAPACITY = 1024 * 1024;

    private final String name = TestSegments.uniqueName("chost");
    private final List<AutoCloseable> resources = new ArrayList<>();

    @AfterEach
    void cleanUp() throws Exception
    {
        for (int i = resources.size() - 1; i >= 0; i--)
        {
            resources.get(i).close();
        }
        Files.deleteIfExists(SharedSegment.shmPath(name));
        NamedSignals.unlink(NamedSignals.requestSignalName(name));
        NamedSignals.unlink(NamedSignals.responseSignalName(name));
    }

    private <T extends AutoCloseable> T keep(final T resource)
    {
        resources.add(resource);
        return resource;
    }

    @ParameterizedTest(name = "{0} host threads x {1} calls, guest reader {2}, {3}")
    @CsvSource({"1, 3000, wait, DEDICATED", "4, 2000, wait, DEDICATED", "8, 1000, wait, DEDICATED",
        "4, 2000, backoff, DEDICATED", "1, 2000, wait, SHARED", "8, 1000, wait, SHARED", "1, 2000, backoff, INVOKER",
        "8, 1000, backoff, INVOKER"})
    @Timeout(60)
    void cHostCallsTheJavaGuest(final int threads, final int iterations, final String readerIdle,
        final ThreadingMode mode) throws Exception
    {
        this.mode = mode;
        run(threads, iterations, CAPACITY, readerIdle);
    }

    /** The guest's threading mode; INVOKER guests are driven by a thread of the test. */
    private ThreadingMode mode = ThreadingMode.DEDICATED;

    /**
     * A ring smaller than the 8 threads' requests in flight (8 x 80 bytes into 256): the host's writer finds it full,
     * publishes what it has and waits for room, and both sides wrap with padding blocks and skips every few blocks.
     */
    @Test
    @Timeout(60)
    void cHostWrapsATinyRingAndWaitsForRoom() throws Exception
    {
        run(8, 500, 256, "wait");
    }

    /**
     * The host's own checks must be able to fail, or the tests above prove nothing: a wrong sum is exit 1 with
     * {@code wrong=1}, and every other call is still answered.
     */
    @Test
    @Timeout(60)
    void aWrongAnswerMakesTheCHostExit1() throws Exception
    {
        final CheckingGuest guest = new CheckingGuest(401, 50, 0);
        final HostRun run = runHost(2, 200, CAPACITY, "wait", guest);
        assertEquals(1, run.exit, run.output);
        assertEquals(1L, run.values.get("wrong"), run.output);
        assertEquals(400L, run.values.get("answered"), run.output);
        assertEquals(0L, run.values.get("timeouts"), run.output);
        assertTrue(run.output.contains("req_id=50 "), run.output);
    }

    /**
     * A call the guest never answers fails after the call timeout (1 s here, 10 s by default): exit 2, and the other
     * calling threads stop after their current call.
     */
    @Test
    @Timeout(60)
    void anUnansweredCallMakesTheCHostExit2() throws Exception
    {
        final CheckingGuest guest = new CheckingGuest(401, 0, 50);
        final HostRun run = runHost(2, 200, CAPACITY, "wait", guest, "--call-timeout", "1");
        assertEquals(2, run.exit, run.output);
        assertEquals(1L, run.values.get("timeouts"), run.output);
        assertEquals(0L, run.values.get("wrong"), run.output);
        assertTrue(run.values.get("calls") < 400, run.output);
        assertTrue(run.output.contains("req_id=50 "), run.output);
    }

    /** The application's duty cycle of an INVOKER guest: invoke until the guest stops (its host removed the file). */
    private static Thread invokeUntilStopped(final IpcGuest guest)
    {
        final Thread thread = new Thread(() ->
        {
            final BackoffIdleStrategy idle = new BackoffIdleStrategy();
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (guest.isRunning() && System.nanoTime() - deadline < 0)
            {
                idle.idle(guest.invoker().invoke());
            }
        }, "test-guest-duty-cycle");
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    private void run(final int threads, final int iterations, final int capacity, final String readerIdle)
        throws Exception
    {
        final long calls = (long)threads * iterations;
        final CheckingGuest checks = new CheckingGuest(calls + 1, 0, 0); // req_id 1 is the host's probe call
        final HostRun run = runHost(threads, iterations, capacity, readerIdle, checks);
        final String output = run.output;
        assertEquals(0, run.exit, output);

        final Map<String, Long> result = run.values;
        assertEquals(calls, result.get("calls"), output);
        assertEquals(calls, result.get("answered"), "every call answered: " + output);
        assertEquals(0L, result.get("wrong"), output);
        assertEquals(0L, result.get("unknown"), output);
        assertEquals(0L, result.get("timeouts"), output);
        assertEquals(0L, result.get("corrupt"), output);
        assertTrue(result.get("posts") >= result.get("batches") && result.get("batches") > 0, output);
        assertTrue(output.contains("Throughput: ") && output.contains(" ops/s"), output);
        assertTrue(output.contains("Avg Latency: ") && output.contains(" us"), output);

        assertNull(checks.failure.get(), () -> "guest handler failed: " + checks.failure.get());
        assertEquals(calls + 1, checks.requests.get(), "requests the guest saw (the calls and the probe)");
        assertEquals(0, checks.notByteExact.get(), () -> "requests that are not the bytes Java's builder makes, " +
            "first: " + checks.firstMismatch.get());
        synchronized (checks.seenIds)
        {
            assertEquals(calls + 1, checks.seenIds.cardinality(), "every req_id from 1 to calls + 1 seen once");
        }
        assertEquals(0, checks.badIds.get(), "req_ids out of range or seen twice");
        assertEquals(0, checks.notSent.get(), "responses that found no room");

        assertTrue(run.guest.awaitStop(Duration.ofSeconds(5)), "the guest stops once the host removed its segment");
        assertTrue(String.valueOf(run.guest.stopReason()).contains("removed"), run.guest.stopReason());
        assertFalse(Files.exists(SharedSegment.shmPath(name)), "the C host unlinks its segment at exit");
        assertFalse(Files.exists(SharedSegment.SHM_DIRECTORY.resolve("sem." + name + "_REQ")), "and _REQ");
        assertFalse(Files.exists(SharedSegment.SHM_DIRECTORY.resolve("sem." + name + "_RESP")), "and _RESP");
    }

    private static final class HostRun
    {
        final int exit;
        final String output;
        final Map<String, Long> values;
        final IpcGuest guest;

        HostRun(final int exit, final String output, final IpcGuest guest)
        {
            this.exit = exit;
            this.output = output;
            this.values = machineLine(output);
            this.guest = guest;
        }
    }

    /**
     * Start the C host (it creates the channel and makes one probe call that waits up to 30 s for a guest), then the
     * guest in this JVM, and wait for the host to exit.
     */
    private HostRun runHost(final int threads, final int iterations, final int capacity, final String readerIdle,
        final CheckingGuest handler, final String... extraArgs) throws Exception
    {
        final Path program = NativePeer.compile("simpleipc_host.c", "-pthread");
        final List<String> command = new ArrayList<>(List.of(program.toString(), name, "-t", String.valueOf(threads),
            "-i", String.valueOf(iterations), "-c", String.valueOf(capacity), "--wait-guest", "30"));
        command.addAll(List.of(extraArgs));
        final ChildProcess host = keep(ChildProcess.exec(command.toArray(new String[0])));
        host.awaitOutput("ready", 30, TimeUnit.SECONDS);

        final IpcGuest guest = keep(IpcGuest.start(ChannelConfig.builder(name)
            .threadingMode(mode)
            .readerIdle(readerIdle)
            .writerIdle("wait")
            .openTimeout(Duration.ofSeconds(20))
            .callTimeout(Duration.ofSeconds(10))
            .build(), handler));

        final Thread duty = mode == ThreadingMode.INVOKER ? invokeUntilStopped(guest) : null;
        final int exit = host.waitFor(60, TimeUnit.SECONDS);
        final String output = host.output();
        if (duty != null)
        {
            duty.join(20_000);
        }
        return new HostRun(exit, output, guest);
    }

    /** The {@code key=value} line the C host prints last. */
    private static Map<String, Long> machineLine(final String output)
    {
        final Map<String, Long> values = new HashMap<>();
        for (final String line : output.split("\n"))
        {
            if (line.startsWith("calls="))
            {
                for (final String pair : line.trim().split(" "))
                {
                    final int eq = pair.indexOf('=');
                    values.put(pair.substring(0, eq), Long.parseLong(pair.substring(eq + 1)));
                }
            }
        }
        for (final String key : new String[] {"calls", "answered", "wrong", "unknown", "timeouts", "corrupt",
            "batches", "posts", "elapsed_ns"})
        {
            assertTrue(values.containsKey(key), "no " + key + "= in the C host's output: " + output);
        }
        return values;
    }

    /**
     * The Go guest's answers (AddRequest{x,y} -> AddResponse{x+y}), on the guest's reader thread, checking each
     * request on the way.
     */
    private static final class CheckingGuest implements IpcGuest.RequestHandler
    {
        final AtomicLong requests = new AtomicLong();
        final AtomicLong notByteExact = new AtomicLong();
        final AtomicLong badIds = new AtomicLong();
        final AtomicLong notSent = new AtomicLong();
        final AtomicReference<String> firstMismatch = new AtomicReference<>();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final BitSet seenIds = new BitSet();
        private final long maxId;
        private final long wrongFor;
        private final long dropFor;
        private final FlatBufferBuilder responses = new FlatBufferBuilder(128);
        private final FlatBufferBuilder expected = new FlatBufferBuilder(128);
        private final byte[] copy = new byte[4096];

        /**
         * @param maxId    the highest req_id of the run.
         * @param wrongFor a req_id to answer with x + y + 1, or 0.
         * @param dropFor  a req_id not to answer, or 0.
         */
        CheckingGuest(final long maxId, final long wrongFor, final long dropFor)
        {
            this.maxId = maxId;
            this.wrongFor = wrongFor;
            this.dropFor = dropFor;
        }

        @Override
        public void onRequest(final DirectBuffer buffer, final int index, final int length, final IpcGuest guest)
        {
            try
            {
                requests.incrementAndGet();
                buffer.getBytes(index, copy, 0, length);
                final ByteBuffer request = ByteBuffer.wrap(copy, 0, length).order(ByteOrder.LITTLE_ENDIAN);
                final Message message = Message.getRootAsMessage(request);
                final long reqId = message.reqId();
                if (message.payloadType() != Payload.AddRequest)
                {
                    throw new AssertionError("req_id " + reqId + ": payload type " + message.payloadType());
                }
                final AddRequest add = (AddRequest)message.payload(new AddRequest());
                final double x = add.x();
                final double y = add.y();
                synchronized (seenIds)
                {
                    if (reqId < 1 || reqId > maxId || seenIds.get((int)reqId))
                    {
                        badIds.incrementAndGet();
                    }
                    else
                    {
                        seenIds.set((int)reqId);
                    }
                }
                final ByteBuffer javaBytes = IpcMessages.encodeAddRequest(expected, reqId, x, y);
                if (!javaBytes.equals(ByteBuffer.wrap(copy, 0, length)))
                {
                    notByteExact.incrementAndGet();
                    firstMismatch.compareAndSet(null, "req_id " + reqId + " {" + x + ", " + y + "}: C " +
                        hex(ByteBuffer.wrap(copy, 0, length)) + " Java " + hex(javaBytes));
                }
                if (reqId == dropFor)
                {
                    return;
                }
                final double sum = reqId == wrongFor ? x + y + 1 : x + y;
                if (!guest.respond(IpcMessages.encodeAddResponse(responses, reqId, sum)))
                {
                    notSent.incrementAndGet();
                }
            }
            catch (final Throwable ex)
            {
                failure.compareAndSet(null, ex);
                throw ex;
            }
        }

        private static String hex(final ByteBuffer bytes)
        {
            final StringBuilder text = new StringBuilder();
            for (int i = bytes.position(); i < bytes.limit(); i++)
            {
                text.append(String.format("%02x", bytes.get(i)));
            }
            return text.toString();
        }
    }
}
