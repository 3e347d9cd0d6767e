package io.shmipc.core.channel;

import com.google.flatbuffers.FlatBufferBuilder;
import io.shmipc.core.ChildProcess;
import io.shmipc.core.NativePeer;
import io.shmipc.core.ring.SimpleIpcDescriptor;
import io.shmipc.core.segment.QueueId;
import io.shmipc.core.segment.SegmentException;
import io.shmipc.core.segment.SharedSegment;
import io.shmipc.signals.NamedSignals;
import io.shmipc.schemas.IpcMessages;
import ipc.AddRequest;
import ipc.AddResponse;
import ipc.Message;
import ipc.MyRandResponse;
import ipc.Payload;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Host and guest channels across processes: a Java guest JVM, our C guest, killed peers, stale and live segments.
 */
class IpcChannelTest
{
    @RegisterExtension
    final TestChannel channel = new TestChannel("chan");
    private final String name = channel.name;

    private <T extends AutoCloseable> T keep(final T resource)
    {
        return channel.keep(resource);
    }

    private ChannelConfig.Builder config()
    {
        return ChannelConfig.builder(name).capacity(64 * 1024).callTimeout(Duration.ofSeconds(10));
    }

    private static double add(final IpcHost host, final double x, final double y) throws TimeoutException
    {
        final ByteBuffer response =
            host.call((b, id) -> IpcMessages.encodeAddRequest(b, id, x, y), Duration.ofSeconds(10));
        final Message message = Message.getRootAsMessage(response);
        assertEquals(Payload.AddResponse, message.payloadType());
        return ((AddResponse)message.payload(new AddResponse())).result();
    }

    /** Every call from every thread gets its own answer. */
    private static void callFromThreads(final IpcHost host, final int threads, final int callsPerThread)
        throws Exception
    {
        final List<CompletableFuture<Void>> workers = new ArrayList<>();
        final AtomicInteger done = new AtomicInteger();
        for (int t = 0; t < threads; t++)
        {
            workers.add(CompletableFuture.runAsync(() ->
            {
                final ThreadLocalRandom random = ThreadLocalRandom.current();
                try
                {
                    for (int i = 0; i < callsPerThread; i++)
                    {
                        final double x = random.nextInt(1_000_000);
                        final double y = random.nextInt(1_000_000) / 4.0;
                        assertEquals(x + y, add(host, x, y), 0.0, "call " + i);
                        done.incrementAndGet();
                    }
                    final ByteBuffer rand =
                        host.call((b, id) -> IpcMessages.encodeMyRandRequest(b, id), Duration.ofSeconds(10));
                    final Message message = Message.getRootAsMessage(rand);
                    assertEquals(Payload.MyRandResponse, message.payloadType());
                    assertEquals(0.12345, ((MyRandResponse)message.payload(new MyRandResponse())).result());
                }
                catch (final TimeoutException ex)
                {
                    throw new AssertionError(ex);
                }
            }, runnable -> new Thread(runnable, "caller").start()));
        }
        for (final CompletableFuture<Void> worker : workers)
        {
            worker.get(120, TimeUnit.SECONDS);
        }
        assertEquals(threads * callsPerThread, done.get());
        assertEquals(0, host.unknownResponses());
        assertEquals(0, host.expiredResponses());
        assertEquals(0, host.pendingCalls());
    }

    @ParameterizedTest(name = "{0} calling threads, readers poll block headers: {1}")
    @CsvSource({"1, false", "4, false", "4, true"})
    @Timeout(180)
    void javaHostAndJavaGuestInTwoJvms(final int threads, final boolean trust) throws Exception
    {
        final IpcHost host = keep(IpcHost.start(config().trustPeer(trust).build(), IpcMessages::reqId));
        final ChildProcess guest = keep(ChildProcess.java(AddGuestMain.class, name, "wait", trust ? "trust" : "rule"));
        guest.awaitOutput("ready", 30, TimeUnit.SECONDS);
        callFromThreads(host, threads, 2000);
        assertTrue(host.guestAlive(), "the guest's reader heartbeat is fresh");
        host.close();
        assertEquals(0, guest.waitFor(10, TimeUnit.SECONDS), guest.output());
        assertTrue(guest.output().contains("removed the segment"), guest.output());
    }

    @ParameterizedTest(name = "{0} calling threads")
    @ValueSource(ints = {1, 4})
    @Timeout(180)
    void cGuestAnswersTheJavaHost(final int threads) throws Exception
    {
        final Path guestProgram = NativePeer.compile("simpleipc_guest.c", "-pthread");
        final IpcHost host = keep(IpcHost.start(config().build(), IpcMessages::reqId));
        final ChildProcess guest = keep(ChildProcess.exec(guestProgram.toString(), name, "120"));
        guest.awaitOutput("ready", 30, TimeUnit.SECONDS);
        callFromThreads(host, threads, 2000);
        assertFalse(host.guestAlive(), "a C guest keeps no heartbeat");
        host.close();
        assertEquals(0, guest.waitFor(10, TimeUnit.SECONDS), guest.output());
        assertTrue(guest.output().contains("answered " + (threads * 2001)), guest.output());
    }

    @Test
    @Timeout(60)
    void unansweredCallTimesOutAndItsSlotIsFreed() throws Exception
    {
        final IpcHost host = keep(IpcHost.start(config().build(), IpcMessages::reqId));
        final AtomicInteger delayed = new AtomicInteger();
        keep(IpcGuest.start(config().build(), (buffer, index, length, guest) ->
        {
            final byte[] bytes = new byte[length];
            buffer.getBytes(index, bytes);
            final Message request = Message.getRootAsMessage(ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN));
            final double x = ((AddRequest)request.payload(new AddRequest())).x();
            if (x == 1)
            {
                guest.respond(IpcMessages.encodeAddResponse(new FlatBufferBuilder(64), request.reqId(), 0));
            }
            else if (x == 2)
            {
                new Thread(() ->
                {
                    sleep(400);
                    guest.respond(IpcMessages.encodeAddResponse(new FlatBufferBuilder(64), request.reqId(), 0));
                    delayed.incrementAndGet();
                }).start();
            }
            else if (x == 3)
            {
                guest.respond(IpcMessages.encodeAddResponse(new FlatBufferBuilder(64), 987654321L, 0));
            }
            // x == 0: never answered
        }));

        final long start = System.nanoTime();
        final TimeoutException timeout = assertThrows(TimeoutException.class,
            () -> host.call((b, id) -> IpcMessages.encodeAddRequest(b, id, 0, 0), Duration.ofMillis(200)));
        final long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(elapsedMs >= 200 && elapsedMs < 5000, elapsedMs + " ms");
        assertTrue(timeout.getMessage().contains(name), timeout.getMessage());
        assertEquals(0, host.pendingCalls(), "the slot of the timed-out call is freed");

        assertThrows(TimeoutException.class,
            () -> host.call((b, id) -> IpcMessages.encodeAddRequest(b, id, 2, 0), Duration.ofMillis(100)));
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while ((delayed.get() == 0 || host.expiredResponses() == 0) && System.nanoTime() - deadline < 0)
        {
            sleep(10);
        }
        assertEquals(1, host.expiredResponses(), "the late response is counted, not dropped");

        final CompletableFuture<ByteBuffer> unknown =
            host.callAsync((b, id) -> IpcMessages.encodeAddRequest(b, id, 3, 0), Duration.ofMillis(300));
        assertThrows(ExecutionException.class, () -> unknown.get(5, TimeUnit.SECONDS));
        while (host.unknownResponses() == 0 && System.nanoTime() - deadline < 0)
        {
            sleep(10);
        }
        assertEquals(1, host.unknownResponses());
        assertEquals(0, add(host, 1, 0));
    }

    @Test
    @Timeout(120)
    void killedGuestMakesCallsFailCleanlyAndTheHostSurvives() throws Exception
    {
        final IpcHost host =
            keep(IpcHost.start(config().peerTimeout(Duration.ofMillis(500)).build(), IpcMessages::reqId));
        final ChildProcess guest = keep(ChildProcess.java(AddGuestMain.class, name, "wait"));
        guest.awaitOutput("ready", 30, TimeUnit.SECONDS);
        assertEquals(5, add(host, 2, 3));

        final List<CompletableFuture<ByteBuffer>> inFlight = new ArrayList<>();
        for (int i = 0; i < 50; i++)
        {
            inFlight.add(host.callAsync((b, id) -> IpcMessages.encodeAddRequest(b, id, -1, 0), Duration.ofSeconds(1)));
        }
        guest.kill9();
        for (final CompletableFuture<ByteBuffer> call : inFlight)
        {
            final ExecutionException ex = assertThrows(ExecutionException.class, () -> call.get(10, TimeUnit.SECONDS));
            assertInstanceOf(TimeoutException.class, ex.getCause());
        }
        assertThrows(TimeoutException.class, () -> host.call((b, id) -> IpcMessages.encodeAddRequest(b, id, 1, 1),
            Duration.ofMillis(300)));
        assertEquals(0, host.pendingCalls());
        sleep(700);
        assertFalse(host.guestAlive(), "the dead guest's heartbeat is stale");

        final ChildProcess second = keep(ChildProcess.java(AddGuestMain.class, name, "wait"));
        second.awaitOutput("ready", 30, TimeUnit.SECONDS);
        assertEquals(7, add(host, 3, 4), "a new guest is served by the same host");
    }

    @Test
    @Timeout(120)
    void staleSegmentOfAKilledHostIsReinitialised() throws Exception
    {
        final ChildProcess oldHost = keep(ChildProcess.java(HostMain.class, name, "5"));
        oldHost.awaitOutput("ready", 30, TimeUnit.SECONDS);
        oldHost.kill9();
        final Path file = SharedSegment.shmPath(name);
        assertTrue(Files.exists(file), "kill -9 leaves the segment behind");
        try (SharedSegment stale = SharedSegment.open(file, true))
        {
            assertTrue(stale.queueBuffer(QueueId.TO_GUEST).getLongVolatile(SimpleIpcDescriptor.WRITE_POS_OFFSET) > 0,
                "the dead host's requests are still there");
        }

        final IpcHost host = keep(IpcHost.start(config().build(), IpcMessages::reqId));
        assertEquals(
            0, host.segment().queueBuffer(QueueId.TO_GUEST).getLongVolatile(SimpleIpcDescriptor.WRITE_POS_OFFSET));
        final List<Long> seen = new ArrayList<>();
        keep(IpcGuest.start(config().build(), (buffer, index, length, guest) ->
        {
            final byte[] bytes = new byte[length];
            buffer.getBytes(index, bytes);
            final ByteBuffer request = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            synchronized (seen)
            {
                seen.add(IpcMessages.reqId(request));
            }
            guest.respond(IpcMessages.encodeAddResponse(new FlatBufferBuilder(64), IpcMessages.reqId(request), 9));
        }));
        assertEquals(9, add(host, 4, 5));
        synchronized (seen)
        {
            assertEquals(List.of(1L), seen, "only the new host's request is delivered");
        }
    }

    @Test
    @Timeout(120)
    void liveHostIsNotTakenOver() throws Exception
    {
        final ChildProcess live = keep(ChildProcess.java(HostMain.class, name, "0"));
        live.awaitOutput("ready", 30, TimeUnit.SECONDS);
        final SegmentException ex =
            assertThrows(SegmentException.class, () -> keep(IpcHost.start(config().build(), IpcMessages::reqId)));
        assertTrue(ex.getMessage().contains("live host") && ex.getMessage().contains(Long.toString(live.pid())),
            ex.getMessage());
        assertTrue(Files.exists(SharedSegment.shmPath(name)), "the refused host removed nothing");
        assertTrue(NamedSignals.exists(NamedSignals.requestSignalName(name)));

        live.kill9();
        final IpcHost host = keep(IpcHost.start(config().build(), IpcMessages::reqId));
        final SegmentException second =
            assertThrows(SegmentException.class, () -> keep(IpcHost.start(config().build(), IpcMessages::reqId)));
        assertTrue(second.getMessage().contains("live host"), second.getMessage());
        assertNotNull(host.segment());
    }

    @Test
    void badNamesAreRejectedBeforeTouchingTheFileSystem()
    {
        for (final String bad : new String[] {"a/b", "..", "", "x".repeat(300), "bad\u0000name"})
        {
            assertThrows(IllegalArgumentException.class, () -> ChannelConfig.builder(bad), bad);
        }
        final IllegalArgumentException idle = assertThrows(IllegalArgumentException.class,
            () -> ChannelConfig.builder(name).readerIdle("sleepy").build());
        assertTrue(idle.getMessage().contains("busy-spin"), idle.getMessage());
        assertThrows(
            IllegalArgumentException.class, () -> ChannelConfig.builder(name).readerAffinity("cpu=999999").build());
        assertThrows(IllegalArgumentException.class, () -> ChannelConfig.builder(name).capacity(1001));
    }

    @Test
    @Timeout(60)
    void filesAndSemaphoresGetTheConfiguredMode() throws Exception
    {
        try (IpcHost host = IpcHost.start(config().build(), IpcMessages::reqId))
        {
            assertEquals("rw-------", mode(SharedSegment.shmPath(name)));
            assertEquals("rw-------", mode(Paths.get("/dev/shm/sem." + name + "_REQ")));
            assertEquals("rw-------", mode(Paths.get("/dev/shm/sem." + name + "_RESP")));
            assertNotNull(host.config());
        }
        assertFalse(Files.exists(SharedSegment.shmPath(name)), "unlinked on close by default");
        assertFalse(NamedSignals.exists(NamedSignals.requestSignalName(name)));
        try (IpcHost ignored =
            IpcHost.start(config().permissions("rw-rw----").unlinkOnClose(false).build(), IpcMessages::reqId))
        {
            assertEquals("rw-rw----", mode(SharedSegment.shmPath(name)));
            assertEquals("rw-rw----", mode(Paths.get("/dev/shm/sem." + name + "_REQ")));
        }
        assertTrue(Files.exists(SharedSegment.shmPath(name)), "kept when unlinkOnClose is false");
    }

    @Test
    @Timeout(60)
    void guestStopsWhenItsHostGoesAway() throws Exception
    {
        final IpcHost host = IpcHost.start(config().build(), IpcMessages::reqId);
        final IpcGuest guest = keep(IpcGuest.start(config().build(), (b, i, l, g) -> { }));
        assertTrue(guest.isRunning());
        host.close();
        assertTrue(guest.awaitStop(Duration.ofSeconds(5)), "guest stops once the segment is removed");
        assertTrue(guest.stopReason().contains("removed the segment"), guest.stopReason());

        final ChildProcess oldHost = keep(ChildProcess.java(HostMain.class, name, "0"));
        oldHost.awaitOutput("ready", 30, TimeUnit.SECONDS);
        final IpcGuest second =
            keep(IpcGuest.start(config().peerTimeout(Duration.ofMillis(500)).build(), (b, i, l, g) -> { }));
        sleep(300);
        assertTrue(second.hostHeartbeatFresh());
        oldHost.kill9();
        assertTrue(second.awaitStop(Duration.ofSeconds(5)), "guest notices the dead host's heartbeat");
        assertTrue(second.stopReason().contains("heartbeat"), second.stopReason());
    }

    @Test
    @Timeout(60)
    void guestWaitsForItsHostWithATimeout()
    {
        final long start = System.nanoTime();
        final SegmentException ex = assertThrows(SegmentException.class,
            () -> keep(IpcGuest.start(config().openTimeout(Duration.ofMillis(300)).build(), (b, i, l, g) -> { })));
        assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) >= 300);
        assertTrue(ex.getMessage().contains(name), ex.getMessage());
    }

    @Test
    @Timeout(60)
    void closeLeavesNoThreadRunning() throws Exception
    {
        final IpcHost host = IpcHost.start(config().writeMode(WriteMode.WRITER_THREAD).readMode(ReadMode.READER_THREAD)
            .build(), IpcMessages::reqId);
        final IpcGuest guest = IpcGuest.start(config().writeMode(WriteMode.WRITER_THREAD).build(),
            (b, i, l, g) -> g.respond(b, i, l));
        assertTrue(threadsOf(name) >= 4, "writer and reader of both sides");
        guest.close();
        host.close();
        assertEquals(0, threadsOf(name));
    }

    @Test
    @Timeout(60)
    void byDefaultTheHostsCallersWriteAndReadThemselvesAndFuturesStillComplete() throws Exception
    {
        final IpcHost host = keep(IpcHost.start(config().build(), IpcMessages::reqId));
        assertEquals(ReadMode.CALLER, host.channel().readMode(), "IpcHost's default: callers read");
        keep(IpcGuest.start(config().build(), (buffer, index, length, guest) ->
        {
            final long reqId = IpcMessages.reqId(buffer, index, length);
            final UnsafeBuffer reply = new UnsafeBuffer(new byte[128]);
            guest.respond(reply, 0, IpcMessages.encodeAddResponse(reply, reqId, 42));
        }));
        assertEquals(0, threadsOf("shmipc-writer-" + name), "no writer thread on either side: senders write");
        assertEquals(1, threadsOf("shmipc-reader-" + name), "only the guest's reader thread, which answers itself");
        assertEquals(42, IpcMessages.result(host.call((b, id) -> IpcMessages.encodeAddRequest(b, id, 40, 2),
            Duration.ofSeconds(10))));

        // A future's waiting thread reads for it ...
        assertEquals(42, IpcMessages.result(host.callAsync((b, id) -> IpcMessages.encodeAddRequest(b, id, 1, 1))
            .get(10, TimeUnit.SECONDS)));
        assertEquals(42, IpcMessages.result(host.callAsync((b, id) -> IpcMessages.encodeAddRequest(b, id, 1, 1))
            .join()));
        // ... and one with only a callback is completed by the conductor's read (about every 100 ms).
        final CompletableFuture<Double> callback = new CompletableFuture<>();
        host.callAsync((b, id) -> IpcMessages.encodeAddRequest(b, id, 1, 1))
            .thenAccept(response -> callback.complete(IpcMessages.result(response)));
        assertEquals(42, callback.get(10, TimeUnit.SECONDS));
        assertEquals(0, host.pendingCalls());
    }

    @Test
    @Timeout(60)
    void theLargestMessageIsTheLimitThatAppliesAndAnOversizeErrorNamesIt()
    {
        final int ringCapacity = 4 * 1024 * 1024;
        final ChannelConfig handoff = config().capacity(ringCapacity).writeMode(WriteMode.WRITER_THREAD).build();
        assertEquals(131072, handoff.maxMessageLength(), "1 MiB hand-off queue / 8");
        final ChannelConfig caller = config().capacity(ringCapacity).build();
        assertEquals(ringCapacity - 8, caller.maxMessageLength(), "the ring's block limit");
        final UnsafeBuffer message = new UnsafeBuffer(new byte[ringCapacity]);

        final HostChannel host = keep(HostChannel.start(handoff, (type, buffer, index, length) -> { }));
        final IllegalArgumentException overHandoff = assertThrows(IllegalArgumentException.class,
            () -> host.send(message, 0, 200 * 1024));
        assertTrue(overHandoff.getMessage().contains("204800 bytes exceeds the 131072 bytes the writer thread's " +
            "hand-off queue carries") && overHandoff.getMessage().contains("handoffCapacity to 2097152"),
            overHandoff.getMessage());
        assertTrue(host.send(message, 0, 131072), "the limit itself passes");
        host.close();

        final HostChannel direct = keep(HostChannel.start(caller, (type, buffer, index, length) -> { }));
        assertTrue(direct.send(message, 0, 200 * 1024), "no hand-off queue in WriteMode.CALLER");
        final IllegalArgumentException overRing = assertThrows(IllegalArgumentException.class,
            () -> direct.send(message, 0, ringCapacity));
        assertTrue(overRing.getMessage().contains(Integer.toString(ringCapacity - 8)), overRing.getMessage());
    }

    @Test
    @Timeout(60)
    void rawBytesBothWaysAndCallerWritesMode() throws Exception
    {
        final List<String> received = new ArrayList<>();
        final HostChannel host = keep(HostChannel.start(
            config().writeMode(WriteMode.CALLER).build(), (type, buffer, index, length) ->
        {
            synchronized (received)
            {
                received.add(buffer.getStringWithoutLengthAscii(index, length));
                received.notifyAll();
            }
        }));
        keep(IpcGuest.start(config().writeMode(WriteMode.CALLER).build(), (buffer, index, length, guest) ->
            assertTrue(guest.respond(buffer, index, length), "echo from the reader thread")));
        final UnsafeBuffer message = new UnsafeBuffer(new byte[32]);
        for (int i = 0; i < 100; i++)
        {
            final int length = message.putStringWithoutLengthAscii(0, "raw-" + i);
            assertTrue(host.send(message, 0, length));
        }
        synchronized (received)
        {
            final long deadline = System.currentTimeMillis() + 10_000;
            while (received.size() < 100 && System.currentTimeMillis() < deadline)
            {
                received.wait(100);
            }
            assertEquals(100, received.size());
            assertEquals("raw-0", received.get(0));
            assertEquals("raw-99", received.get(99));
        }
        final CompletableFuture<Boolean> otherThread = CompletableFuture.supplyAsync(() -> host.send(message, 0, 4));
        assertTrue(otherThread.get(5, TimeUnit.SECONDS), "any thread may send in write mode CALLER");
    }

    @ParameterizedTest(name = "reader idle {0}, readers poll block headers: {1}")
    @CsvSource({"busy-spin, false", "wait, false", "busy-spin, true", "wait, true"})
    @Timeout(120)
    void callerWritesAndReadsWithNoThreadHop(final String idle, final boolean trust) throws Exception
    {
        final IpcHost host = keep(IpcHost.start(config().readerIdle(idle).writeMode(WriteMode.CALLER)
            .readMode(ReadMode.CALLER).trustPeer(trust).build(), IpcMessages::reqId));
        final ChildProcess guest = keep(ChildProcess.java(AddGuestMain.class, name, idle, trust ? "trust" : "rule"));
        guest.awaitOutput("ready", 30, TimeUnit.SECONDS);
        for (int i = 0; i < 3000; i++)
        {
            assertEquals(i + 0.5, add(host, i, 0.5), 0.0);
        }
        assertEquals(0, host.pendingCalls());
        assertTrue(threadsNamed("shmipc-writer-" + name) + threadsNamed("shmipc-reader-" + name) == 0,
            "no writer or reader thread on the host side (only its sleeping conductor)");

        final CompletableFuture<ByteBuffer> later =
            host.callAsync((b, id) -> IpcMessages.encodeAddRequest(b, id, 2, 2));
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!later.isDone() && System.nanoTime() - deadline < 0)
        {
            host.poll();
        }
        final Message message = Message.getRootAsMessage(later.get(1, TimeUnit.SECONDS));
        assertEquals(4, ((AddResponse)message.payload(new AddResponse())).result());

        final long start = System.nanoTime();
        assertThrows(TimeoutException.class,
            () -> host.call((b, id) -> IpcMessages.encodeAddRequest(b, id, -1, 0), Duration.ofMillis(200)));
        final long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(tookMs >= 200 && tookMs < 2000, "an unanswered call times out on the polling thread: " + tookMs);
        assertEquals(0, host.pendingCalls());

        final CompletableFuture<Double> otherThread = CompletableFuture.supplyAsync(() ->
        {
            try
            {
                return add(host, 20, 1);
            }
            catch (final TimeoutException timeout)
            {
                throw new IllegalStateException(timeout);
            }
        });
        assertEquals(21, otherThread.get(30, TimeUnit.SECONDS), 0.0, "any thread may call in the caller modes");
        assertThrows(IllegalArgumentException.class,
            () -> keep(IpcGuest.start(config().readMode(ReadMode.CALLER).build(), (b, i, l, g) -> { })));
    }

    @ParameterizedTest(name = "reader idle {0}")
    @ValueSource(strings = {"busy-spin", "wait"})
    @Timeout(60)
    void closingFromAnotherThreadStopsACallerThatPollsWithoutCrashing(final String idle) throws Exception
    {
        final IpcHost host = IpcHost.start(config().readerIdle(idle).writeMode(WriteMode.CALLER)
            .readMode(ReadMode.CALLER).build(), IpcMessages::reqId);
        keep(IpcGuest.start(config().build(), (buffer, index, length, guest) -> { })); // never answers
        final CompletableFuture<Throwable> caller = CompletableFuture.supplyAsync(() ->
        {
            try
            {
                host.call((b, id) -> IpcMessages.encodeAddRequest(b, id, 1, 1), Duration.ofSeconds(30));
                return null;
            }
            catch (final Throwable t)
            {
                return t;
            }
        });
        sleep(300);
        assertFalse(caller.isDone(), "the caller polls for its response");
        final long start = System.nanoTime();
        host.close(); // as a shutdown hook would, while the caller is inside the mapped queue
        final Throwable failure = caller.get(10, TimeUnit.SECONDS);
        assertInstanceOf(IllegalStateException.class, failure, String.valueOf(failure));
        assertTrue(failure.getMessage().contains("closed"), failure.getMessage());
        assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) < 5000, "close waited for the caller");
        assertFalse(Files.exists(SharedSegment.shmPath(name)), "the channel is removed");
        assertThrows(IllegalStateException.class, () -> host.poll());
    }

    @Test
    @Timeout(60)
    void requestsWaitingBeforeTheGuestStartsAreAnswered() throws Exception
    {
        final AtomicInteger echoes = new AtomicInteger();
        final HostChannel host =
            keep(HostChannel.start(config().build(), (type, buffer, index, length) -> echoes.incrementAndGet()));
        final UnsafeBuffer message = new UnsafeBuffer(new byte[16]);
        for (int i = 0; i < 10; i++)
        {
            assertTrue(host.send(message, 0, 16));
        }
        sleep(100);
        final IpcGuest guest = keep(IpcGuest.start(config().build(), (buffer, index, length, self) ->
            assertTrue(self.respond(buffer, index, length))));
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (echoes.get() < 10 && System.nanoTime() - deadline < 0)
        {
            sleep(5);
        }
        assertEquals(10, echoes.get(), "the guest answers what was queued before it attached");
        assertTrue(guest.isRunning(), String.valueOf(guest.stopReason()));
    }

    private static long threadsOf(final String channel)
    {
        return Thread.getAllStackTraces().keySet().stream()
            .filter(t -> t.isAlive() && t.getName().startsWith("shmipc-") && t.getName().contains(channel)).count();
    }

    /** Counts the live threads whose name starts with the prefix (the channel's threads: shmipc-ROLE-NAME). */
    private static long threadsNamed(final String prefix)
    {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.isAlive() && t.getName().startsWith(prefix))
            .count();
    }

    private static String mode(final Path path) throws Exception
    {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }

    private static void sleep(final long millis)
    {
        try
        {
            Thread.sleep(millis);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }
}
