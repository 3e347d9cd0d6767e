package io.shmipc.idle;

import java.util.ArrayList;
import java.util.List;

/**
 * An in-memory {@link WakeSignal} for single-threaded tests of the idle strategies: it counts calls, records their
 * order in a shared log, and never has a post to consume.
 */
class RecordingSignal implements WakeSignal
{
    final List<String> log;
    int awaits;
    int drains;
    long lastTimeoutNs;
    /** What the next awaits return: false (a timeout) by default. */
    boolean posted;

    RecordingSignal()
    {
        this(new ArrayList<>());
    }

    RecordingSignal(final List<String> log)
    {
        this.log = log;
    }

    public boolean await(final long timeoutNanos)
    {
        log.add("await");
        awaits++;
        lastTimeoutNs = timeoutNanos;
        return posted;
    }

    public int drain()
    {
        log.add("drain");
        drains++;
        return 0;
    }
}
