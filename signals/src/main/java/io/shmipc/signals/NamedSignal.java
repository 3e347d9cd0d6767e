/*
 * shmipc: low-latency messaging between processes over shared memory.
 */
package io.shmipc.signals;

import io.shmipc.idle.WakeSignal;

/**
 * A named, counted wake-up signal shared between processes: a POSIX named semaphore on Linux
 * ({@link LinuxNamedSemaphore}) or an auto-reset named event on Windows ({@link WindowsNamedEvent}).
 * <p>
 * A writer calls {@link #post()} after it has published data; the reader of that data blocks in
 * {@link #await(long)} when it has nothing to do (the {@code wait} idle strategy does, through {@link WakeSignal}).
 * The signal carries no data: a consumed post only means "look again", so a reader must always re-check its queue
 * after {@link #await(long)} and {@link #drain()} return, whatever they returned.
 * <p>
 * <b>Threads.</b> {@link #post()} and {@link #value()} may be called from any thread. {@link #await(long)} and
 * {@link #drain()} must be called by one waiting thread at a time. {@link #close()} must not run concurrently
 * with any other method; after it every method except {@link #name()} and {@link #close()} throws
 * {@link IllegalStateException}.
 * <p>
 * Instances are obtained from {@link NamedSignals}.
 */
public interface NamedSignal extends WakeSignal, AutoCloseable
{
    /**
     * The channel-level name this signal was opened with, e.g. {@code "SimpleIPC_REQ"}: without the
     * {@code '/'} of the Linux object name or the {@code Local\} prefix of the Windows one.
     *
     * @return the name given to {@link NamedSignals#create(String, int)} or {@link NamedSignals#open(String)}.
     */
    String name();

    /**
     * Adds one to the count (Linux) or sets the event (Windows), waking one blocked waiter if there is one.
     * <p>
     * Call it after the data it announces has been published with release semantics: the post itself is a
     * full barrier in both operating systems, so a waiter that consumes it and then reads the queue sees the data.
     * Does not block and does not allocate.
     *
     * @throws NamedSignalException if the OS call fails, e.g. {@code EOVERFLOW} when a Linux count is already
     *                              at {@code SEM_VALUE_MAX} because nobody drains it.
     */
    void post();

    /**
     * Blocks until a post can be consumed or the timeout ends, whichever is first.
     * <p>
     * The wait is bounded by {@code timeoutNanos} on the monotonic clock where the OS allows it (see
     * {@link LinuxNamedSemaphore} for the glibc fallback). A timeout of zero or less polls without blocking.
     * <p>
     * <b>Interrupts.</b> The native wait cannot be cut short by {@link Thread#interrupt()}; it always ends by a
     * post or by its timeout. If the calling thread's interrupt flag is already set on entry the method returns
     * {@code false} at once without consuming a post and leaves the flag set, like
     * {@link java.util.concurrent.locks.LockSupport#parkNanos(long)}.
     *
     * @param timeoutNanos the longest time to block, in nanoseconds.
     * @return {@code true} if a post was consumed, {@code false} on timeout (or when interrupted on entry).
     * @throws NamedSignalException if the OS call fails for any reason other than a timeout or a signal
     *                              handler (which is retried with the remaining time).
     */
    boolean await(long timeoutNanos);

    /**
     * Consumes every pending post without blocking.
     * <p>
     * C++/Go writers post on every publish whether or not anyone sleeps, so a Linux count can hold many
     * thousands of stale posts; draining them after a wake-up stops them from turning later waits into a
     * busy loop. Draining is safe when the caller re-checks its queue after this returns: every post that
     * was drained was made after the data it announces had been published.
     *
     * @return how many posts were consumed (capped at {@link Integer#MAX_VALUE}); 0 or 1 for a Windows event.
     * @throws NamedSignalException if the OS call fails.
     */
    int drain();

    /**
     * The current count, for diagnostics and tests.
     * <p>
     * The value may be stale as soon as it is returned. This call may allocate; it is not meant for hot paths.
     *
     * @return the count from {@code sem_getvalue} on Linux; -1 where the OS has no count (Windows events).
     * @throws NamedSignalException if the OS call fails.
     */
    int value();

    /**
     * Closes this process's handle. It never removes the OS object: see {@link NamedSignals#unlink(String)}.
     * Closing twice is harmless.
     */
    void close();
}
