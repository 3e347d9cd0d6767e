package io.shmipc.core;

import io.shmipc.core.segment.SegmentLayout;
import io.shmipc.core.segment.SharedSegment;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Unique segment files for tests, under {@code /dev/shm} (where the real ones live) and removed afterwards.
 */
public final class TestSegments
{
    private static final AtomicInteger COUNTER = new AtomicInteger();

    private TestSegments()
    {
    }

    public static String uniqueName(final String label)
    {
        return "shmipc-test-" + label + "-" + ProcessHandle.current().pid() + "-" + COUNTER.incrementAndGet();
    }

    public static Path uniqueFile(final String label)
    {
        return SharedSegment.SHM_DIRECTORY.resolve(uniqueName(label));
    }

    public static SharedSegment create(final Path file, final int capacity)
    {
        return SharedSegment.create(file, capacity, SegmentLayout.SIMPLE_IPC, SharedSegment.DEFAULT_PERMISSIONS);
    }

    public static void delete(final Path file)
    {
        try
        {
            Files.deleteIfExists(file);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}
