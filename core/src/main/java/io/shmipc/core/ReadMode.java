package io.shmipc.core;

/**
 * Which thread reads a host's incoming queue.
 */
public enum ReadMode
{
    /** A dedicated reader thread reads responses and completes the pending calls. */
    READER_THREAD,

    /**
     * No reader thread: the one thread that calls {@link IpcHost#call} (or {@link IpcHost#poll()}) reads the
     * responses itself while it waits, idling with the reader's idle strategy. With {@link WriteMode#CALLER} too, a
     * call is a write and a poll on one thread with no hand-off at all: the lowest latency, and on a 2-core machine
     * the only way a busy-spinning host and guest fit, one spinning thread each. Futures of {@link IpcHost#callAsync}
     * complete only while that thread calls or polls. Guests always have a reader thread.
     */
    CALLER
}
