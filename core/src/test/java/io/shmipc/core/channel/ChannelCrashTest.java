package io.shmipc.core.channel;

import com.google.flatbuffers.FlatBufferBuilder;
import io.shmipc.core.ChildProcess;
import io.shmipc.core.ring.CorruptQueueException;
import io.shmipc.core.ring.SimpleIpcDescriptor;
import io.shmipc.core.segment.QueueId;
import io.shmipc.core.segment.SegmentTruncatedException;
import io.shmipc.core.segment.SharedSegment;
import io.shmipc.signals.NamedSignals;
import io.shmipc.schemas.IpcMessages;
import ipc.AddResponse;
import ipc.Message;
import org.agrona.concurrent.AtomicBuffer;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Hosts and guests killed with SIGKILL at random (seeded, {@code -Dshmipc.crash.seed}) moments, in numbers set by
 * {@code -Dshmipc.crash.rounds} (default 5): the surviving side serves the next peer every time, and every answer it
 * accepts is the right one. Also: a host's reader that fails is reported and fails calls at once, close from another
 * thread never unmaps under a caller, and a truncated segment stops both sides with the file and its size.
 */
class ChannelCrashTest
{
    private static final long SEED = Long.getLong("shmipc.crash.seed", System.nanoTime());
    private static final int ROUNDS = Integer.getInteger("shmipc.crash.rounds", 5);

    @RegisterExtension
    final TestChannel channel = new TestChannel("crashchan");
    private final String name = channel.name;

    private <T extends AutoCloseable> T keep(final T resource)
    {
        return channel.keep(resource);
    }

    private ChannelConfig.Builder config()
    {
        return ChannelConfig.builder(name).capacity(16 * 1024).callTimeout(Duration.ofSeconds(10));
    }

    private static double result(final ByteBuffer response)
    {
        return ((AddResponse)Message.getRootAsMessage(response).payload(new AddResponse())).result();
    }

    private static CompletableFuture<ByteBuffer> addAsync(final IpcHost host, final double x, final Duration timeout)
    {
        return host.callAsync((b, id) -> IpcMessages.encodeAddRequest(b, id, x, 1), timeout);
    }

    private static double add(final IpcHost host, final double x) throws TimeoutException
    {
        return result(host.call((b, id) -> IpcMessages.encodeAddRequest(b, id, x, 1), Duration.ofSeconds(10)));
    }

    /**
     * Guests doing 20 us of work per request, killed while up to 64 calls are in flight (so their reader is in the
     * middle of a batch): each next guest is served by the same host, and every answer the host accepts is right.
     */
    @Test
    @Timeout(180)
    void guestsKilledMidBatchNeverStopTheHostServingTheNextOne() throws Exception
    {
        final SplittableRandom random = new SplittableRandom(SEED);
        final IpcHost host =
            keep(IpcHost.start(config().peerTimeout(Duration.ofMillis(500)).build(), IpcMessages::reqId));
        long x = 0;
        long answered = 0;
        for (int round = 0; round <= ROUNDS; round++)
        {
            final ChildProcess guest = keep(ChildProcess.java(AddGuestMain.class, name, "wait", "work=20"));
            guest.awaitOutput("ready", 60, TimeUnit.SECONDS);
            final int r = round;
            assertEquals(x + 1, add(host, x), () -> "round " + r + ": the new guest is served (seed " + SEED + ")");
            x++;
            if (round == ROUNDS)
            {
                break;
            }
            final ArrayDeque<CompletableFuture<ByteBuffer>> inFlight = new ArrayDeque<>();
            final ArrayDeque<Double> expected = new ArrayDeque<>();
            final long killAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50 + random.nextInt(400));
            while (System.nanoTime() - killAt < 0)
            {
                while (inFlight.size() < 64)
                {
                    inFlight.add(addAsync(host, x, Duration.ofSeconds(2)));
                    expected.add(x + 1.0);
                    x++;
                }
                final CompletableFuture<ByteBuffer> oldest = inFlight.poll();
                final double want = expected.poll();
                assertEquals(want, result(oldest.get(10, TimeUnit.SECONDS)), "a right answer (seed " + SEED + ")");
                answered++;
            }
            guest.kill9();
            for (final CompletableFuture<ByteBuffer> call : inFlight)
            {
                final double want = expected.poll();
                try
                {
                    assertEquals(want, result(call.get(10, TimeUnit.SECONDS)));
                }
                catch (final ExecutionException ex)
                {
                    assertInstanceOf(TimeoutException.class, ex.getCause(), "a call the dead guest left times out");
                }
            }
        }
        assertTrue(answered > 0);
        assertEquals(0, host.malformedResponses());
        assertEquals(0, host.unknownResponses());
        assertNull(host.failure());
    }

    /**
     * Hosts killed while they call, with their guest attached: the guest sees each new host's epoch, re-attaches,
     * and serves it (issue: the old guest used to answer at its stale position and the new host was never served).
     */
    @Test
    @Timeout(180)
    void hostsKilledWithTheirGuestAttachedAreReplacedAndServed() throws Exception
    {
        final SplittableRandom random = new SplittableRandom(SEED + 1);
        final ChildProcess guest = keep(ChildProcess.java(AddGuestMain.class, name, "wait", "reattach"));
        final int rounds = Math.max(2, ROUNDS / 2);
        for (int round = 0; round < rounds; round++)
        {
            final ChildProcess host = ChildProcess.java(HostMain.class, name, "calls");
            try
            {
                host.awaitOutput("served", 60, TimeUnit.SECONDS);
                Thread.sleep(random.nextInt(300));
                assertTrue(host.isAlive(), host::output);
            }
            finally
            {
                host.kill9();
                host.close();
            }
        }
        final IpcHost host = keep(IpcHost.start(config().build(), IpcMessages::reqId));
        assertEquals(5, add(host, 4), () -> "the guest serves the newest host: " + guest.output());
        assertTrue(guest.output().contains("re-attached"), guest::output);
        assertTrue(guest.isAlive(), guest::output);
    }

    /**
     * A host that closed (removing the file) and a new one that created the file again on the same path within
     * milliseconds: the guest, still mapping the old file, sees that the path now names another file and leaves,
     * instead of taking the new host's lock for its old host's and serving nobody.
     */
    @Test
    @Timeout(60)
    void aGuestNoticesThatANewHostReplacedItsSegmentFile() throws Exception
    {
        final IpcHost first = IpcHost.start(config().build(), IpcMessages::reqId);
        final IpcGuest guest = keep(IpcGuest.start(config().build(), (buffer, index, length, g) -> { }));
        first.close();
        keep(IpcHost.start(config().build(), IpcMessages::reqId));
        assertTrue(guest.awaitStop(Duration.ofSeconds(5)), "the guest left the replaced file");
        assertTrue(guest.hostRestarted() || guest.stopReason().contains("removed"), guest.stopReason());
    }

    /** A host whose reader fails says why, counts it, and fails pending and later calls at once. */
    @Test
    @Timeout(60)
    void aHostWhoseReaderFailedSaysWhyAndFailsCallsAtOnce() throws Exception
    {
        final IpcHost host = keep(IpcHost.start(config().build(), IpcMessages::reqId));
        final CountDownLatch requests = new CountDownLatch(1);
        keep(IpcGuest.start(config().build(), (buffer, index, length, guest) -> requests.countDown()));
        final CompletableFuture<ByteBuffer> pending = addAsync(host, 1, Duration.ofSeconds(30));
        assertTrue(requests.await(10, TimeUnit.SECONDS));
        final AtomicBuffer fromGuest = host.segment().queueBuffer(QueueId.FROM_GUEST);
        fromGuest.putLong(SimpleIpcDescriptor.HEADER_LENGTH, 0x0BAD_0BAD_0000_0008L); // unknown magic
        fromGuest.putLongRelease(SimpleIpcDescriptor.WRITE_POS_OFFSET, 16);
        host.segment().simpleIpcRing(QueueId.FROM_GUEST); // still attachable: positions are consistent
        NamedSignals.open(NamedSignals.responseSignalName(name), Duration.ofSeconds(1)).post();

        final ExecutionException ex = assertThrows(ExecutionException.class, () -> pending.get(10, TimeUnit.SECONDS));
        assertInstanceOf(IllegalStateException.class, ex.getCause());
        assertInstanceOf(CorruptQueueException.class, ex.getCause().getCause());
        assertInstanceOf(CorruptQueueException.class, host.failure());
        assertEquals(1, host.errorCount());
        assertTrue(host.stopReason().contains("unknown magic"), host.stopReason());
        final long started = System.nanoTime();
        final IllegalStateException fast = assertThrows(IllegalStateException.class, () -> add(host, 2));
        assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(1), "failed at once, not by timeout");
        assertInstanceOf(CorruptQueueException.class, fast.getCause());
    }

    /**
     * A shutdown hook closes the host while other threads read its liveness and call: no thread touches the
     * mapping after it is gone (that would crash the JVM), each ends with an exception, and close returns fast.
     */
    @RepeatedTest(20)
    @Timeout(60)
    void closingFromAnotherThreadWhileThreadsReadLivenessAndCallNeverCrashes() throws Exception
    {
        final IpcHost host = IpcHost.start(config().readerIdle("wait").build(), IpcMessages::reqId);
        final AtomicInteger ended = new AtomicInteger();
        final AtomicReference<Throwable> unexpected = new AtomicReference<>();
        final List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 2; i++)
        {
            final boolean calls = i == 1;
            final Thread thread = new Thread(() ->
            {
                try
                {
                    while (true)
                    {
                        if (calls)
                        {
                            try
                            {
                                addAsync(host, 1, Duration.ofMillis(50));
                            }
                            catch (final IllegalStateException closed)
                            {
                                throw closed;
                            }
                        }
                        host.guestAlive();
                        host.pendingCalls();
                    }
                }
                catch (final IllegalStateException expectedAfterClose)
                {
                    ended.incrementAndGet();
                }
                catch (final Throwable t)
                {
                    unexpected.set(t);
                }
            });
            thread.start();
            threads.add(thread);
        }
        Thread.sleep(20 + new SplittableRandom(SEED).nextInt(50));
        final long started = System.nanoTime();
        host.close();
        assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(1), "close returns within 1 s");
        for (final Thread thread : threads)
        {
            thread.join(10_000);
            assertFalse(thread.isAlive());
        }
        assertNull(unexpected.get());
        assertEquals(2, ended.get(), "every thread ended with IllegalStateException");
        assertThrows(IllegalStateException.class, host::guestAlive);
    }

    /** {@code truncate -s 100} under a live channel: both sides stop, naming the file and its new size. */
    @Test
    @Timeout(60)
    void aTruncatedSegmentStopsBothSidesWithTheFileAndItsSize() throws Exception
    {
        final IpcHost host = keep(IpcHost.start(config().readerIdle("backoff").build(), IpcMessages::reqId));
        final IpcGuest guest = keep(IpcGuest.start(config().readerIdle("backoff").build(), (buffer, index, length, g) ->
            g.respond(IpcMessages.encodeAddResponse(new FlatBufferBuilder(64),
                IpcMessages.reqId(ByteBuffer.wrap(bytes(buffer, index, length)).order(ByteOrder.LITTLE_ENDIAN)),
                2))));
        assertEquals(2, add(host, 1));
        final Path file = SharedSegment.shmPath(name);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE))
        {
            channel.truncate(100);
        }
        assertTrue(guest.awaitStop(Duration.ofSeconds(10)), "the guest stops");
        final SegmentTruncatedException guestFailure =
            assertInstanceOf(SegmentTruncatedException.class, guest.failure());
        assertEquals(100, guestFailure.size());
        assertTrue(guestFailure.getMessage().contains(file.toString()) && guestFailure.getMessage().contains("100"),
            guestFailure.getMessage());
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (host.failure() == null && System.nanoTime() - deadline < 0)
        {
            Thread.sleep(10);
        }
        assertInstanceOf(SegmentTruncatedException.class, host.failure());
        assertInstanceOf(SegmentTruncatedException.class,
            assertThrows(IllegalStateException.class, () -> add(host, 3)).getCause());
    }

    private static byte[] bytes(final org.agrona.DirectBuffer buffer, final int index, final int length)
    {
        final byte[] bytes = new byte[length];
        buffer.getBytes(index, bytes);
        return bytes;
    }
}
