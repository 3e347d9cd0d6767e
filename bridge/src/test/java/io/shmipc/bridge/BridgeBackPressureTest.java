package io.shmipc.bridge;

import io.shmipc.core.channel.HostChannel;
import io.shmipc.core.channel.IpcGuest;
import io.shmipc.core.channel.WriteMode;
import io.shmipc.core.segment.QueueId;
import io.shmipc.core.ring.SimpleIpcRingBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import static io.shmipc.bridge.BridgeTestSupport.*;
import static io.shmipc.bridge.BridgeEndToEndTest.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * With the link down the host-side bridge stops consuming: requests wait in the host's ring (nothing is handed to
 * Aeron, nothing dropped) and flow, in order, once the far side is there; the same after the far side went away
 * and came back. A slow guest pushes back through both bridges to the host's writer; a host that stops reading
 * pushes back the other way, to the guest, and nothing is dropped either way.
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
        // A writer thread: its hand-off queue holds what the 64 KiB ring cannot while the link is down, so the
        // senders return at once (with the default WriteMode.CALLER they would wait for room in the ring).
        try (HostChannel host = HostChannel.start(channel(a).writeMode(WriteMode.WRITER_THREAD).build(),
                (type, buffer, index, length) -> checker.onResponse(buffer, index, length));
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

    @Test
    @Timeout(60)
    void aSlowGuestPushesBackThroughBothBridgesToTheHostsWriterAndNothingIsDropped() throws Exception
    {
        final String a = uniqueName("bsa");
        final String b = uniqueName("bsb");
        final String toGuestSide = udp(freePort());
        final String toHostSide = udp(freePort());
        final List<Throwable> errors = new CopyOnWriteArrayList<>();
        // 1,000 blocks of 1-4 KiB: several times what the two 64 KiB rings and Aeron's 128 KiB window hold.
        final int[] sizes = kibibyteBlocks(37);
        final Checker checker = new Checker(sizes);
        try (HostChannel host = HostChannel.start(channel(a).callTimeout(Duration.ofSeconds(30)).build(),
                (type, buffer, index, length) -> checker.onResponse(buffer, index, length));
             HostSideBridge hostSide = HostSideBridge.start(hostSide(a, toGuestSide, toHostSide, errors));
             GuestSideBridge guestSide = GuestSideBridge.start(guestSide(a, b, toGuestSide, toHostSide, errors));
             IpcGuest guest = IpcGuest.start(channel(b).writeMode(WriteMode.CALLER).build(),
                 (buffer, index, length, self) ->
                 {
                     LockSupport.parkNanos(1_000_000); // 1 ms a request: slow
                     assertTrue(self.respond(buffer, index, length));
                 }))
        {
            assertTrue(hostSide.awaitLink(Duration.ofSeconds(10)));
            final SimpleIpcRingBuffer toGuest = host.segment().simpleIpcRing(QueueId.TO_GUEST);
            final AtomicInteger fullestHostRing = new AtomicInteger();
            final Thread sender = new Thread(() -> sendAll(host, sizes, 0, sizes.length), "test-sender");
            sender.start();
            waitUntil("every answer", Duration.ofSeconds(40), () ->
            {
                fullestHostRing.accumulateAndGet(toGuest.size(), Math::max);
                return checker.next.get() == sizes.length || checker.mismatch.get() != null;
            });
            sender.join(5_000);
            assertNull(checker.mismatch.get());
            assertEquals(sizes.length, checker.next.get());
            final BridgeCounters.Snapshot g = guestSide.counters().snapshot();
            final BridgeCounters.Snapshot h = hostSide.counters().snapshot();
            assertTrue(g.backPressureIn() > 0, "the guest-side's ring filled: " + g);
            assertTrue(h.backPressureOut() > 0, "Aeron pushed back on the host-side: " + h);
            assertTrue(fullestHostRing.get() > CAPACITY / 2, "the host's ring filled: " + fullestHostRing.get());
            assertEquals(sizes.length, g.messagesIn());
            assertEquals(sizes.length, h.messagesIn());
            assertTrue(errors.isEmpty(), errors::toString);
        }
        finally
        {
            cleanUp(a, b);
        }
        assertEquals(List.of(), shmLeftovers(a, b));
    }

    @Test
    @Timeout(60)
    void aHostThatStopsReadingPushesBackThroughBothBridgesToTheGuestAndNothingIsDropped() throws Exception
    {
        final String a = uniqueName("bra");
        final String b = uniqueName("brb");
        final String toGuestSide = udp(freePort());
        final String toHostSide = udp(freePort());
        final List<Throwable> errors = new CopyOnWriteArrayList<>();
        // 1,000 responses of 1-4 KiB: several times what the 64 KiB fromGuest rings and Aeron's window hold.
        final int[] sizes = kibibyteBlocks(53);
        final Checker checker = new Checker(sizes);
        final CountDownLatch reading = new CountDownLatch(1);
        try (HostChannel host = HostChannel.start(channel(a).callTimeout(Duration.ofSeconds(30)).build(),
                (type, buffer, index, length) ->
                {
                    awaitQuietly(reading); // the host's reader stops at its first response until released
                    checker.onResponse(buffer, index, length);
                });
             HostSideBridge hostSide = HostSideBridge.start(hostSide(a, toGuestSide, toHostSide, errors));
             GuestSideBridge guestSide = GuestSideBridge.start(guestSide(a, b, toGuestSide, toHostSide, errors));
             IpcGuest guest = IpcGuest.start(channel(b).writeMode(WriteMode.CALLER).callTimeout(Duration.ofSeconds(30))
                 .build(), (buffer, index, length, self) -> assertTrue(self.respond(buffer, index, length))))
        {
            assertTrue(hostSide.awaitLink(Duration.ofSeconds(10)));
            final SimpleIpcRingBuffer fromGuestAtHost = host.segment().simpleIpcRing(QueueId.FROM_GUEST);
            final Thread sender = new Thread(() -> sendAll(host, sizes, 0, sizes.length), "test-sender");
            sender.start();
            waitUntil("the host's fromGuest ring to fill", Duration.ofSeconds(20),
                () -> fromGuestAtHost.size() > CAPACITY / 2 && hostSide.counters().snapshot().backPressureIn() > 0);
            Thread.sleep(500);
            final long answeredWhileBlocked = guestSide.counters().snapshot().messagesOut();
            assertTrue(answeredWhileBlocked < sizes.length, "the guest's answers wait: " + answeredWhileBlocked);
            assertEquals(0, checker.next.get(), "the host has read nothing");

            reading.countDown();
            waitUntil("every answer", Duration.ofSeconds(40),
                () -> checker.next.get() == sizes.length || checker.mismatch.get() != null);
            sender.join(5_000);
            assertNull(checker.mismatch.get());
            assertEquals(sizes.length, checker.next.get());
            final BridgeCounters.Snapshot g = guestSide.counters().snapshot();
            final BridgeCounters.Snapshot h = hostSide.counters().snapshot();
            assertTrue(h.backPressureIn() > 0, "the host's ring filled: " + h);
            assertTrue(g.backPressureOut() > 0, "Aeron pushed back on the guest-side: " + g);
            assertEquals(sizes.length, g.messagesOut());
            assertEquals(sizes.length, h.messagesIn());
            assertTrue(errors.isEmpty(), errors::toString);
        }
        finally
        {
            reading.countDown();
            cleanUp(a, b);
        }
        assertEquals(List.of(), shmLeftovers(a, b));
    }

    private static void awaitQuietly(final CountDownLatch latch)
    {
        try
        {
            assertTrue(latch.await(50, TimeUnit.SECONDS), "the test never let the host read");
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * @return 1,000 sizes of 1-4 KiB, varied by {@code step}: several times what two 64 KiB rings and Aeron's
     * 128 KiB window hold.
     */
    private static int[] kibibyteBlocks(final int step)
    {
        final int[] sizes = new int[1_000];
        for (int i = 0; i < sizes.length; i++)
        {
            sizes[i] = 1024 + (i * step) % 3072;
        }
        return sizes;
    }
}
