package io.shmipc.core.channel;

/**
 * Which thread reads a host's incoming queue.
 */
public enum ReadMode
{
    /** A dedicated reader thread reads responses and completes the pending calls. */
    READER_THREAD,

    /**
     * No reader thread: callers read the responses themselves while they wait in {@link IpcHost#call} (or
     * {@link IpcHost#poll()}), idling with the reader's idle strategy. Any number of threads may call: one at a time
     * leads, reading for all and completing (and unparking) the others' calls, and when its own call is done it
     * hands the lead to a waiting follower (leader/follower). With one thread and {@link WriteMode#CALLER} too, a
     * call is a write and a poll on one thread with no hand-off at all: the lowest latency, and on a 2-core machine
     * the way a busy-spinning host and guest fit, one spinning thread each. Futures of {@link IpcHost#callAsync}
     * complete only while some thread calls or polls. Guests always have a reader.
     */
    CALLER
}
