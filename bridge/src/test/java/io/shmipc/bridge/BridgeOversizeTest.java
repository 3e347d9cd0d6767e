package io.shmipc.bridge;

import io.shmipc.core.channel.HostChannel;
import io.shmipc.core.channel.IpcGuest;
import io.shmipc.core.channel.WriteMode;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.shmipc.bridge.BridgeTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * A block longer than Aeron can carry (64 KiB terms: 8 KiB messages) is refused with an error naming both sizes
 * and counted, in both directions, never truncated; the channel goes on.
 */
class BridgeOversizeTest
{
    @Test
    @Timeout(60)
    void blocksLongerThanAeronCarriesAreRefusedCountedAndTheChannelGoesOn() throws Exception
    {
        final String a = uniqueName("boa");
        final String b = uniqueName("bob");
        final String toGuestSide = udp(freePort());
        final String toHostSide = udp(freePort());
        final List<Throwable> errors = new CopyOnWriteArrayList<>();
        final List<Integer> got = new CopyOnWriteArrayList<>();
        final int termLength = 64 * 1024;
        try (HostChannel host = HostChannel.start(channel(a).build(), (type, buffer, index, length) -> got.add(length));
             HostSideBridge hostSide = HostSideBridge.start(hostSide(a, toGuestSide, toHostSide, errors)
                 .termLength(termLength));
             GuestSideBridge guestSide = GuestSideBridge.start(guestSide(a, b, toGuestSide, toHostSide, errors)
                 .termLength(termLength));
             IpcGuest guest = IpcGuest.start(
                 channel(b).writeMode(WriteMode.CALLER).build(), (buffer, index, length, self) ->
             {
                 // a request of 3 bytes asks for an answer too long for Aeron; any other is echoed
                 final int answer = length == 3 ? 9000 : length;
                 assertTrue(self.respond(new UnsafeBuffer(new byte[answer]), 0, answer));
             }))
        {
            assertTrue(hostSide.awaitLink(Duration.ofSeconds(10)));
            assertEquals(8192 - BridgeFrame.HEADER_LENGTH, hostSide.maxBlockLength());
            final UnsafeBuffer big = new UnsafeBuffer(new byte[9000]);
            assertTrue(host.send(big, 0, 9000));          // too long for Aeron: refused at the host-side
            assertTrue(host.send(big, 0, 3));             // its answer too long: refused at the guest-side
            assertTrue(host.send(big, 0, hostSide.maxBlockLength())); // the longest that fits
            assertTrue(host.send(big, 0, 10));
            waitUntil("two answers", Duration.ofSeconds(10), () -> got.size() >= 2);
            Thread.sleep(200);
            assertEquals(List.of(hostSide.maxBlockLength(), 10), got);
            assertEquals(1, hostSide.counters().snapshot().refused());
            assertEquals(1, guestSide.counters().snapshot().refused());
            assertEquals(2, errors.size(), errors::toString);
            assertTrue(errors.get(0).getMessage().contains("9000 bytes") && errors.get(0).getMessage().contains("8192"),
                errors.get(0).getMessage());
            assertTrue(errors.get(1).getMessage().contains("9000 bytes") && errors.get(1).getMessage().contains("8192"),
                errors.get(1).getMessage());
        }
        finally
        {
            cleanUp(a, b);
        }
        assertEquals(List.of(), shmLeftovers(a, b));
    }
}
