package io.shmipc.core.channel;

import com.google.flatbuffers.FlatBufferBuilder;
import io.shmipc.schemas.IpcMessages;
import ipc.AddRequest;
import ipc.AddResponse;
import ipc.Message;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The host's preallocated call table: a full table pushes back with a clear error, and a response that comes after
 * its call timed out is counted as expired, never handed to the call that took its slot next. Asynchronous calls'
 * deadlines are the conductor's (about every 100 ms): never early, not much late, and a cancelled call frees its
 * slot at once.
 */
class CallSlotsTest
{
    @RegisterExtension
    final TestChannel channel = new TestChannel("slots");
    private final String name = channel.name;

    private <T extends AutoCloseable> T keep(final T resource)
    {
        return channel.keep(resource);
    }

    /** A guest that answers x + y after x milliseconds (and never when x is negative). */
    private IpcGuest slowGuest()
    {
        return keep(IpcGuest.start(ChannelConfig.builder(name).build(), (buffer, index, length, guest) ->
        {
            final byte[] bytes = new byte[length];
            buffer.getBytes(index, bytes);
            final Message message = Message.getRootAsMessage(ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN));
            final AddRequest add = (AddRequest)message.payload(new AddRequest());
            if (add.x() < 0)
            {
                return;
            }
            try
            {
                Thread.sleep((long)add.x());
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
            guest.respond(IpcMessages.encodeAddResponse(new FlatBufferBuilder(64), message.reqId(), add.x() + add.y()));
        }));
    }

    private static double result(final ByteBuffer response)
    {
        return ((AddResponse)Message.getRootAsMessage(response).payload(new AddResponse())).result();
    }

    @Test
    @Timeout(60)
    void aFullCallTablePushesBackAndRecovers() throws Exception
    {
        final IpcHost host = keep(IpcHost.start(ChannelConfig.builder(name).callSlots(4).build(), IpcMessages::reqId));
        slowGuest();
        final List<CompletableFuture<ByteBuffer>> unanswered = new ArrayList<>();
        for (int i = 0; i < 4; i++)
        {
            unanswered.add(
                host.callAsync((b, id) -> IpcMessages.encodeAddRequest(b, id, -1, 0), Duration.ofMillis(500)));
        }
        assertEquals(4, host.pendingCalls());
        final IllegalStateException full = assertThrows(IllegalStateException.class,
            () -> host.call((b, id) -> IpcMessages.encodeAddRequest(b, id, 0, 1), Duration.ofSeconds(1)));
        assertTrue(full.getMessage().contains("4 call slots in use"), full.getMessage());
        final CompletableFuture<ByteBuffer> refused =
            host.callAsync((b, id) -> IpcMessages.encodeAddRequest(b, id, 0, 1), Duration.ofSeconds(1));
        assertInstanceOf(IllegalStateException.class,
            assertThrows(ExecutionException.class, () -> refused.get(1, TimeUnit.SECONDS)).getCause());
        for (final CompletableFuture<ByteBuffer> call : unanswered)
        {
            assertInstanceOf(TimeoutException.class,
                assertThrows(ExecutionException.class, () -> call.get(10, TimeUnit.SECONDS)).getCause());
        }
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (host.pendingCalls() > 0 && System.nanoTime() - deadline < 0)
        {
            Thread.sleep(1);
        }
        assertEquals(0, host.pendingCalls(), "timed-out calls free their slots");
        for (int i = 0; i < 8; i++)
        {
            final double x = i;
            assertEquals(x + 1, result(host.call((b, id) -> IpcMessages.encodeAddRequest(b, id, x, 1),
                Duration.ofSeconds(10))), 0.0);
        }
    }

    @Test
    @Timeout(60)
    void aLateResponseIsCountedAndNeverGivenToTheCallInItsSlot() throws Exception
    {
        final IpcHost host = keep(IpcHost.start(ChannelConfig.builder(name).callSlots(1).build(), IpcMessages::reqId));
        slowGuest();
        assertThrows(TimeoutException.class,
            () -> host.call((b, id) -> IpcMessages.encodeAddRequest(b, id, 400, 1), Duration.ofMillis(100)));
        assertEquals(0, host.pendingCalls());
        // The next call takes the same (only) slot while the late answer 401 is on its way: it must get 2.5.
        assertEquals(2.5, result(host.call((b, id) -> IpcMessages.encodeAddRequest(b, id, 0, 2.5),
            Duration.ofSeconds(10))), 0.0);
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (host.expiredResponses() == 0 && System.nanoTime() - deadline < 0)
        {
            Thread.sleep(5);
        }
        assertEquals(1, host.expiredResponses(), "the late answer is counted as expired");
        assertEquals(0, host.unknownResponses());
        assertEquals(3.0, result(host.call((b, id) -> IpcMessages.encodeAddRequest(b, id, 0, 3),
            Duration.ofSeconds(10))), 0.0);
    }

    @Test
    @Timeout(60)
    void anAsynchronousCallTimesOutAtItsDeadlineNotBeforeAndALateAnswerIsCounted() throws Exception
    {
        final IpcHost host = keep(IpcHost.start(ChannelConfig.builder(name).threadingMode(ThreadingMode.DEDICATED)
            .readMode(ReadMode.READER_THREAD).build(), IpcMessages::reqId));
        slowGuest();
        final long start = System.nanoTime();
        final CompletableFuture<ByteBuffer> late =
            host.callAsync((b, id) -> IpcMessages.encodeAddRequest(b, id, 1_500, 1), Duration.ofMillis(300));
        final CompletableFuture<Long> failedAt = late.handle((response, error) ->
            error instanceof TimeoutException ? System.nanoTime() : -1L);
        final long at = failedAt.get(10, TimeUnit.SECONDS);
        assertTrue(at > 0, "timed out with a TimeoutException");
        final long afterMs = TimeUnit.NANOSECONDS.toMillis(at - start);
        assertTrue(afterMs >= 300, "not before its deadline: " + afterMs + " ms");
        assertTrue(afterMs < 3_000, "about 100 ms after its deadline, not much later: " + afterMs + " ms");
        assertTrue(assertThrows(ExecutionException.class, late::get).getCause().getMessage().contains("PT0.3S"));
        assertEquals(0, host.pendingCalls(), "its slot is free");
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (host.expiredResponses() == 0 && System.nanoTime() - deadline < 0)
        {
            Thread.sleep(5);
        }
        assertEquals(1, host.expiredResponses(), "the answer after the deadline is counted as expired");
        assertEquals(0, host.unknownResponses());
    }

    @Test
    @Timeout(60)
    void aCancelledAsynchronousCallFreesItsSlotAtOnce() throws Exception
    {
        final IpcHost host = keep(IpcHost.start(ChannelConfig.builder(name).callSlots(2).build(), IpcMessages::reqId));
        slowGuest();
        final CompletableFuture<ByteBuffer> unanswered =
            host.callAsync((b, id) -> IpcMessages.encodeAddRequest(b, id, -1, 0), Duration.ofSeconds(30));
        assertEquals(1, host.pendingCalls());
        assertTrue(unanswered.cancel(true));
        assertEquals(0, host.pendingCalls(), "cancelled: the slot is free without waiting for the deadline");
        assertEquals(3.0, result(host.call((b, id) -> IpcMessages.encodeAddRequest(b, id, 1, 2),
            Duration.ofSeconds(10))), 0.0);
    }
}
