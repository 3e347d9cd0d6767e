package io.shmipc.bridge;

import io.shmipc.core.channel.HostChannel;
import io.shmipc.core.channel.IpcGuest;
import io.shmipc.core.ring.SimpleIpcDescriptor;
import io.shmipc.core.channel.WriteMode;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import io.aeron.driver.ThreadingMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static io.shmipc.bridge.BridgeTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * HostChannel (raw) <-shm-> host-side bridge ==Aeron== guest-side bridge <-shm-> IpcGuest, in this JVM: every block
 * answered, in order, with its boundaries, sizes up to the channel's maximum, over UDP on 127.0.0.1.
 */
class BridgeEndToEndTest
{
    /** The guest echoes every request; the host checks each response against what it sent, in order. */
    static final class Checker
    {
        final int[] sizes;
        final AtomicInteger next = new AtomicInteger();
        final AtomicReference<String> mismatch = new AtomicReference<>();

        Checker(final int[] sizes)
        {
            this.sizes = sizes;
        }

        void onResponse(final DirectBuffer buffer, final int index, final int length)
        {
            final int seq = next.get();
            if (seq >= sizes.length)
            {
                mismatch.compareAndSet(null, "a response beyond the " + sizes.length + " requests sent");
                return;
            }
            if (length != sizes[seq])
            {
                mismatch.compareAndSet(null, "response " + seq + " has " + length + " bytes, expected " + sizes[seq]);
            }
            else
            {
                for (int i = 0; i < length; i++)
                {
                    if (buffer.getByte(index + i) != patternByte(seq, i))
                    {
                        mismatch.compareAndSet(null, "response " + seq + " differs at byte " + i);
                        break;
                    }
                }
            }
            next.lazySet(seq + 1);
        }
    }

    static int[] sizes(final int count, final int max)
    {
        final int[] sizes = new int[count];
        long x = 0x9E3779B97F4A7C15L;
        for (int i = 0; i < count; i++)
        {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            sizes[i] = i % 1000 == 999 ? max : 1 + (int)((x >>> 1) % 2048);
        }
        sizes[0] = max;
        sizes[1] = 1;
        return sizes;
    }

    static void sendAll(final HostChannel host, final int[] sizes, final int from, final int to)
    {
        final UnsafeBuffer message = new UnsafeBuffer(new byte[SimpleIpcDescriptor.maxMsgLength(CAPACITY)]);
        for (int seq = from; seq < to; seq++)
        {
            for (int i = 0; i < sizes[seq]; i++)
            {
                message.putByte(i, patternByte(seq, i));
            }
            assertTrue(host.send(message, 0, sizes[seq]), "request " + seq + " could not be written");
        }
    }

    static IpcGuest echoGuest(final String name)
    {
        return IpcGuest.start(channel(name).writeMode(WriteMode.CALLER).build(),
            (buffer, index, length, guest) -> assertTrue(guest.respond(buffer, index, length)));
    }

    @ParameterizedTest(name = "embedded driver {0}")
    @EnumSource(value = ThreadingMode.class, names = {"SHARED", "INVOKER"})
    @Timeout(80)
    void everyBlockCrossesUdpAndComesBackInOrderWithItsBoundaries(final ThreadingMode driver) throws Exception
    {
        final String a = uniqueName("bra");
        final String b = uniqueName("brb");
        final String toGuestSide = udp(freePort());
        final String toHostSide = udp(freePort());
        final List<Throwable> errors = new CopyOnWriteArrayList<>();
        final int max = SimpleIpcDescriptor.maxMsgLength(CAPACITY);
        final int[] sizes = sizes(100_000, max);
        final Checker checker = new Checker(sizes);
        try (HostChannel host = HostChannel.start(channel(a).build(), (type, buffer, index, length) ->
                checker.onResponse(buffer, index, length));
             HostSideBridge hostSide = HostSideBridge.start(
                 hostSide(a, toGuestSide, toHostSide, errors).driverThreading(driver));
             GuestSideBridge guestSide = GuestSideBridge.start(
                 guestSide(a, b, toGuestSide, toHostSide, errors).driverThreading(driver));
             IpcGuest guest = echoGuest(b))
        {
            assertTrue(hostSide.awaitLink(Duration.ofSeconds(10)), "host-side link");
            assertTrue(guestSide.awaitLink(Duration.ofSeconds(10)), "guest-side link");
            assertTrue(hostSide.maxBlockLength() >= max, "Aeron carries the channel's longest block");
            sendAll(host, sizes, 0, sizes.length);
            waitUntil("all responses", Duration.ofSeconds(50), () -> checker.next.get() == sizes.length ||
                checker.mismatch.get() != null);
            assertNull(checker.mismatch.get());
            assertEquals(sizes.length, checker.next.get());
            final BridgeCounters.Snapshot h = hostSide.counters().snapshot();
            final BridgeCounters.Snapshot g = guestSide.counters().snapshot();
            assertEquals(sizes.length, h.messagesOut());
            assertEquals(sizes.length, h.messagesIn());
            assertEquals(sizes.length, g.messagesIn());
            assertEquals(sizes.length, g.messagesOut());
            assertEquals(0, h.refused() + g.refused() + h.stale() + g.stale() + h.errors() + g.errors());
            assertTrue(errors.isEmpty(), errors::toString);
        }
        finally
        {
            cleanUp(a, b);
        }
        assertEquals(List.of(), shmLeftovers(a, b));
    }
}
