package io.shmipc.bridge;

import io.shmipc.core.channel.ChannelConfig;
import io.shmipc.core.segment.SharedSegment;
import io.shmipc.signals.NamedSignals;
import org.agrona.IoUtil;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Names, ports and configurations for bridge tests: unique channel names and Aeron directories per test, UDP ports
 * on 127.0.0.1 only, a sleeping embedded driver in SHARED mode, every wait bounded.
 */
final class BridgeTestSupport
{
    /** Capacity of the test channels: maxMsgLength 65528, under Aeron's 131056 with 1 MiB terms. */
    static final int CAPACITY = 64 * 1024;
    static final int TERM_LENGTH = 1024 * 1024;
    static final Duration LINK_TIMEOUT = Duration.ofMillis(1500);
    /** Quiet: thread placements are logged at INFO by core. Held so the level is not lost to GC. */
    static final Logger QUIET = Logger.getLogger("io.shmipc");

    static
    {
        QUIET.setLevel(Level.WARNING);
    }

    private BridgeTestSupport()
    {
    }

    static String uniqueName(final String prefix)
    {
        return prefix + "-" + ProcessHandle.current().pid() + "-" +
            Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xFFFFFFFFL);
    }

    /** @return a UDP port on 127.0.0.1 that was free a moment ago. */
    static int freePort()
    {
        try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getByName("127.0.0.1")))
        {
            return socket.getLocalPort();
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    static String udp(final int port)
    {
        return "aeron:udp?endpoint=127.0.0.1:" + port;
    }

    static Path aeronDir(final String name, final String side)
    {
        return SharedSegment.SHM_DIRECTORY.resolve("shmipc-bridge-test-" + side + "-" + name);
    }

    static BridgeConfig hostSide(
        final String name, final String publish, final String subscribe, final List<Throwable> errors)
    {
        return new BridgeConfig(name)
            .publish(publish)
            .subscribe(subscribe)
            .termLength(TERM_LENGTH)
            .linkTimeout(LINK_TIMEOUT)
            .embeddedDir(aeronDir(name, HostSideBridge.SIDE))
            .openTimeout(Duration.ofSeconds(5))
            .errorHandler(errors::add);
    }

    static BridgeConfig guestSide(
        final String name, final String localName, final String subscribe, final String publish,
        final List<Throwable> errors)
    {
        return new BridgeConfig(name)
            .localName(localName)
            .subscribe(subscribe)
            .publish(publish)
            .capacity(CAPACITY)
            .termLength(TERM_LENGTH)
            .linkTimeout(LINK_TIMEOUT)
            .staleGrace(Duration.ofSeconds(2))
            .embeddedDir(aeronDir(localName, GuestSideBridge.SIDE))
            .errorHandler(errors::add);
    }

    static ChannelConfig.Builder channel(final String name)
    {
        return ChannelConfig.builder(name).capacity(CAPACITY).openTimeout(Duration.ofSeconds(5))
            .readerIdle("wait").writerIdle("wait");
    }

    static void waitUntil(final String what, final Duration timeout, final BooleanSupplier condition)
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() - deadline >= 0)
            {
                fail("timed out after " + timeout + " waiting for " + what);
            }
            try
            {
                Thread.sleep(5);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                fail("interrupted waiting for " + what);
            }
        }
    }

    /** @return files in /dev/shm whose names contain one of the names (segments, semaphores, Aeron dirs). */
    static List<String> shmLeftovers(final String... names)
    {
        final List<String> found = new ArrayList<>();
        try (Stream<Path> files = Files.list(SharedSegment.SHM_DIRECTORY))
        {
            files.forEach(file ->
            {
                for (final String name : names)
                {
                    if (file.getFileName().toString().contains(name))
                    {
                        found.add(file.toString());
                    }
                }
            });
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException(ex);
        }
        return found;
    }

    /** Remove whatever a failed test left of these channels. */
    static void cleanUp(final String... names)
    {
        for (final String name : names)
        {
            try
            {
                Files.deleteIfExists(SharedSegment.shmPath(name));
            }
            catch (final IOException ignore)
            {
                // best effort
            }
            NamedSignals.unlink(NamedSignals.requestSignalName(name));
            NamedSignals.unlink(NamedSignals.responseSignalName(name));
            for (final String side : new String[]{HostSideBridge.SIDE, GuestSideBridge.SIDE})
            {
                IoUtil.delete(aeronDir(name, side).toFile(), true);
                IoUtil.delete(new BridgeConfig(name).embeddedDir(side).toFile(), true);
            }
        }
    }

    /** The bytes of message {@code seq} of a given length: recognisable, so order and boundaries can be checked. */
    static byte patternByte(final int seq, final int i)
    {
        return (byte)(seq * 31 + i * 7 + (i >>> 8));
    }
}
