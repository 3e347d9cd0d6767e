package io.shmipc.core.channel;

import io.shmipc.core.segment.SegmentTruncatedException;
import io.shmipc.core.segment.SharedSegment;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentTerminationException;

import java.util.function.BooleanSupplier;

/**
 * The slow duties of one channel side, about every 100 ms and never on the data path: that the segment's file has
 * not been truncated, and the side's liveness rule (a guest's: is its host still there, and the same one). When the
 * rule says stop, or the file was cut, the reader is asked to stop and woken. A side whose callers read
 * ({@link ReadMode#CALLER}) has the conductor read what has arrived when no caller is reading, so a response nobody
 * waits on (a {@code callAsync} future with only callbacks) completes within about 100 ms, and the consumer
 * heartbeat stays fresh while the side is idle. The layer above may add its own timers (an {@link IpcHost}'s call
 * deadlines), run after the checks.
 */
final class ChannelConductor implements Agent
{
    static final long INTERVAL_MS = 100;

    private final String roleName;
    private final SharedSegment segment;
    private final BooleanSupplier keepRunning;
    private final ReaderAgent.FailureSink failureSink;
    private final Runnable stopReader;
    private final Runnable callerModeRead;
    private final Runnable timers;
    private long lastCheck;

    /**
     * @param keepRunning the side's liveness rule (may be null); false stops the side.
     * @param stopReader  asks the reader to stop and wakes it.
     * @param callerModeRead in {@link ReadMode#CALLER}, reads what has arrived if no caller is reading (may be null).
     * @param timers      the layer above's timers, run at every check (may be null).
     */
    ChannelConductor(
        final String channel,
        final SharedSegment segment,
        final BooleanSupplier keepRunning,
        final ReaderAgent.FailureSink failureSink,
        final Runnable stopReader,
        final Runnable callerModeRead,
        final Runnable timers)
    {
        this.roleName = "shmipc-conductor-" + channel;
        this.segment = segment;
        this.keepRunning = keepRunning;
        this.failureSink = failureSink;
        this.stopReader = stopReader;
        this.callerModeRead = callerModeRead;
        this.timers = timers;
    }

    public void onStart()
    {
        lastCheck = System.currentTimeMillis();
    }

    public int doWork()
    {
        final long now = System.currentTimeMillis();
        if (now - lastCheck < INTERVAL_MS)
        {
            return 0;
        }
        lastCheck = now;
        try
        {
            segment.checkNotTruncated();
        }
        catch (final SegmentTruncatedException ex)
        {
            failureSink.fail(ex);
            stopReader.run();
            throw new AgentTerminationException(ex.getMessage(), true);
        }
        if (keepRunning != null && !keepRunning.getAsBoolean())
        {
            stopReader.run();
            throw new AgentTerminationException("the side's liveness rule said stop", true);
        }
        if (callerModeRead != null)
        {
            callerModeRead.run();
        }
        if (timers != null)
        {
            timers.run();
        }
        return 1;
    }

    public String roleName()
    {
        return roleName;
    }
}
