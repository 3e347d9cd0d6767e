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
     * The calling thread writes straight into the shared queue: no thread hop. Any number of threads may send; they
     * take turns under a lock, each write published (and signalled when the reader may sleep) on its own.
     */
    CALLER
}
