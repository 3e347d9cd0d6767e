package io.shmipc.core.ring;

import io.shmipc.core.segment.QueueWalker;

/**
 * A queue's header or a block does not follow its layout's rules (SimpleIPC v1, or Agrona's records): an unknown
 * magic, a block that runs past the data area or past {@code writePos}, {@code readPos > writePos}, or more than
 * {@code capacity} bytes pending. Raised by {@link SimpleIpcRingBuffer} and {@link QueueWalker}, which apply the same
 * rules. The queue is left as it was found; nothing after the bad position is read.
 */
public final class CorruptQueueException extends IllegalStateException
{
    private static final long serialVersionUID = 1L;

    private final String queue;
    private final long position;
    private final String reason;

    /**
     * @param queue    name of the queue, with its segment.
     * @param position the position (absolute byte count) where the problem was found.
     * @param message  what is wrong, with the values and bytes found.
     */
    public CorruptQueueException(final String queue, final long position, final String message)
    {
        super("corrupt queue " + queue + " at position " + position + ": " + message);
        this.queue = queue;
        this.position = position;
        this.reason = message;
    }

    /**
     * @return name of the queue, with its segment.
     */
    public String queue()
    {
        return queue;
    }

    /**
     * @return position where the problem was found.
     */
    public long position()
    {
        return position;
    }

    /**
     * @return what is wrong, with the values and bytes found: the message without the queue and the position.
     */
    public String reason()
    {
        return reason;
    }
}
