/*
 * shmipc: low-latency messaging between processes over shared memory.
 */
package io.shmipc.idle;

/**
 * What the {@code wait} idle strategy blocks on: a counted wake-up that the writer of the idle thread's ring posts
 * after it publishes. The named semaphores and events that wake a peer process ({@code io.shmipc.signals}) are one
 * form; an in-process one lets a thread of the same process sleep the same way. The signal carries no data: a
 * consumed post only means "look again", so the idle thread re-checks its ring after every call.
 * <p>
 * Both methods are called by one waiting thread at a time.
 */
public interface WakeSignal
{
    /**
     * Blocks until a post can be consumed or the timeout ends, whichever is first. If the calling thread's interrupt
     * flag is set on entry, returns {@code false} at once without consuming a post and leaves the flag set.
     *
     * @param timeoutNanos the longest time to block, in nanoseconds; zero or less polls without blocking.
     * @return {@code true} if a post was consumed, {@code false} on timeout (or when interrupted on entry).
     */
    boolean await(long timeoutNanos);

    /**
     * Consumes every pending post without blocking: a writer that posts on every publish leaves many behind.
     *
     * @return how many posts were consumed (capped at {@link Integer#MAX_VALUE}).
     */
    int drain();
}
