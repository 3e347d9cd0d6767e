package io.shmipc.core.channel;

import io.shmipc.core.TestSegments;
import io.shmipc.core.segment.SharedSegment;
import io.shmipc.signals.NamedSignals;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

/**
 * A channel name unique to one test, the hosts, guests and child processes the test keeps, and their clean-up after
 * each test (register it with {@code @RegisterExtension}): closed in reverse order, then the segment file and both
 * semaphores removed whatever the test left.
 */
final class TestChannel implements AutoCloseable, AfterEachCallback
{
    final String name;
    private final List<AutoCloseable> resources = new ArrayList<>();

    TestChannel(final String label)
    {
        this.name = TestSegments.uniqueName(label);
    }

    /**
     * @return the resource, closed by {@link #close()}.
     */
    <T extends AutoCloseable> T keep(final T resource)
    {
        resources.add(resource);
        return resource;
    }

    public void afterEach(final ExtensionContext context) throws Exception
    {
        close();
    }

    public void close() throws Exception
    {
        try
        {
            for (int i = resources.size() - 1; i >= 0; i--)
            {
                resources.get(i).close();
            }
        }
        finally
        {
            Files.deleteIfExists(SharedSegment.shmPath(name));
            NamedSignals.unlink(NamedSignals.requestSignalName(name));
            NamedSignals.unlink(NamedSignals.responseSignalName(name));
        }
    }
}
