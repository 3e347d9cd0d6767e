package io.shmipc.tools;

import io.shmipc.core.segment.SharedSegment;
import io.shmipc.signals.NamedSignals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Unique test channel names, removed (segment and both semaphores) by {@link #removeAll()}. */
final class Channels
{
    private static final AtomicInteger COUNTER = new AtomicInteger();
    private final List<String> names = new ArrayList<>();

    synchronized String newName(final String what)
    {
        final String name = what + "-test-" + ProcessHandle.current().pid() + "-" + COUNTER.incrementAndGet();
        names.add(name);
        return name;
    }

    synchronized void removeAll() throws IOException
    {
        for (final String name : names)
        {
            Files.deleteIfExists(SharedSegment.shmPath(name));
            NamedSignals.unlink(NamedSignals.requestSignalName(name));
            NamedSignals.unlink(NamedSignals.responseSignalName(name));
        }
    }

    static void assertNoFiles(final String name) throws IOException
    {
        try (Stream<Path> files = Files.list(Paths.get("/dev/shm")))
        {
            assertEquals(List.of(), files.filter(p -> p.getFileName().toString().contains(name)).toList(),
                "files of " + name + " left in /dev/shm");
        }
    }

    /** Waits (bounded) until the segment file of {@code name} exists. */
    static void awaitSegment(final String name, final long seconds) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!Files.exists(SharedSegment.shmPath(name)))
        {
            assertTrue(System.nanoTime() - deadline < 0, "segment " + name + " did not appear in " + seconds + " s");
            Thread.sleep(20);
        }
    }
}
