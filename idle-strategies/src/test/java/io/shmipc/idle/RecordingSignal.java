package io.shmipc.idle;

import java.util.ArrayList;
import java.util.List;

/**
 * An in-memory {@link NamedSignal} for single-threaded tests of the idle strategies: it counts calls, records their
 * order in a shared log, and has a count like a semaphore.
 */
class RecordingSignal implements NamedSignal
{
    final List<String> log;
    int count;
    int awaits;
    int drains;
    long lastTimeoutNs;

    RecordingSignal()
    {
        this(new ArrayList<>());
    }

    RecordingSignal(final List<String> log)
    {
        this.log = log;
    }

    public String name()
    {
        return "recording";
    }

    public void post()
    {
        log.add("post");
        count++;
    }

    public boolean await(final long timeoutNanos)
    {
        log.add("await");
        awaits++;
        lastTimeoutNs = timeoutNanos;
        if (count > 0)
        {
            count--;
            return true;
        }
        return false;
    }

    public int drain()
    {
        log.add("drain");
        drains++;
        final int drained = count;
        count = 0;
        return drained;
    }

    public int value()
    {
        return count;
    }

    public void close()
    {
    }
}
