package io.shmipc.bridge;

import io.shmipc.core.channel.IpcGuest;
import io.shmipc.core.channel.IpcHost;
import io.shmipc.schemas.IpcMessages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static io.shmipc.bridge.BridgeIpcCallsTest.add;
import static io.shmipc.bridge.BridgeIpcCallsTest.addGuest;
import static io.shmipc.bridge.BridgeTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Issue 13's main path at full length: a Java host, the host-side bridge, Aeron UDP on 127.0.0.1, the guest-side
 * bridge and a Java guest, each bridge on an embedded driver in a directory of its own: 100,000 FlatBuffers calls
 * from one thread, then 100,000 from four, every result checked, and the bridges' counters agreeing.
 */
class BridgeUdpCallsTest
{
    private static final int CALLS = 100_000;

    @Test
    @Timeout(300)
    void aHundredThousandCallsFromOneThreadAndFromFourCrossTwoBridgesOverUdp() throws Exception
    {
        final String a = uniqueName("bua");
        final String b = uniqueName("bub");
        final List<Throwable> errors = new CopyOnWriteArrayList<>();
        final int guestSidePort = freePort();
        final int hostSidePort = freePort();
        final ExecutorService pool = Executors.newFixedThreadPool(4);
        try (IpcHost host = IpcHost.start(channel(a).build(), IpcMessages::reqId);
             HostSideBridge hostSide = HostSideBridge.start(
                 hostSide(a, udp(guestSidePort), udp(hostSidePort), errors));
             GuestSideBridge guestSide = GuestSideBridge.start(
                 guestSide(a, b, udp(guestSidePort), udp(hostSidePort), errors));
             IpcGuest guest = addGuest(b))
        {
            assertTrue(hostSide.awaitLink(Duration.ofSeconds(10)), "host-side link");
            assertTrue(guestSide.awaitLink(Duration.ofSeconds(10)), "guest-side link");
            assertNotEquals(hostSide.aeronDirectory(), guestSide.aeronDirectory(), "two embedded drivers");

            for (int i = 0; i < CALLS; i++)
            {
                assertEquals(i + 0.25, add(host, i, 0.25));
            }

            final List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 4; t++)
            {
                final double base = (t + 1) * 1_000_000.0;
                futures.add(pool.submit(() ->
                {
                    for (int i = 0; i < CALLS / 4; i++)
                    {
                        assertEquals(base + i + 0.5, add(host, base + i, 0.5));
                    }
                    return null;
                }));
            }
            for (final Future<?> future : futures)
            {
                future.get(200, TimeUnit.SECONDS);
            }

            assertTrue(errors.isEmpty(), errors::toString);
            assertEquals(0, host.unknownResponses() + host.expiredResponses() + host.malformedResponses());
            final BridgeCounters.Snapshot hostCounters = hostSide.counters().snapshot();
            final BridgeCounters.Snapshot guestCounters = guestSide.counters().snapshot();
            assertEquals(2 * CALLS, hostCounters.messagesOut(), "every request went out once");
            assertEquals(2 * CALLS, guestCounters.messagesIn(), "and came in once");
            assertEquals(2 * CALLS, guestCounters.messagesOut(), "every response went back once");
            assertEquals(2 * CALLS, hostCounters.messagesIn());
            assertEquals(0, hostCounters.stale() + guestCounters.stale() + hostCounters.refused() +
                guestCounters.refused());
        }
        finally
        {
            pool.shutdownNow();
            cleanUp(a, b);
        }
        assertEquals(List.of(), shmLeftovers(a, b));
    }
}
