package io.shmipc.bridge;

import io.shmipc.core.channel.IpcHost;
import io.shmipc.schemas.IpcMessages;
import io.shmipc.tools.cli.HelpTexts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static io.shmipc.bridge.BridgeTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Bad input: each a clear one-line error and the documented exit code, and nothing left behind.
 */
class BridgeCommandErrorsTest
{
    private static String[] run(final int expectedCode, final String... args)
    {
        final BridgeProcessTest.StringWriterOut out = new BridgeProcessTest.StringWriterOut();
        final int code = BridgeMain.execute(out.out, out.err, args);
        final String text = out.text();
        assertEquals(expectedCode, code, text);
        assertTrue(text.startsWith("shmipc bridge: "), text);
        assertEquals(1, text.strip().lines().count(), "one line: " + text);
        return new String[]{text};
    }

    @Test
    void everyCommandsHelpRendersWithoutPicocliWarnings()
    {
        final String help = HelpTexts.assertNoWarnings(new BridgeMain());
        assertTrue(help.contains("--stale-grace") && help.contains("--term-length"), help);
    }

    @Test
    @Timeout(30)
    void aStaleGraceOfZeroIsAcceptedOnTheCommandLine()
    {
        // accepted: the bridge starts and ends only because its far side never appears
        final String name = uniqueName("bee");
        try
        {
            final String text = run(5, "guest-side", name, "--publish", udp(freePort()), "--subscribe",
                udp(freePort()), "--capacity", "64KiB", "--stale-grace", "0s", "--connect-timeout", "500ms",
                "--embedded-dir", aeronDir(name, GuestSideBridge.SIDE).toString())[0];
            assertTrue(text.contains("did not appear"), text);
        }
        finally
        {
            cleanUp(name);
        }
        assertEquals(List.of(), shmLeftovers(name));
    }

    @Test
    void aStaleGraceOfZeroMeansNoneAndANegativeOneIsRefused()
    {
        assertEquals(Duration.ZERO, new BridgeConfig("x").staleGrace(Duration.ZERO).staleGrace());
        final IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
            () -> new BridgeConfig("x").staleGrace(Duration.ofSeconds(-1)));
        assertTrue(negative.getMessage().contains("staleGrace") && negative.getMessage().contains("PT-1S"),
            negative.getMessage());
    }

    @Test
    @Timeout(30)
    void anUnknownCommandOrABadDurationOrSizeIsAUsageError()
    {
        final String name = uniqueName("bec");
        assertTrue(run(2, "frobnicate", "--help")[0].contains("'frobnicate'"));
        assertTrue(run(2)[0].contains("missing command: host-side, guest-side or status"));
        final String grace = run(2, "guest-side", name, "--publish", udp(freePort()), "--subscribe",
            udp(freePort()), "--stale-grace", "5")[0];
        assertTrue(grace.contains("--stale-grace") && grace.contains("'5' is not a duration"), grace);
        final String capacity = run(2, "guest-side", name, "--publish", udp(freePort()), "--subscribe",
            udp(freePort()), "--capacity", "32 furlongs")[0];
        assertTrue(capacity.contains("--capacity") && capacity.contains("'32 furlongs'"), capacity);
        assertEquals(List.of(), shmLeftovers(name));
    }

    @Test
    @Timeout(30)
    void anUnknownAeronUriIsAUsageError()
    {
        final String name = uniqueName("bea");
        final String text = run(2, "host-side", name, "--publish", "aeron:tcp?endpoint=127.0.0.1:1",
            "--subscribe", udp(freePort()))[0];
        assertTrue(text.contains("aeron:tcp"), text);
        run(2, "guest-side", name, "--publish", "not-a-uri", "--subscribe", udp(freePort()));
        run(2, "guest-side", name, "--publish", "aeron:udp", "--subscribe", udp(freePort())); // no endpoint
        run(2, "guest-side", name, "--subscribe", udp(freePort()));                           // no --publish
        assertEquals(List.of(), shmLeftovers(name));
    }

    @Test
    @Timeout(30)
    void aMissingLocalChannelIsNotFound()
    {
        final String name = uniqueName("beb");
        final Path dir = aeronDir(name, HostSideBridge.SIDE);
        final String text = run(3, "host-side", name, "--publish", udp(freePort()), "--subscribe", udp(freePort()),
            "--open-timeout", "200ms", "--embedded-dir", dir.toString())[0];
        assertTrue(text.contains(name), text);
        assertEquals(List.of(), shmLeftovers(name));
    }

    @Test
    @Timeout(30)
    void aPortInUseIsRefusedByAeron() throws Exception
    {
        final String name = uniqueName("bec");
        try (DatagramSocket taken = new DatagramSocket(0, InetAddress.getByName("127.0.0.1")))
        {
            final String text = run(4, "guest-side", name, "--publish", udp(freePort()),
                "--subscribe", udp(taken.getLocalPort()), "--capacity", "64KiB",
                "--embedded-dir", aeronDir(name, GuestSideBridge.SIDE).toString())[0];
            assertTrue(text.contains("" + taken.getLocalPort()) || text.toLowerCase().contains("in use"), text);
        }
        finally
        {
            cleanUp(name);
        }
        assertEquals(List.of(), shmLeftovers(name));
    }

    @Test
    @Timeout(30)
    void aRemoteThatNeverAppearsEndsTheBridgeAfterConnectTimeout()
    {
        final String name = uniqueName("bed");
        try (IpcHost host = IpcHost.start(channel(name).build(), IpcMessages::reqId))
        {
            final String text = run(5, "host-side", name, "--publish", udp(freePort()), "--subscribe", udp(freePort()),
                "--connect-timeout", "500ms", "--embedded-dir", aeronDir(name, HostSideBridge.SIDE).toString())[0];
            assertTrue(text.contains("did not appear"), text);
        }
        finally
        {
            cleanUp(name);
        }
        assertEquals(List.of(), shmLeftovers(name));
    }
}
