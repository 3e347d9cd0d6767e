package io.shmipc.bridge;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static io.shmipc.bridge.BridgeTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Unchanged peers at both ends: the C host of core's tests (written from the spec, behaving like the original C++
 * host benchmark) in front of the host-side bridge, the C guest (answering like the Go guest) behind the
 * guest-side bridge, over UDP on 127.0.0.1; 100,000 calls from 1 and from 4 threads, every one checked by the C host.
 */
class BridgeNativePeersTest
{
    private static Path compile(final String source) throws Exception
    {
        final Path src = Paths.get("..", "core", "src", "test", "c", source).toAbsolutePath().normalize();
        final Path exe = Paths.get("target", "native", source.replace(".c", "")).toAbsolutePath();
        Files.createDirectories(exe.getParent());
        if (Files.exists(exe) && Files.getLastModifiedTime(exe).compareTo(Files.getLastModifiedTime(src)) > 0 &&
            Files.getLastModifiedTime(exe).compareTo(Files.getLastModifiedTime(src.resolveSibling("simpleipc.h"))) > 0)
        {
            return exe;
        }
        final Process gcc =
            new ProcessBuilder("gcc", "-O2", "-std=c11", "-o", exe.toString(), src.toString(), "-pthread")
                .redirectErrorStream(true).start();
        final String output = new String(gcc.getInputStream().readAllBytes());
        assertTrue(gcc.waitFor(60, TimeUnit.SECONDS), "gcc did not finish");
        assertEquals(0, gcc.exitValue(), "gcc " + src + ": " + output);
        return exe;
    }

    private static String run(final Process process, final long seconds) throws Exception
    {
        if (!process.waitFor(seconds, TimeUnit.SECONDS))
        {
            process.destroyForcibly();
            fail("did not finish within " + seconds + " s: " + new String(process.getInputStream().readAllBytes()));
        }
        return new String(process.getInputStream().readAllBytes());
    }

    @Test
    @Timeout(600)
    void theCHostCallsTheCGuestThroughBothBridgesFromOneAndFourThreads() throws Exception
    {
        final Path hostProgram = compile("simpleipc_host.c");
        final Path guestProgram = compile("simpleipc_guest.c");
        for (final int threads : new int[]{1, 4})
        {
            final String a = uniqueName("bna");
            final String b = uniqueName("bnb");
            final String toGuestSide = udp(freePort());
            final String toHostSide = udp(freePort());
            final List<Throwable> errors = new CopyOnWriteArrayList<>();
            final int iterations = 100_000 / threads;
            Process host = null;
            Process guest = null;
            try (GuestSideBridge guestSide = GuestSideBridge.start(guestSide(a, b, toGuestSide, toHostSide, errors)))
            {
                guest = new ProcessBuilder(guestProgram.toString(), b, "60").redirectErrorStream(true).start();
                host = new ProcessBuilder(hostProgram.toString(), a, "-t", "" + threads, "-i", "" + iterations,
                    "-c", "" + CAPACITY, "--wait-guest", "20", "--call-timeout", "10")
                    .redirectErrorStream(true).start();
                waitUntil("the C host's channel", Duration.ofSeconds(10),
                    () -> Files.exists(Paths.get("/dev/shm", a)));
                try (HostSideBridge hostSide = HostSideBridge.start(hostSide(a, toGuestSide, toHostSide, errors)))
                {
                    final String output = run(host, 240);
                    assertEquals(0, host.exitValue(), output);
                    final int calls = threads * iterations;
                    assertTrue(
                        output.contains("calls=" + calls + " answered=" + calls + " wrong=0 unknown=0 timeouts=0"),
                        output);
                }
            }
            finally
            {
                if (host != null)
                {
                    host.destroyForcibly();
                }
                if (guest != null)
                {
                    final String guestOutput = run(guest, 10); // exits 0 when the guest-side removes the channel
                    assertEquals(0, guest.exitValue(), guestOutput);
                }
                cleanUp(a, b);
            }
            assertTrue(errors.isEmpty(), errors::toString);
            assertEquals(List.of(), shmLeftovers(a, b));
        }
    }
}
