package io.shmipc.tools;

import io.shmipc.core.segment.QueueId;
import io.shmipc.core.segment.SegmentLayout;
import io.shmipc.core.ring.SimpleIpcDescriptor;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.ringbuffer.RecordDescriptor;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.util.ArrayList;
import java.util.List;

/**
 * The state of one queue read from its memory without writing to it: positions, fill, the pending blocks counted
 * by walking them from {@code readPos} to {@code writePos}, the block header at {@code readPos} and the extension
 * fields.
 * <p>
 * A live queue moves while it is read. {@link #take} reads {@code readPos}, then {@code writePos} (acquire), walks
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
 * @param corruption        why the walk stopped early, or null.
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
     * @param layout   the segment's layout.
     * @param queue    which queue.
     * @param buffer   the queue's memory as {@code SharedSegment.queueBuffer} returns it; only read.
     * @param capacity the segment's capacity.
     * @return the snapshot.
     */
    static QueueSnapshot take(final SegmentLayout layout, final QueueId queue, final AtomicBuffer buffer, final int capacity)
    {
        return take(layout, queue, buffer, capacity, 0);
    }

    /**
     * Snapshot one queue and copy the payloads of its first pending messages. The copies come from the same walk as
     * the counts; when the walk is not {@link #stable()} they may hold bytes the producer was overwriting.
     *
     * @param layout      the segment's layout.
     * @param queue       which queue.
     * @param buffer      the queue's memory as {@code SharedSegment.queueBuffer} returns it; only read.
     * @param capacity    the segment's capacity.
     * @param maxMessages how many pending payloads to copy, from readPos on; 0 for none.
     * @return the snapshot.
     */
    static QueueSnapshot take(
        final SegmentLayout layout, final QueueId queue, final AtomicBuffer buffer, final int capacity,
        final int maxMessages)
    {
        QueueSnapshot last = null;
        for (int i = 0; i < ATTEMPTS; i++)
        {
            last = layout == SegmentLayout.SIMPLE_IPC ?
                walkSimpleIpc(queue.label(), buffer, capacity, maxMessages) :
                walkAgrona(queue.label(), buffer, capacity, maxMessages);
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

    private static QueueSnapshot walkSimpleIpc(
        final String name, final AtomicBuffer buffer, final int capacity, final int maxMessages)
    {
        final int base = SimpleIpcDescriptor.HEADER_LENGTH;
        final long readPos = buffer.getLongVolatile(SimpleIpcDescriptor.READ_POS_OFFSET);
        final long writePos = buffer.getLongVolatile(SimpleIpcDescriptor.WRITE_POS_OFFSET);
        final int readerState = buffer.getIntVolatile(SimpleIpcDescriptor.READER_STATE_OFFSET);
        final long heartbeat = buffer.getLongVolatile(SimpleIpcDescriptor.CONSUMER_HEARTBEAT_OFFSET);

        long headerSize = -1;
        int headerMagic = 0;
        long messages = 0;
        long payload = 0;
        long padding = 0;
        String corruption = null;
        final List<PendingMessage> copies = new ArrayList<>(Math.min(maxMessages, 64));
        if (readPos < 0 || writePos < 0 || readPos > SimpleIpcDescriptor.MAX_POSITION ||
            writePos > SimpleIpcDescriptor.MAX_POSITION)
        {
            corruption = "position outside 0.." + SimpleIpcDescriptor.MAX_POSITION + ": readPos " + readPos +
                ", writePos " + writePos;
        }
        else if (readPos > writePos)
        {
            corruption = "readPos " + readPos + " is beyond writePos " + writePos;
        }
        else if (writePos - readPos > capacity)
        {
            corruption = "writePos " + writePos + " - readPos " + readPos + " = " + (writePos - readPos) +
                " exceeds the capacity " + capacity;
        }
        else
        {
            // Overflow-safe: the walk counts the bytes it has passed (walked, 0..used) and compares what remains
            // (used - walked) with each block, never pos + length with writePos, which wraps near 2^63.
            final long used = writePos - readPos;
            long walked = 0;
            while (walked < used)
            {
                final long pos = readPos + walked; // < writePos: cannot overflow
                final long remaining = used - walked;
                final int offset = (int)(pos % capacity);
                final int spaceToEnd = capacity - offset;
                if (spaceToEnd < SimpleIpcDescriptor.BLOCK_HEADER_LENGTH)
                {
                    if (spaceToEnd > remaining)
                    {
                        corruption = "skip of " + spaceToEnd + " bytes at the end of the data area at position " +
                            pos + " (data offset " + offset + ") runs past writePos " + writePos;
                        break;
                    }
                    padding++;
                    walked += spaceToEnd;
                    continue;
                }
                final long size = Integer.toUnsignedLong(buffer.getInt(base + offset));
                final int rawMagic = buffer.getInt(base + offset + SimpleIpcDescriptor.BLOCK_MAGIC_OFFSET);
                if (0 == walked)
                {
                    headerSize = size;
                    headerMagic = rawMagic;
                }
                // A shmipc consumer marks the blocks it consumed; below writePos a marked block is still pending
                // (its consumer died before storing readPos, or is storing it now) and is read again.
                final int magic = rawMagic & ~SimpleIpcDescriptor.MAGIC_CONSUMED_FLAG;
                if (SimpleIpcDescriptor.MAGIC_PADDING == magic)
                {
                    if (size + SimpleIpcDescriptor.BLOCK_HEADER_LENGTH != spaceToEnd)
                    {
                        corruption = blockError(pos, offset, size, rawMagic,
                            "padding block of size " + size + " does not end at the end of the data area");
                        break;
                    }
                    if (spaceToEnd > remaining)
                    {
                        corruption = blockError(pos, offset, size, rawMagic, "padding block runs past writePos " +
                            writePos);
                        break;
                    }
                    padding++;
                    walked += spaceToEnd;
                }
                else if (SimpleIpcDescriptor.MAGIC_DATA == magic)
                {
                    final long block = ((size + 7) & ~7L) + SimpleIpcDescriptor.BLOCK_HEADER_LENGTH;
                    if (block > spaceToEnd)
                    {
                        corruption = blockError(pos, offset, size, rawMagic, "block runs past the end of the data area");
                        break;
                    }
                    if (block > remaining)
                    {
                        corruption = blockError(pos, offset, size, rawMagic, "block runs past writePos " + writePos);
                        break;
                    }
                    if (copies.size() < maxMessages)
                    {
                        final byte[] bytes = new byte[(int)size];
                        buffer.getBytes(base + offset + SimpleIpcDescriptor.BLOCK_HEADER_LENGTH, bytes);
                        copies.add(new PendingMessage(pos, bytes));
                    }
                    messages++;
                    payload += size;
                    walked += block;
                }
                else
                {
                    corruption = blockError(pos, offset, size, rawMagic, "unknown magic");
                    break;
                }
            }
        }
        final boolean stable = readPos == buffer.getLongVolatile(SimpleIpcDescriptor.READ_POS_OFFSET);
        return new QueueSnapshot(name, capacity, writePos, readPos, messages, payload, padding, headerSize,
            headerMagic, readerState, heartbeat, corruption, stable, copies);
    }

    private static String blockError(final long pos, final int offset, final long size, final int magic, final String what)
    {
        return what + " at position " + pos + " (data offset " + offset + "): size=" + size +
            " magic=0x" + Integer.toHexString(magic);
    }

    /**
     * Agrona {@code OneToOneRingBuffer}: positions in the trailer, records of {@code length, typeId} headers with
     * padding type -1; a record whose length is not yet positive is a claim still being written.
     */
    private static QueueSnapshot walkAgrona(
        final String name, final AtomicBuffer buffer, final int capacity, final int maxMessages)
    {
        final long readPos = buffer.getLongVolatile(capacity + RingBufferDescriptor.HEAD_POSITION_OFFSET);
        final long writePos = buffer.getLongVolatile(capacity + RingBufferDescriptor.TAIL_POSITION_OFFSET);
        final long heartbeat = buffer.getLongVolatile(capacity + RingBufferDescriptor.CONSUMER_HEARTBEAT_OFFSET);
        final int mask = capacity - 1;
        long headerSize = -1;
        int headerMagic = 0;
        long messages = 0;
        long payload = 0;
        long padding = 0;
        String corruption = null;
        final List<PendingMessage> copies = new ArrayList<>(Math.min(maxMessages, 64));
        if (readPos < 0 || writePos < 0 || readPos > writePos || writePos - readPos > capacity)
        {
            corruption = "head " + readPos + " and tail " + writePos + " contradict each other (capacity " +
                capacity + ")";
        }
        else
        {
            // Overflow-safe, as in walkSimpleIpc: compare each record with the bytes that remain before the tail.
            final long used = writePos - readPos;
            long walked = 0;
            while (walked < used)
            {
                final long pos = readPos + walked;
                final long remaining = used - walked;
                final int index = (int)(pos & mask);
                final int length = buffer.getIntVolatile(RecordDescriptor.lengthOffset(index));
                final int type = buffer.getInt(RecordDescriptor.typeOffset(index));
                if (0 == walked)
                {
                    headerSize = length;
                    headerMagic = type;
                }
                if (length <= 0)
                {
                    break; // claimed, not yet committed
                }
                if (length < RecordDescriptor.HEADER_LENGTH)
                {
                    corruption = "record of length " + length + " at position " + pos + " is shorter than its " +
                        RecordDescriptor.HEADER_LENGTH + "-byte header";
                    break;
                }
                final long aligned = ((long)length + RecordDescriptor.ALIGNMENT - 1) & ~(RecordDescriptor.ALIGNMENT - 1L);
                if (aligned > capacity - index || aligned > remaining)
                {
                    corruption = "record of length " + length + " at position " + pos + " runs past " +
                        (aligned > capacity - index ? "the end of the ring" : "the tail " + writePos);
                    break;
                }
                if (RingBuffer.PADDING_MSG_TYPE_ID == type)
                {
                    padding++;
                }
                else
                {
                    if (copies.size() < maxMessages)
                    {
                        final byte[] bytes = new byte[length - RecordDescriptor.HEADER_LENGTH];
                        buffer.getBytes(RecordDescriptor.encodedMsgOffset(index), bytes);
                        copies.add(new PendingMessage(pos, bytes));
                    }
                    messages++;
                    payload += length - RecordDescriptor.HEADER_LENGTH;
                }
                walked += aligned;
            }
        }
        final boolean stable = readPos == buffer.getLongVolatile(capacity + RingBufferDescriptor.HEAD_POSITION_OFFSET);
        return new QueueSnapshot(name, capacity, writePos, readPos, messages, payload, padding, headerSize,
            headerMagic, 0, heartbeat, corruption, stable, copies);
    }
}
