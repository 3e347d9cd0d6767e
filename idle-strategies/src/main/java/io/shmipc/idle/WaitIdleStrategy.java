/*
 * shmipc: low-latency messaging between processes over shared memory.
 */
package io.shmipc.idle;

import org.agrona.concurrent.IdleStrategy;

import java.util.concurrent.locks.LockSupport;

abstract class WaitIdleStrategyPrePad
{
    long p01, p02, p03, p04, p05, p06, p07, p08;
}

abstract class WaitIdleStrategyData extends WaitIdleStrategyPrePad
{
    static final int NOT_IDLE = 0;
    static final int SPINNING = 1;
    static final int YIELDING = 2;
    static final int PARKING = 3;
    static final int BLOCKING = 4;

    final long maxSpins;
    final long maxYields;
    final long minParkPeriodNs;
    final long maxParkPeriodNs;
    final long timeoutNs;
    final long maxTimeoutNs;
    final WakeSignal signal;
    final SleepGuard guard;

    int state = NOT_IDLE;
    long spins;
    long yields;
    long parkPeriodNs;
    long blockTimeoutNs;

    WaitIdleStrategyData(
        final long maxSpins,
        final long maxYields,
        final long minParkPeriodNs,
        final long maxParkPeriodNs,
        final long timeoutNs,
        final long maxTimeoutNs,
        final WakeSignal signal,
        final SleepGuard guard)
    {
        this.maxSpins = maxSpins;
        this.maxYields = maxYields;
        this.minParkPeriodNs = minParkPeriodNs;
        this.maxParkPeriodNs = maxParkPeriodNs;
        this.timeoutNs = timeoutNs;
        this.maxTimeoutNs = Math.max(timeoutNs, maxTimeoutNs);
        this.signal = signal;
        this.guard = guard;
        this.parkPeriodNs = minParkPeriodNs;
        this.blockTimeoutNs = timeoutNs;
    }
}

/**
 * Spins, then yields, then parks with a doubling period, then blocks on a {@link WakeSignal} with a bounded
 * timeout until work arrives: near busy-spin latency right after a message, close to zero CPU when idle for long.
 * <p>
 * <b>One step per call.</b> Each {@link #idle()} does a single step (one spin hint, one yield, one park, or one
 * block) and returns, so the caller re-checks its ring between every step and between the phases. The phases:
 * <ol>
 *     <li>{@code maxSpins} calls of {@link Thread#onSpinWait()}: this phase burns 100% of a core while it lasts;</li>
 *     <li>{@code maxYields} calls of {@link Thread#yield()};</li>
 *     <li>parks of {@code minParkPeriodNs}, doubling up to {@code maxParkPeriodNs}, ending after the first park of
 *     {@code maxParkPeriodNs} ({@code maxParkPeriodNs == 0} skips this phase). Linux rounds a short park up to
 *     the thread's timer slack, 50 us by default (see {@code /proc/self/timerslack_ns}; lower it with
 *     {@code prctl(PR_SET_TIMERSLACK)}), so parks below that cost about the slack, not what was asked;</li>
 *     <li>blocking, repeated on every later call: if {@link SleepGuard#prepareToSleep()} allows it,
 *     {@link WakeSignal#await(long)} for at most {@code timeoutNs}, then {@link WakeSignal#drain()} of the stale
 *     posts that C++/Go writers leave behind (spec section 8), then {@link SleepGuard#awake()}. Draining is safe
 *     because the caller re-checks its ring right after {@code idle} returns. If the guard sees work, the call
 *     returns without blocking. With {@code maxTimeoutNs} above {@code timeoutNs}, each block that timed out
 *     doubles the next one's timeout, up to {@code maxTimeoutNs}: a thread that must also notice work no post
 *     announces (an Aeron bridge's datagrams) blocks briefly while messages flow and wakes rarely when idle for
 *     long. A post, or work, returns it to {@code timeoutNs}.</li>
 * </ol>
 * {@link #idle(int)} with a positive work count, or {@link #reset()}, goes back to the spin phase.
 * <p>
 * <b>Threads.</b> Not thread safe: one instance per idle thread. Steady-state calls do not allocate. Every step
 * either returns quickly or ends in a park or a native call, so the thread reaches a safepoint promptly.
 * <p>
 * <b>Interrupts.</b> Parks and blocks end early or do not start when the thread is interrupted (see
 * {@link WakeSignal#await(long)}); the interrupt flag is left set for the caller's loop to observe.
 */
public final class WaitIdleStrategy extends WaitIdleStrategyData implements IdleStrategy
{
    /** Name of this strategy in strategy strings, see {@link IdleStrategies}. */
    public static final String ALIAS = "wait";

    long p11, p12, p13, p14, p15, p16, p17, p18;

    /**
     * @param maxSpins        spin steps before yielding, {@code >= 0}.
     * @param maxYields       yield steps before parking, {@code >= 0}.
     * @param minParkPeriodNs first park period, {@code >= 1} unless {@code maxParkPeriodNs} is 0.
     * @param maxParkPeriodNs last park period, {@code >= minParkPeriodNs}; 0 means no park phase.
     * @param timeoutNs       longest single block on the signal, {@code > 0}; bounds the delay when a post is
     *                        missed (the C++/Go peers use 100 ms).
     * @param signal          the signal the writer of this thread's ring posts; not null.
     * @param guard           the ring's sleep handshake, or {@code null}/{@link SleepGuard#NONE} when the writer
     *                        posts on every publish.
     * @throws IllegalArgumentException naming the parameter and value if one is out of range.
     */
    public WaitIdleStrategy(
        final long maxSpins,
        final long maxYields,
        final long minParkPeriodNs,
        final long maxParkPeriodNs,
        final long timeoutNs,
        final WakeSignal signal,
        final SleepGuard guard)
    {
        this(maxSpins, maxYields, minParkPeriodNs, maxParkPeriodNs, timeoutNs, 0, signal, guard);
    }

    /**
     * As {@link #WaitIdleStrategy(long, long, long, long, long, WakeSignal, SleepGuard)}, with blocks whose timeout
     * grows while idle.
     *
     * @param maxTimeoutNs longest block once idle for long, {@code >= timeoutNs}; 0 keeps every block at
     *                     {@code timeoutNs}.
     * @throws IllegalArgumentException naming the parameter and value if one is out of range.
     */
    public WaitIdleStrategy(
        final long maxSpins,
        final long maxYields,
        final long minParkPeriodNs,
        final long maxParkPeriodNs,
        final long timeoutNs,
        final long maxTimeoutNs,
        final WakeSignal signal,
        final SleepGuard guard)
    {
        super(
            requireAtLeast("maxSpins", maxSpins, 0),
            requireAtLeast("maxYields", maxYields, 0),
            checkMinPark(minParkPeriodNs, maxParkPeriodNs),
            maxParkPeriodNs,
            requireAtLeast("timeoutNs", timeoutNs, 1),
            checkMaxTimeout(maxTimeoutNs, timeoutNs),
            requireSignal(signal),
            null == guard ? SleepGuard.NONE : guard);
    }

    /**
     * {@inheritDoc}
     */
    public void idle(final int workCount)
    {
        if (workCount > 0)
        {
            reset();
        }
        else
        {
            idle();
        }
    }

    /**
     * Performs the next step of the current phase, moving to the next phase when this one is exhausted.
     */
    public void idle()
    {
        switch (state)
        {
            case NOT_IDLE:
                state = SPINNING;
                spins = 0;
                // fall through
            case SPINNING:
                if (spins < maxSpins)
                {
                    spins++;
                    Thread.onSpinWait();
                    return;
                }
                state = YIELDING;
                yields = 0;
                // fall through
            case YIELDING:
                if (yields < maxYields)
                {
                    yields++;
                    Thread.yield();
                    return;
                }
                state = PARKING;
                parkPeriodNs = minParkPeriodNs;
                // fall through
            case PARKING:
                if (maxParkPeriodNs > 0)
                {
                    final long period = parkPeriodNs;
                    if (period >= maxParkPeriodNs)
                    {
                        state = BLOCKING;
                    }
                    else
                    {
                        parkPeriodNs = Math.min(period << 1, maxParkPeriodNs);
                    }
                    LockSupport.parkNanos(period);
                    return;
                }
                state = BLOCKING;
                // fall through
            default:
                block();
        }
    }

    /**
     * Returns to the spin phase.
     */
    public void reset()
    {
        state = NOT_IDLE;
        spins = 0;
        yields = 0;
        parkPeriodNs = minParkPeriodNs;
        blockTimeoutNs = timeoutNs;
    }

    /**
     * @return {@value #ALIAS}.
     */
    public String alias()
    {
        return ALIAS;
    }

    /**
     * @return the configuration and the signal, e.g. for logs.
     */
    public String toString()
    {
        return "WaitIdleStrategy{alias=" + ALIAS +
            ", maxSpins=" + maxSpins +
            ", maxYields=" + maxYields +
            ", minParkPeriodNs=" + minParkPeriodNs +
            ", maxParkPeriodNs=" + maxParkPeriodNs +
            ", timeoutNs=" + timeoutNs +
            ", maxTimeoutNs=" + maxTimeoutNs +
            ", signal=" + signal +
            ", guard=" + guard +
            '}';
    }

    private void block()
    {
        if (guard.prepareToSleep())
        {
            try
            {
                final long timeout = blockTimeoutNs;
                if (signal.await(timeout))
                {
                    blockTimeoutNs = timeoutNs;
                }
                else if (timeout < maxTimeoutNs)
                {
                    blockTimeoutNs = Math.min(timeout << 1, maxTimeoutNs);
                }
                signal.drain();
            }
            finally
            {
                guard.awake();
            }
        }
    }

    private static long requireAtLeast(final String name, final long value, final long min)
    {
        if (value < min)
        {
            throw new IllegalArgumentException(name + " must be >= " + min + ", got " + value);
        }
        return value;
    }

    private static long checkMinPark(final long minParkPeriodNs, final long maxParkPeriodNs)
    {
        requireAtLeast("maxParkPeriodNs", maxParkPeriodNs, 0);
        if (0 == maxParkPeriodNs)
        {
            return requireAtLeast("minParkPeriodNs", minParkPeriodNs, 0);
        }
        if (minParkPeriodNs < 1 || minParkPeriodNs > maxParkPeriodNs)
        {
            throw new IllegalArgumentException(
                "minParkPeriodNs must be within 1.." + maxParkPeriodNs + " (maxParkPeriodNs), got " + minParkPeriodNs);
        }
        return minParkPeriodNs;
    }

    private static long checkMaxTimeout(final long maxTimeoutNs, final long timeoutNs)
    {
        if (0 != maxTimeoutNs && maxTimeoutNs < timeoutNs)
        {
            throw new IllegalArgumentException(
                "maxTimeoutNs must be 0 or >= " + timeoutNs + " (timeoutNs), got " + maxTimeoutNs);
        }
        return maxTimeoutNs;
    }

    private static WakeSignal requireSignal(final WakeSignal signal)
    {
        if (null == signal)
        {
            throw new IllegalArgumentException(
                "the wait idle strategy needs the signal of the ring it waits on, got null");
        }
        return signal;
    }
}
