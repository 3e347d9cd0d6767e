package io.shmipc.core.channel;

import io.shmipc.idle.IdleStrategies;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.ControlledMessageHandler.Action;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Controlled handlers ({@link HostChannel#startControlled}, {@link IpcGuest#startControlled}): a message the handler
 * ABORTs stays in the queue and is handed again, with nothing after it, until the handler takes it; a handler that
 * throws is counted and its message skipped. And {@code newInvokerIdle}: an INVOKER side's idle strategy that blocks
 * on the peer's post. Both sides are driven by the test's thread ({@link ThreadingMode#INVOKER}).
 */
class ControlledReadTest
{
    @RegisterExtension
    final TestChannel channel = new TestChannel("controlled");

    private final List<Throwable> errors = new CopyOnWriteArrayList<>();

    private ChannelConfig config()
    {
        return ChannelConfig.builder(channel.name).capacity(64 * 1024).callTimeout(Duration.ofSeconds(5))
            .threadingMode(ThreadingMode.INVOKER).writeMode(WriteMode.CALLER).errorHandler(errors::add).build();
    }

    private static UnsafeBuffer text(final String s)
    {
        return new UnsafeBuffer(s.getBytes(StandardCharsets.US_ASCII));
    }

    private static String text(final DirectBuffer buffer, final int index, final int length)
    {
        return buffer.getStringWithoutLengthAscii(index, length);
    }

    @Test
    @Timeout(30)
    void anAbortedRequestIsHandedAgainWithNothingAfterItUntilTaken()
    {
        final List<String> seen = new ArrayList<>();
        final AtomicBoolean pushBack = new AtomicBoolean(true);
        final HostChannel host = channel.keep(HostChannel.start(config(), (type, buffer, index, length) -> { }));
        final IpcGuest guest = channel.keep(IpcGuest.startControlled(config(), (buffer, index, length, self) ->
        {
            seen.add(text(buffer, index, length));
            return pushBack.get() ? Action.ABORT : Action.CONTINUE;
        }));
        for (final String message : new String[] {"a", "b", "c"})
        {
            final UnsafeBuffer bytes = text(message);
            assertTrue(host.send(bytes, 0, bytes.capacity()));
        }
        for (int i = 0; i < 5; i++)
        {
            guest.invoker().invoke();
        }
        assertTrue(seen.size() >= 2, "handed again at every read: " + seen);
        assertTrue(seen.stream().allMatch("a"::equals), "nothing after the aborted request: " + seen);
        pushBack.set(false);
        seen.clear();
        for (int i = 0; i < 5; i++)
        {
            guest.invoker().invoke();
        }
        assertEquals(List.of("a", "b", "c"), seen, "each once, in order, once taken");
    }

    @Test
    @Timeout(30)
    void anAbortedResponseStaysForTheHostsNextReadAndAThrowingHandlerSkipsItsMessage()
    {
        final List<String> seen = new ArrayList<>();
        final AtomicLong calls = new AtomicLong();
        final HostChannel host = channel.keep(HostChannel.startControlled(config(), (type, buffer, index, length) ->
        {
            final String message = text(buffer, index, length);
            seen.add(message);
            if ("boom".equals(message))
            {
                throw new IllegalStateException("refused by the test");
            }
            return "x".equals(message) && calls.incrementAndGet() < 3 ? Action.ABORT : Action.CONTINUE;
        }));
        final IpcGuest guest = channel.keep(IpcGuest.start(config(), (buffer, index, length, self) -> { }));
        for (final String message : new String[] {"x", "boom", "y"})
        {
            final UnsafeBuffer bytes = text(message);
            assertTrue(guest.respond(bytes, 0, bytes.capacity()));
        }
        for (int i = 0; i < 6; i++)
        {
            host.invoker().invoke();
        }
        assertEquals(List.of("x", "x", "x", "boom", "y"), seen);
        assertEquals(1, host.errorCount(), "the throwing handler is counted");
        assertEquals(1, errors.size(), errors::toString);
        assertEquals("refused by the test", errors.get(0).getMessage());
    }

    @Test
    @Timeout(30)
    void theInvokerIdleBlocksOnThePeersPostAndWakesOnIt() throws Exception
    {
        final HostChannel host = channel.keep(HostChannel.start(config(), (type, buffer, index, length) -> { }));
        final List<String> seen = new ArrayList<>();
        final IpcGuest guest = channel.keep(IpcGuest.startControlled(config(), (buffer, index, length, self) ->
        {
            seen.add(text(buffer, index, length));
            return Action.CONTINUE;
        }));
        // No spins, yields or parks: the first idle step blocks on NAME_REQ for up to 20 s.
        final IdleStrategy idle = guest.newInvokerIdle(IdleStrategies.parse("wait:spins=0,yields=0,maxPark=0ns," +
            "timeout=20s"));
        final Thread sender = new Thread(() ->
        {
            try
            {
                Thread.sleep(300);
                final UnsafeBuffer bytes = text("wake");
                host.send(bytes, 0, bytes.capacity());
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        });
        assertEquals(0, guest.invoker().invoke(), "nothing yet");
        final long start = System.nanoTime();
        sender.start();
        idle.idle(0);
        final long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        sender.join(10_000);
        assertTrue(waitedMs >= 200 && waitedMs < 10_000, "blocked until the host's post, not the timeout: " +
            waitedMs + " ms");
        guest.invoker().invoke();
        assertEquals(List.of("wake"), seen);
    }

    @Test
    @Timeout(30)
    void onlyAnInvokerSideWithAReaderHasAnInvokerIdle()
    {
        final ChannelConfig dedicated = ChannelConfig.builder(channel.name).capacity(64 * 1024)
            .threadingMode(ThreadingMode.DEDICATED).build();
        final HostChannel host = channel.keep(HostChannel.start(dedicated, (type, buffer, index, length) -> { }));
        final IllegalStateException ex = assertThrows(IllegalStateException.class,
            () -> host.newInvokerIdle(IdleStrategies.parse("wait")));
        assertTrue(ex.getMessage().contains("INVOKER"), ex.getMessage());
        host.close();
        final ChannelConfig callersRead = ChannelConfig.builder(channel.name).capacity(64 * 1024)
            .threadingMode(ThreadingMode.INVOKER).readMode(ReadMode.CALLER).build();
        final HostChannel polled = channel.keep(HostChannel.start(callersRead, (type, buffer, index, length) -> { }));
        final IllegalStateException none = assertThrows(IllegalStateException.class,
            () -> polled.newInvokerIdle(IdleStrategies.parse("wait")));
        assertTrue(none.getMessage().contains("CALLER"), none.getMessage());
    }
}
