package io.shmipc.tools;

import io.shmipc.core.ring.CorruptQueueException;
import io.shmipc.core.segment.QueueId;
import io.shmipc.core.segment.QueueWalker;
import io.shmipc.core.segment.SegmentLayout;
import io.shmipc.core.ring.SimpleIpcDescriptor;

import java.util.ArrayList;
import java.util.List;

/**
 * The state of one queue read from its memory without writing to it: positions, fill, the pending blocks counted
 * by walking them from {@code readPos} to {@code writePos} with core's {@link QueueWalker} (so by the consumer's
 * rules), the block header at {@code readPos} and the extension fields.
 * <p>
 * A live queue moves while it is read. {@link #take} reads {@code readPos}, then {@code writePos}, walks
 * the blocks, and reads {@code readPos} again; if the consumer moved, the producer may have reused the bytes just
 * walked, so it retries, up to {@value #ATTEMPTS} times, and reports {@link #stable()} false if it never got a
 * quiet moment. Corruption found during an unstable walk is not reported, since it may be a reused block.
 *
 * @param name              {@code toGuest} or {@code fromGuest}.
 * @param capacity          data area bytes.
 * @param writePos          producer position.
 * @param readPos           consumer position.
 * @param pendingMessages   data blocks between the positions (up to the first corrupt block).
 * @param pendingPayload    payload bytes of those blocks.
 * @param paddingBlocks     padding blocks and skips between the positions.
 * @param headerSize        {@code size} field of the block at readPos, or -1 if the queue is empty or a skip.
 * @param headerMagic       {@code magic} field of the block at readPos (0 when headerSize is -1).
 * @param readerState       extension field at SimpleIpcDescriptor.READER_STATE_OFFSET (SimpleIPC v1), 0 otherwise.
 * @param consumerHeartbeat extension field at offset 88 (SimpleIPC v1) or Agrona's heartbeat.
 * @param corruption        why the walk stopped early ({@code at position P: } and the reason the consumer would
 *                          give), or null.
 * @param stable            whether the positions held still during the walk.
 * @param messages          copies of the first pending data blocks' payloads (as many as asked for), in order.
 */
record QueueSnapshot(
    String name,
    long capacity,
    long writePos,
    long readPos,
    long pendingMessages,
    long pendingPayload,
    long paddingBlocks,
    long headerSize,
    int headerMagic,
    int readerState,
    long consumerHeartbeat,
    String corruption,
    boolean stable,
    List<PendingMessage> messages)
{
    /**
     * A copy of one pending message, taken during the walk.
     *
     * @param position the block's position (its header); the payload follows the header.
     * @param payload  the payload bytes.
     */
    record PendingMessage(long position, byte[] payload)
    {
    }

    static final int ATTEMPTS = 20;

    /** Bytes between the positions, as the header says (may be negative or above capacity when corrupt). */
    long usedBytes()
    {
        return writePos - readPos;
    }

    double percentFull()
    {
        return capacity <= 0 ? 0.0 : 100.0 * usedBytes() / capacity;
    }

    static String readerStateName(final int state)
    {
        switch (state)
        {
            case SimpleIpcDescriptor.READER_STATE_UNKNOWN: return "unknown (C++/Go reader, or none)";
            case SimpleIpcDescriptor.READER_STATE_AWAKE: return "awake";
            case SimpleIpcDescriptor.READER_STATE_SLEEPING: return "sleeping";
            default: return "invalid";
        }
    }

    static String magicName(final int magic)
    {
        final String consumed = 0 != (magic & SimpleIpcDescriptor.MAGIC_CONSUMED_FLAG) ? ", consumed" : "";
        switch (magic & ~SimpleIpcDescriptor.MAGIC_CONSUMED_FLAG)
        {
            case SimpleIpcDescriptor.MAGIC_DATA: return "data" + consumed;
            case SimpleIpcDescriptor.MAGIC_PADDING: return "padding" + consumed;
            default: return "UNKNOWN";
        }
    }

    /**
     * Snapshot one queue.
     *
     * @param queue  which queue.
     * @param walker a walker over it ({@code SharedSegment.queueWalker}); only reads.
     * @return the snapshot.
     */
    static QueueSnapshot take(final QueueId queue, final QueueWalker walker)
    {
        return take(queue, walker, 0);
    }

    /**
     * Snapshot one queue and copy the payloads of its first pending messages. The copies come from the same walk as
     * the counts; when the walk is not {@link #stable()} they may hold bytes the producer was overwriting.
     *
     * @param queue       which queue.
     * @param walker      a walker over it ({@code SharedSegment.queueWalker}); only reads.
     * @param maxMessages how many pending payloads to copy, from readPos on; 0 for none.
     * @return the snapshot.
     */
    static QueueSnapshot take(final QueueId queue, final QueueWalker walker, final int maxMessages)
    {
        QueueSnapshot last = null;
        for (int i = 0; i < ATTEMPTS; i++)
        {
            last = walk(queue.label(), walker, maxMessages);
            if (last.stable)
            {
                return last;
            }
            Thread.onSpinWait();
        }
        return null == last.corruption ? last : new QueueSnapshot(last.name, last.capacity, last.writePos,
            last.readPos, last.pendingMessages, last.pendingPayload, last.paddingBlocks, last.headerSize,
            last.headerMagic, last.readerState, last.consumerHeartbeat, null, false, last.messages);
    }

    private static QueueSnapshot walk(final String name, final QueueWalker walker, final int maxMessages)
    {
        final long readPos = walker.readPos();
        final long writePos = walker.writePos();
        final Tally tally = new Tally(walker, maxMessages);
        String corruption = null;
        try
        {
            walker.walk(readPos, writePos, tally);
        }
        catch (final CorruptQueueException ex)
        {
            corruption = "at position " + ex.position() + ": " + ex.reason();
        }
        long headerSize = -1;
        int headerMagic = 0;
        if (readPos >= 0 && readPos < writePos && QueueWalker.BlockKind.SKIP != tally.firstKind)
        {
            final long header = walker.headerAt(readPos);
            headerSize = SegmentLayout.SIMPLE_IPC == walker.layout() ? header & 0xFFFF_FFFFL : (int)header;
            headerMagic = (int)(header >>> 32);
        }
        final boolean stable = readPos == walker.readPos();
        return new QueueSnapshot(name, walker.capacity(), writePos, readPos, tally.messages, tally.payload,
            tally.padding, headerSize, headerMagic, walker.readerState(), walker.consumerHeartbeat(), corruption,
            stable, tally.copies);
    }

    /**
     * Counts the blocks of one walk and copies the first payloads.
     */
    private static final class Tally implements QueueWalker.BlockHandler
    {
        private final QueueWalker walker;
        private final int maxMessages;
        private final List<PendingMessage> copies;
        private QueueWalker.BlockKind firstKind;
        private long messages;
        private long payload;
        private long padding;

        Tally(final QueueWalker walker, final int maxMessages)
        {
            this.walker = walker;
            this.maxMessages = maxMessages;
            this.copies = new ArrayList<>(Math.min(maxMessages, 64));
        }

        public boolean onBlock(
            final QueueWalker.BlockKind kind, final long position, final int type, final boolean consumed,
            final int index, final int length)
        {
            if (null == firstKind)
            {
                firstKind = kind;
            }
            if (QueueWalker.BlockKind.DATA != kind)
            {
                padding++;
                return true;
            }
            if (copies.size() < maxMessages)
            {
                final byte[] bytes = new byte[length];
                walker.buffer().getBytes(index, bytes);
                copies.add(new PendingMessage(position, bytes));
            }
            messages++;
            payload += length;
            return true;
        }
    }
}
