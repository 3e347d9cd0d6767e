package io.shmipc.bridge;

import io.shmipc.core.channel.HostChannel;
import io.shmipc.core.channel.IpcGuest;
import io.shmipc.core.channel.IpcHost;
import io.shmipc.core.channel.WriteMode;
import io.shmipc.schemas.IpcMessages;
import ipc.AddResponse;
import ipc.Message;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.File;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static io.shmipc.bridge.BridgeIpcCallsTest.add;
import static io.shmipc.bridge.BridgeIpcCallsTest.addGuest;
import static io.shmipc.bridge.BridgeTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The bridges as commands in JVMs of their own: calls cross them over UDP on 127.0.0.1, the counters are read from
 * outside, SIGTERM and SIGINT make them exit 0 leaving nothing in /dev/shm; a guest-side bridge killed with -9 and
 * started again: calls in flight time out at the host, nothing is delivered twice or to the wrong call, calls after
 * the restart succeed.
 */
class BridgeProcessTest
{
    static String[] hostSideArgs(final String name, final int guestSidePort, final int hostSidePort, final Path dir)
    {
        return new String[]{"host-side", name, "--publish", udp(guestSidePort), "--subscribe", udp(hostSidePort),
            "--term-length", "" + TERM_LENGTH, "--link-timeout", LINK_TIMEOUT.toMillis() + "ms",
            "--embedded-dir", dir.toString(), "--open-timeout", "5s"};
    }

    static String[] guestSideArgs(
        final String name, final String local, final int guestSidePort, final int hostSidePort, final Path dir)
    {
        return new String[]{"guest-side", name, "--local-name", local, "--subscribe", udp(guestSidePort),
            "--publish", udp(hostSidePort), "--capacity", "" + CAPACITY, "--term-length", "" + TERM_LENGTH,
            "--link-timeout", LINK_TIMEOUT.toMillis() + "ms", "--embedded-dir", dir.toString()};
    }

    static long counter(final Path dir, final String what)
    {
        try
        {
            final Map<String, Long> values = BridgeStatus.read(dir.toFile());
            return values.entrySet().stream().filter(e -> e.getKey().endsWith(": " + what))
                .mapToLong(Map.Entry::getValue).findFirst().orElse(-1);
        }
        catch (final RuntimeException ex)
        {
            return -1; // not up yet
        }
    }

    /** Counters of this process's driver (a killed predecessor's cnc.dat may still be there). */
    static long counter(final BridgeProcess process, final Path dir, final String what)
    {
        try
        {
            return BridgeStatus.driverPid(dir.toFile()) == process.pid() ? counter(dir, what) : -1;
        }
        catch (final RuntimeException ex)
        {
            return -1;
        }
    }

    static void awaitLinkUp(final BridgeProcess process, final Path dir)
    {
        waitUntil("link up of the bridge in " + dir, Duration.ofSeconds(20), () ->
        {
            if (!process.isAlive())
            {
                fail("the bridge exited: " + process.output());
            }
            return counter(process, dir, "link up") == 1;
        });
    }

    @Test
    @Timeout(90)
    void bridgesInTheirOwnProcessesCarryCallsAndLeaveNothingBehindOnSigtermAndSigint() throws Exception
    {
        final String a = uniqueName("bxa");
        final String b = uniqueName("bxb");
        final int guestSidePort = freePort();
        final int hostSidePort = freePort();
        final Path hostDir = aeronDir(a, HostSideBridge.SIDE);
        final Path guestDir = aeronDir(b, GuestSideBridge.SIDE);
        try (IpcHost host = IpcHost.start(channel(a).build(), IpcMessages::reqId);
             BridgeProcess hostSide = new BridgeProcess(hostSideArgs(a, guestSidePort, hostSidePort, hostDir));
             BridgeProcess guestSide = new BridgeProcess(guestSideArgs(a, b, guestSidePort, hostSidePort, guestDir)))
        {
            try (IpcGuest guest = addGuest(b))
            {
                awaitLinkUp(hostSide, hostDir);
                awaitLinkUp(guestSide, guestDir);
                final int calls = 3_000;
                for (int i = 0; i < calls; i++)
                {
                    assertEquals(2.0 * i, add(host, i, i));
                }
                assertEquals(calls, counter(hostDir, "messages to Aeron"), "counters read from outside");
                assertEquals(calls, counter(guestDir, "messages from Aeron"));
                assertEquals(0, counter(hostDir, "errors"));
                final StringWriterOut status = new StringWriterOut();
                assertEquals(0, BridgeMain.execute(status.out, status.err, "status", "--aeron-dir", hostDir.toString()),
                    status.text());
                assertTrue(
                    status.text().contains("host-side " + a + ": messages to Aeron = " + calls), status.text());
            }
            guestSide.terminate();   // SIGTERM
            assertEquals(0, guestSide.waitFor(20), guestSide.output());
            hostSide.interrupt();    // SIGINT, as Ctrl-C
            assertEquals(0, hostSide.waitFor(20), hostSide.output());
            assertEquals("", guestSide.output().trim(), "quiet by default");
            assertEquals("", hostSide.output().trim(), "quiet by default");
            assertEquals(List.of(), shmLeftovers(b), "the guest-side removes its channel and its Aeron directory");
            assertFalse(Files.exists(hostDir), "the host-side removes its Aeron directory");
            assertTrue(Files.exists(host.segment() != null ? new File("/dev/shm/" + a).toPath() : null),
                "the host-side bridge leaves the host's channel alone");
        }
        finally
        {
            cleanUp(a, b);
        }
        assertEquals(List.of(), shmLeftovers(a, b));
    }

    @Test
    @Timeout(90)
    void aGuestSideBridgeKilledAndStartedAgainDeliversNothingTwiceAndCallsAfterTheRestartSucceed() throws Exception
    {
        final String a = uniqueName("bka");
        final String b = uniqueName("bkb");
        final int guestSidePort = freePort();
        final int hostSidePort = freePort();
        final Path hostDir = aeronDir(a, HostSideBridge.SIDE);
        final Path guestDir = aeronDir(b, GuestSideBridge.SIDE);
        try (IpcHost host = IpcHost.start(channel(a).callTimeout(Duration.ofSeconds(3)).build(), IpcMessages::reqId);
             BridgeProcess hostSide = new BridgeProcess(hostSideArgs(a, guestSidePort, hostSidePort, hostDir)))
        {
            try (BridgeProcess guestSide =
                     new BridgeProcess(guestSideArgs(a, b, guestSidePort, hostSidePort, guestDir));
                 IpcGuest guest = addGuest(b))
            {
                awaitLinkUp(hostSide, hostDir);
                for (int i = 0; i < 200; i++)
                {
                    assertEquals(i + 1.0, add(host, i, 1));
                }
                // Calls in flight when the guest-side bridge dies.
                final CompletableFuture<?>[] inFlight = new CompletableFuture<?>[50];
                for (int i = 0; i < inFlight.length; i++)
                {
                    final int x = 1000 + i;
                    inFlight[i] = host.callAsync((builder, id) -> IpcMessages.encodeAddRequest(builder, id, x, 1));
                }
                guestSide.kill9();
                for (int i = 0; i < inFlight.length; i++)
                {
                    try
                    {
                        final ByteBuffer response = (ByteBuffer)inFlight[i].get(10, TimeUnit.SECONDS);
                        assertEquals(1000 + i + 1.0, ((AddResponse)Message.getRootAsMessage(response)
                            .payload(new AddResponse())).result(), "an answer, if any, is the right one");
                    }
                    catch (final ExecutionException ex)
                    {
                        assertInstanceOf(TimeoutException.class, ex.getCause(), "a call in flight times out");
                    }
                }
            }
            // The far side starts again (it re-initialises the channel its dead predecessor left).
            try (BridgeProcess guestSide =
                     new BridgeProcess(guestSideArgs(a, b, guestSidePort, hostSidePort, guestDir)))
            {
                waitUntil("the new guest-side's channel", Duration.ofSeconds(20),
                    () -> counter(guestSide, guestDir, "local runs") == 1);
                try (IpcGuest guest = addGuest(b))
                {
                    awaitLinkUp(guestSide, guestDir);
                    waitUntil("the host-side to see the new session", Duration.ofSeconds(20),
                        () -> counter(hostDir, "reconnects") >= 1 && counter(hostDir, "link up") == 1);
                    for (int i = 0; i < 200; i++)
                    {
                        try
                        {
                            assertEquals(i + 2.0, add(host, i, 2));
                        }
                        catch (final TimeoutException ex)
                        {
                            throw new AssertionError("call " + i + " after the restart: " +
                                BridgeStatus.read(hostDir.toFile()) + " " + BridgeStatus.read(guestDir.toFile()), ex);
                        }
                    }
                    assertEquals(0, host.unknownResponses(), "no answer the host never asked for");
                    assertEquals(0, host.malformedResponses());
                }
                guestSide.terminate();
                assertEquals(0, guestSide.waitFor(20), guestSide.output());
            }
            hostSide.terminate();
            assertEquals(0, hostSide.waitFor(20), hostSide.output());
        }
        finally
        {
            cleanUp(a, b);
        }
        assertEquals(List.of(), shmLeftovers(a, b));
    }

    @Test
    @Timeout(90)
    void aHostSideBridgeKilledMidBatchAndStartedAgainDeliversNoRequestTwice() throws Exception
    {
        final String a = uniqueName("bma");
        final String b = uniqueName("bmb");
        final String toGuestSide = udp(freePort());
        final String toHostSide = udp(freePort());
        final int guestSidePort = Integer.parseInt(toGuestSide.substring(toGuestSide.lastIndexOf(':') + 1));
        final int hostSidePort = Integer.parseInt(toHostSide.substring(toHostSide.lastIndexOf(':') + 1));
        final Path hostDir = aeronDir(a, HostSideBridge.SIDE);
        final List<Throwable> errors = new CopyOnWriteArrayList<>();
        final BitSet requestsSeen = new BitSet();
        final BitSet responsesSeen = new BitSet();
        final AtomicInteger duplicateRequests = new AtomicInteger();
        final AtomicInteger duplicateResponses = new AtomicInteger();
        final AtomicBoolean sending = new AtomicBoolean(true);
        final AtomicInteger sent = new AtomicInteger();
        Thread sender = null;
        try (HostChannel host = HostChannel.start(channel(a).build(), (type, buffer, index, length) ->
             {
                 final int value = buffer.getInt(index);
                 synchronized (responsesSeen)
                 {
                     if (responsesSeen.get(value))
                     {
                         duplicateResponses.incrementAndGet();
                     }
                     responsesSeen.set(value);
                 }
             });
             GuestSideBridge guestSide = GuestSideBridge.start(guestSide(a, b, toGuestSide, toHostSide, errors));
             IpcGuest guest = IpcGuest.start(channel(b).writeMode(WriteMode.CALLER).build(),
                 (buffer, index, length, self) ->
                 {
                     final int value = buffer.getInt(index);
                     synchronized (requestsSeen)
                     {
                         if (requestsSeen.get(value))
                         {
                             duplicateRequests.incrementAndGet();
                         }
                         requestsSeen.set(value);
                     }
                     assertTrue(self.respond(buffer, index, length));
                 }))
        {
            try (BridgeProcess first = new BridgeProcess(hostSideArgs(a, guestSidePort, hostSidePort, hostDir)))
            {
                awaitLinkUp(first, hostDir);
                sender = new Thread(() ->
                {
                    final UnsafeBuffer message = new UnsafeBuffer(new byte[64]);
                    while (sending.get())
                    {
                        final int value = sent.get();
                        message.putInt(0, value);
                        if (host.send(message, 0, 64))
                        {
                            sent.incrementAndGet();
                        }
                    }
                }, "test-sender");
                sender.start();
                waitUntil(
                    "traffic", Duration.ofSeconds(20), () -> guestSide.counters().snapshot().messagesIn() > 3_000);
                first.kill9();   // in the middle of a stream of blocks: its last batch's readPos is not stored
            }
            try (BridgeProcess second = new BridgeProcess(hostSideArgs(a, guestSidePort, hostSidePort, hostDir)))
            {
                awaitLinkUp(second, hostDir);
                final long before = guestSide.counters().snapshot().messagesIn();
                waitUntil("traffic after the restart", Duration.ofSeconds(20),
                    () -> guestSide.counters().snapshot().messagesIn() > before + 3_000);
                sending.set(false);
                sender.join(10_000);
                final int total = sent.get();
                waitUntil("every request sent after the restart answered", Duration.ofSeconds(30), () ->
                {
                    synchronized (responsesSeen)
                    {
                        return responsesSeen.get(total - 1);
                    }
                });
                second.terminate();
                assertEquals(0, second.waitFor(20), second.output());
            }
            assertEquals(0, duplicateRequests.get(), "a request delivered twice to the guest");
            assertEquals(0, duplicateResponses.get(), "a response delivered twice to the host");
            assertTrue(errors.isEmpty(), errors::toString);
        }
        finally
        {
            sending.set(false);
            if (sender != null)
            {
                sender.join(5_000);
            }
            cleanUp(a, b);
        }
        assertEquals(List.of(), shmLeftovers(a, b));
    }

    /** A pair of writers for {@link BridgeMain#execute}. */
    static final class StringWriterOut
    {
        final StringWriter buffer = new StringWriter();
        final PrintWriter out = new PrintWriter(buffer, true);
        final PrintWriter err = out;

        String text()
        {
            out.flush();
            return buffer.toString();
        }
    }
}
