package io.shmipc.bridge;

import io.shmipc.core.IpcGuest;
import io.shmipc.core.IpcHost;
import io.shmipc.core.QueueId;
import io.shmipc.core.SimpleIpcRingBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.shmipc.bridge.BridgeTestSupport.*;
import static io.shmipc.bridge.BridgeEndToEndTest.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * With the link down the host-side bridge stops consuming: requests wait in the host's ring (nothing is handed to
 * Aeron, nothing dropped) and flow, in order, once the far side is there; the same after the far side went away
 * and came back.
 */
class BridgeBackPressureTest
{
    @Test
    @Timeout(60)
    void requestsWaitInTheRingWhileTheLinkIsDownAndFlowWhenItReturns() throws Exception
    {
        final String a = uniqueName("bpa");
        final String b = uniqueName("bpb");
        final String toGuestSide = udp(freePort());
        final String toHostSide = udp(freePort());
        final List<Throwable> errors = new CopyOnWriteArrayList<>();
        final int[] sizes = sizes(400, 4096);
        final Checker checker = new Checker(sizes);
        try (IpcHost host = IpcHost.start(channel(a).build(), (type, buffer, index, length) ->
                checker.onResponse(buffer, index, length));
             HostSideBridge hostSide = HostSideBridge.start(hostSide(a, toGuestSide, toHostSide, errors)))
        {
            final SimpleIpcRingBuffer toGuest = host.segment().simpleIpcRing(QueueId.TO_GUEST);

            // 1. No far side yet: the first block waits for Aeron inside the bridge, the others in the ring.
            sendAll(host, sizes, 0, 200);
            waitUntil("the host's writer to publish", Duration.ofSeconds(5), () -> toGuest.size() > 0);
            Thread.sleep(300);
            BridgeCounters.Snapshot h = hostSide.counters().snapshot();
            assertEquals(0, h.messagesOut(), "nothing may be handed to Aeron without a far side");
            assertEquals(1, h.backPressureOut());
            assertTrue(toGuest.size() > 0, "the requests wait in the ring");

            // 2. The far side comes: everything flows, in order.
            try (GuestSideBridge guestSide = GuestSideBridge.start(guestSide(a, b, toGuestSide, toHostSide, errors));
                 IpcGuest guest = echoGuest(b))
            {
                waitUntil("200 responses", Duration.ofSeconds(20), () -> checker.next.get() == 200);
                assertNull(checker.mismatch.get());
                assertEquals(0, toGuest.size());
            }

            // 3. The far side went away (closed): the link goes down, requests wait again.
            waitUntil("the link to go down", Duration.ofSeconds(10), () -> !hostSide.linkUp());
            final long out = hostSide.counters().snapshot().messagesOut();
            sendAll(host, sizes, 200, 400);
            waitUntil("the host's writer to publish", Duration.ofSeconds(5), () -> toGuest.size() > 0);
            Thread.sleep(300);
            h = hostSide.counters().snapshot();
            assertEquals(out, h.messagesOut(), "nothing may be handed to Aeron while the link is down");
            assertTrue(toGuest.size() > 0);

            // 4. A new far side: the waiting requests flow, in order, none lost, none twice.
            try (GuestSideBridge guestSide = GuestSideBridge.start(guestSide(a, b, toGuestSide, toHostSide, errors));
                 IpcGuest guest = echoGuest(b))
            {
                waitUntil("400 responses", Duration.ofSeconds(20), () -> checker.next.get() == 400 ||
                    checker.mismatch.get() != null);
                assertNull(checker.mismatch.get());
                assertEquals(400, checker.next.get());
            }
            assertEquals(400, hostSide.counters().snapshot().messagesOut());
            assertEquals(400, hostSide.counters().snapshot().messagesIn());
            assertTrue(errors.isEmpty(), errors::toString);
        }
        finally
        {
            cleanUp(a, b);
        }
        assertEquals(List.of(), shmLeftovers(a, b));
    }
}
