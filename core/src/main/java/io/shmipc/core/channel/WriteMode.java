package io.shmipc.core.channel;

/**
 * How a channel side puts messages into its outgoing queue.
 */
public enum WriteMode
{
    /**
     * Any number of application threads hand messages to a dedicated writer thread through an in-process MPSC
     * queue (Agrona's {@code ManyToOneRingBuffer}); the writer appends everything waiting and publishes it with one
     * store of {@code writePos} and at most one signal per batch.
     */
    WRITER_THREAD,

    /**
     * The calling thread writes straight into the shared queue: no thread hop. Any number of threads may send; under
     * contention their writes are combined (flat combining): the thread holding the write lock writes every message
     * that waits for it and publishes them with one store of {@code writePos} and at most one signal. A reader
     * thread's handler that answers (an {@link IpcGuest}'s) has its answers of one batch read published together
     * when the batch ends (at most 16 held back).
     */
    CALLER
}
