package io.shmipc.signals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Hands out unique signal names containing "test", the pid and a counter, and unlinks every one of them on close.
 */
final class TestSignals implements AutoCloseable
{
    private static final AtomicInteger COUNTER = new AtomicInteger();

    private final List<String> names = new ArrayList<>();
    private final List<NamedSignal> opened = new ArrayList<>();

    String newName(final String tag)
    {
        final String name =
            "shmipc_test_" + ProcessHandle.current().pid() + "_" + COUNTER.incrementAndGet() + "_" + tag;
        names.add(name);
        return name;
    }

    /** Creates a fresh signal with mode 0600, closed and unlinked by {@link #close()}. */
    NamedSignal create(final String tag)
    {
        return track(NamedSignals.create(newName(tag), 0600));
    }

    <T extends NamedSignal> T track(final T signal)
    {
        opened.add(signal);
        return signal;
    }

    public void close()
    {
        for (final NamedSignal signal : opened)
        {
            signal.close();
        }
        for (final String name : names)
        {
            NamedSignals.unlink(name);
        }
    }
}
