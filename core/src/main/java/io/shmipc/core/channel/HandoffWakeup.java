package io.shmipc.core.channel;

import io.shmipc.core.ring.SimpleIpcRingBuffer;
import io.shmipc.signals.NamedSignal;
import io.shmipc.idle.SleepGuard;
import io.shmipc.idle.WakeSignal;
import org.agrona.concurrent.ringbuffer.RingBuffer;

import java.lang.invoke.VarHandle;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Lets the writer thread of a channel block while its in-process handoff queue is empty, so that the {@code wait}
 * idle strategy costs no CPU on the writer side either: the in-process counterpart of the named semaphore, with the
 * same Dekker handshake as the shared queue's reader state (see {@link SimpleIpcRingBuffer#prepareToSleep()}).
 * The writer stores {@code sleeping} (volatile) then reads the handoff's size; a producer appends (a CAS on the
 * handoff's tail), fences, then reads {@code sleeping} and posts if set. One of the two sees the other.
 */
final class HandoffWakeup implements WakeSignal, SleepGuard
{
    private final String name;
    private final RingBuffer handoff;
    private final Semaphore permits = new Semaphore(0);
    private final NamedSignal target;
    private volatile boolean sleeping;

    /**
     * @param target the signal the sleeping thread blocks on, posted by {@link #afterAppend()}; null for this
     *               object's own in-process semaphore (see {@link #await(long)}).
     */
    HandoffWakeup(final String name, final RingBuffer handoff, final NamedSignal target)
    {
        this.name = name;
        this.handoff = handoff;
        this.target = target;
    }

    /**
     * Producer side, after appending to the handoff: wake the writer if it may be blocked.
     */
    void afterAppend()
    {
        VarHandle.fullFence();
        if (sleeping)
        {
            if (target != null)
            {
                target.post();
            }
            else
            {
                permits.release();
            }
        }
    }

    public boolean prepareToSleep()
    {
        sleeping = true;
        if (handoff.size() > 0)
        {
            sleeping = false;
            return false;
        }
        return true;
    }

    public void awake()
    {
        sleeping = false;
    }

    /**
     * Wake the writer if it blocks on this object's own semaphore (no target was given), e.g. to stop it.
     */
    void post()
    {
        permits.release();
    }

    public boolean await(final long timeoutNanos)
    {
        try
        {
            return permits.tryAcquire(timeoutNanos, TimeUnit.NANOSECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    public int drain()
    {
        return permits.drainPermits();
    }

    public String toString()
    {
        return name;
    }
}
