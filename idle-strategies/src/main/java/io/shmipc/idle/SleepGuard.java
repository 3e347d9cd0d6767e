/*
 * shmipc: low-latency messaging between processes over shared memory.
 */
package io.shmipc.idle;

/**
 * The handshake between an idle thread that is about to block on a {@link WakeSignal} and the writer that
 * decides whether to post it. The reader's ring implements it: {@link #prepareToSleep()} publishes a "sleeping"
 * mark and then re-checks the ring, so that a writer which publishes after the mark sees it and posts, and a
 * writer which published before it is seen by the re-check. Either way no message waits for a timeout.
 * <p>
 * Both methods are called only by the idle thread, always as a pair when {@link #prepareToSleep()} returns
 * {@code true}: {@link #awake()} is then called exactly once after the block ends, even if the wait throws.
 * <p>
 * {@link #NONE} is for peers that post on every publish (the C++/Go writers): it always allows the block.
 */
public interface SleepGuard
{
    /**
     * Always allows blocking and does nothing on wake-up; the waiter relies on the writer posting on every
     * publish and on the bounded timeout.
     */
    SleepGuard NONE = new SleepGuard()
    {
        public boolean prepareToSleep()
        {
            return true;
        }

        public void awake()
        {
        }

        public String toString()
        {
            return "SleepGuard.NONE";
        }
    };

    /**
     * Announces that the idle thread is about to block, then re-checks for work.
     *
     * @return {@code true} if no work is pending and the caller may block; {@code false} if work arrived, in
     * which case the announcement has already been withdrawn and {@link #awake()} must not be called.
     */
    boolean prepareToSleep();

    /**
     * Withdraws the announcement after the block ends (woken or timed out).
     */
    void awake();
}
