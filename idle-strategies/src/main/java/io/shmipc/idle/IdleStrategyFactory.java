/*
 * shmipc: low-latency messaging between processes over shared memory.
 */
package io.shmipc.idle;

import org.agrona.concurrent.IdleStrategy;

/**
 * Makes the idle strategy of one thread of a channel. A parsed strategy string ({@link IdleSpec}) is one; an
 * application passes its own (a lambda) to give a channel any Agrona {@link IdleStrategy}, e.g.
 * {@code (signal, guard) -> new SleepingMillisIdleStrategy(1)}.
 */
@FunctionalInterface
public interface IdleStrategyFactory
{
    /**
     * Builds a new strategy; strategies keep per-thread state, so this is called once per idling thread.
     *
     * @param signal the signal the peer posts when it publishes (for strategies that block on it); may be
     *               null where a thread has none.
     * @param guard  the sleep handshake to run before blocking on {@code signal} (see {@link SleepGuard}).
     * @return the strategy.
     */
    IdleStrategy newStrategy(WakeSignal signal, SleepGuard guard);
}
