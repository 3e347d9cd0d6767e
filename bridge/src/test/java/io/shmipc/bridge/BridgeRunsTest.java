package io.shmipc.bridge;

import io.shmipc.core.channel.HostChannel;
import io.shmipc.core.channel.IpcGuest;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static io.shmipc.bridge.BridgeTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Runs: a host restarted on the same name is a new run; the answers to the old host's requests, which the guest
 * gives after the restart, are never written into the new host's queue (they are counted as stale), and the new
 * host's calls are answered.
 */
class BridgeRunsTest
{
    @Test
    @Timeout(60)
    void answersOfARestartedHostsOldRunAreNeverDeliveredToItsNewRun() throws Exception
    {
        final String a = uniqueName("bua");
        final String b = uniqueName("bub");
        final String toGuestSide = udp(freePort());
        final String toHostSide = udp(freePort());
        final List<Throwable> errors = new CopyOnWriteArrayList<>();
        final ExecutorService slow = Executors.newSingleThreadExecutor();
        final CountDownLatch release = new CountDownLatch(1);
        final List<Integer> secondRunGot = new CopyOnWriteArrayList<>();
        final List<Integer> firstRunGot = new CopyOnWriteArrayList<>();
        final UnsafeBuffer message = new UnsafeBuffer(new byte[8]);
        try (HostSideBridge hostSide = startHostSideWhenHostIs(a, toGuestSide, toHostSide, errors, firstRunGot);
             GuestSideBridge guestSide = GuestSideBridge.start(guestSide(a, b, toGuestSide, toHostSide, errors));
             IpcGuest guest = IpcGuest.start(channel(b).build(), (buffer, index, length, self) ->
             {
                 final int value = buffer.getInt(index);
                 // answers in order, once the test releases them: the old run's answers come after the restart
                 slow.execute(() ->
                 {
                     try
                     {
                         assertTrue(release.await(20, TimeUnit.SECONDS));
                     }
                     catch (final InterruptedException ex)
                     {
                         return;
                     }
                     final UnsafeBuffer answer = new UnsafeBuffer(new byte[4]);
                     answer.putInt(0, value);
                     assertTrue(self.respond(answer, 0, 4));
                 });
             }))
        {
            assertTrue(hostSide.awaitLink(Duration.ofSeconds(10)));
            final long firstRun = hostSide.run();
            // Run 1: five requests reach the guest, then their host goes away before any answer.
            for (int i = 0; i < 5; i++)
            {
                message.putInt(0, 100 + i);
                assertTrue(firstHost.send(message, 0, 4));
            }
            waitUntil("the guest-side to deliver run 1", Duration.ofSeconds(5),
                () -> guestSide.counters().snapshot().messagesIn() == 5);
            firstHost.close();
            waitUntil("the host-side bridge to leave the old run", Duration.ofSeconds(5), () -> !hostSide.attached());

            // Run 2: a new host on the same name; the bridge attaches again with a new run id.
            try (HostChannel second = HostChannel.start(channel(a).build(),
                (type, buffer, index, length) -> secondRunGot.add(buffer.getInt(index))))
            {
                waitUntil("the host-side bridge to attach to the new run", Duration.ofSeconds(5), hostSide::attached);
                assertNotEquals(firstRun, hostSide.run());
                for (int i = 0; i < 5; i++)
                {
                    message.putInt(0, 200 + i);
                    assertTrue(second.send(message, 0, 4));
                }
                waitUntil("the guest-side to deliver run 2", Duration.ofSeconds(5),
                    () -> guestSide.counters().snapshot().messagesIn() == 10);
                release.countDown(); // now the guest answers all ten, in order: run 1's five first
                waitUntil("run 2's answers", Duration.ofSeconds(10), () -> secondRunGot.size() >= 5);
                Thread.sleep(300);
                assertEquals(List.of(200, 201, 202, 203, 204), secondRunGot, "only run 2's own answers");
                assertEquals(5, hostSide.counters().snapshot().stale(), "run 1's answers counted as stale");
                assertEquals(2, hostSide.counters().snapshot().localRuns());
            }
            assertEquals(List.of(), firstRunGot);
            assertTrue(errors.isEmpty(), errors::toString);
        }
        finally
        {
            slow.shutdownNow();
            if (firstHost != null)
            {
                firstHost.close();
            }
            cleanUp(a, b);
        }
        assertEquals(List.of(), shmLeftovers(a, b));
    }

    private HostChannel firstHost;

    private HostSideBridge startHostSideWhenHostIs(final String a, final String toGuestSide, final String toHostSide,
        final List<Throwable> errors, final List<Integer> got)
    {
        firstHost =
            HostChannel.start(channel(a).build(), (type, buffer, index, length) -> got.add(buffer.getInt(index)));
        return HostSideBridge.start(hostSide(a, toGuestSide, toHostSide, errors));
    }
}
