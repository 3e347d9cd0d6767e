package io.shmipc.core.segment;

import io.shmipc.core.ring.CorruptQueueException;
import io.shmipc.core.ring.SimpleIpcDescriptor;
import io.shmipc.core.ring.SimpleIpcRingBuffer;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.ringbuffer.RecordDescriptor;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import static io.shmipc.core.ring.SimpleIpcDescriptor.BLOCK_HEADER_LENGTH;
import static io.shmipc.core.ring.SimpleIpcDescriptor.HEADER_LENGTH;
import static io.shmipc.core.ring.SimpleIpcDescriptor.MAGIC_CONSUMED_FLAG;

/**
 * Reads one queue of a segment without consuming it and without ever writing to it, for tools that look at a live
 * channel (the way Aeron's {@code AeronStat} reads counters through {@code CountersReader}). It applies the rules the
 * consumer applies ({@link SimpleIpcRingBuffer} for SimpleIPC v1, through the same methods of
 * {@link SimpleIpcDescriptor}; Agrona's record format for {@link SegmentLayout#AGRONA}), so a block it accepts is
 * one the consumer would deliver and a block it rejects fails with the same {@link CorruptQueueException}.
 * <p>
 * A walk reads the positions it is given and the blocks between them; on a live queue the producer may reuse bytes
 * behind a consumer that moves meanwhile, so a caller that wants a settled picture compares {@link #readPos()}
 * before and after the walk. Not thread safe; cheap to create.
 * <p>
 * One implementation per layout, made by {@link SegmentLayout} ({@link #of}), so a new layout brings its walk with
 * it and no caller branches on the layout.
 */
public abstract class QueueWalker
{
    /** What a block is. */
    public enum BlockKind
    {
        /** A message: the payload is delivered by the consumer. */
        DATA,
        /** A padding block that fills the data area to its end. */
        PADDING,
        /** SimpleIPC v1 only: fewer than 8 bytes before the end of the data area, no header, skipped. */
        SKIP
    }

    /**
     * Receives the blocks of a walk, in position order.
     */
    @FunctionalInterface
    public interface BlockHandler
    {
        /**
         * One block that follows the layout's rules.
         *
         * @param kind     data, padding or skip.
         * @param position position (absolute byte count) of the block's header.
         * @param type     SimpleIPC v1: the magic as stored (with {@link SimpleIpcDescriptor#MAGIC_CONSUMED_FLAG}
         *                 when consumed); Agrona: the record's msgTypeId; 0 for a skip.
         * @param consumed SimpleIPC v1: a shmipc consumer marked the block consumed but has not yet stored a readPos
         *                 past it, so the block is still pending; always false for Agrona.
         * @param index    index in {@link #buffer()} of the payload (data), of the bytes after the header (padding) or
         *                 of the skipped bytes.
         * @param length   payload length (data), bytes after the header (padding), bytes skipped (skip).
         * @return true to go on, false to stop the walk after this block.
         */
        boolean onBlock(BlockKind kind, long position, int type, boolean consumed, int index, int length);
    }

    final AtomicBuffer buffer;
    final String name;
    final int capacity;
    private final SegmentLayout layout;
    private final int readPosOffset;
    private final int writePosOffset;

    /**
     * A walker over one queue's memory, as {@link SharedSegment#queueBuffer(QueueId)} returns it (a read-only
     * mapping will do), following the layout's rules.
     *
     * @param layout      the segment's layout.
     * @param queueBuffer SimpleIPC v1: the 128-byte queue header and the data area; Agrona: the ring and its trailer.
     * @param name        used in error messages, e.g. {@code "/dev/shm/SimpleIPC toGuest"}.
     * @return the walker.
     * @throws IllegalArgumentException if the buffer's length leaves a data area the layout does not accept (too
     *                                  short, or for Agrona not a power of two).
     */
    public static QueueWalker of(final SegmentLayout layout, final AtomicBuffer queueBuffer, final String name)
    {
        return layout.newWalker(queueBuffer, name);
    }

    private QueueWalker(
        final SegmentLayout layout,
        final AtomicBuffer queueBuffer,
        final String name,
        final int capacity,
        final int readPosOffset,
        final int writePosOffset)
    {
        this.layout = layout;
        this.buffer = queueBuffer;
        this.name = name;
        this.capacity = capacity;
        this.readPosOffset = readPosOffset;
        this.writePosOffset = writePosOffset;
    }

    /**
     * @return the layout given at construction.
     */
    public SegmentLayout layout()
    {
        return layout;
    }

    /**
     * @return the name given at construction.
     */
    public String name()
    {
        return name;
    }

    /**
     * @return bytes in the data area.
     */
    public int capacity()
    {
        return capacity;
    }

    /**
     * @return the queue's memory, which the indexes given to a {@link BlockHandler} point into; only to be read.
     */
    public DirectBuffer buffer()
    {
        return buffer;
    }

    /**
     * @return the consumer's position (readPos, or Agrona's head), read with volatile semantics.
     */
    public long readPos()
    {
        return buffer.getLongVolatile(readPosOffset);
    }

    /**
     * @return the producer's published position (writePos, or Agrona's tail), read with volatile semantics: every
     * block below it is complete.
     */
    public long writePos()
    {
        return buffer.getLongVolatile(writePosOffset);
    }

    /**
     * @return the SimpleIPC v1 reader-state extension ({@link SimpleIpcDescriptor#READER_STATE_OFFSET}); 0 for Agrona.
     */
    public abstract int readerState();

    /**
     * @return the consumer heartbeat time, the value {@link RingBuffer#consumerHeartbeatTime()} returns.
     */
    public abstract long consumerHeartbeat();

    /**
     * The 8 header bytes at a position's header slot as stored, whatever they hold: for a report of the block at
     * readPos even when it is corrupt. SimpleIPC v1: size in the low half, magic in the high half; Agrona: length in
     * the low half, msgTypeId in the high half.
     *
     * @param position any non-negative position.
     * @return the 8 bytes, or 0 at a SimpleIPC v1 position fewer than 8 bytes before the end (a skip has no header).
     */
    public abstract long headerAt(long position);

    /**
     * Walk the blocks from {@code readPos} up to {@code writePos}, checking the positions and each block as the
     * consumer does, and hand each to the handler until it returns false. Reads only. The positions are normally
     * {@link #readPos()} then {@link #writePos()}, read in that order so that every block between them was complete
     * when writePos was read. A SimpleIPC v1 readPos ahead of writePos within an interrupted publish's pendingLimit
     * (section 7b of {@code docs/layout.md}) is accepted, with nothing to walk; an Agrona record not yet committed
     * (length 0 or negative) ends the walk.
     *
     * @param readPos  where to start.
     * @param writePos where to stop.
     * @param handler  receives each valid block.
     * @return the position after the last block handed out (readPos if none).
     * @throws CorruptQueueException at the first position or block that breaks the rules; the blocks before it were
     *                               handed out.
     */
    public abstract long walk(long readPos, long writePos, BlockHandler handler);

    /** SimpleIPC v1: the consumer's rules of {@link SimpleIpcDescriptor}, the ring's own. */
    static final class SimpleIpc extends QueueWalker
    {
        SimpleIpc(final AtomicBuffer queueBuffer, final String name)
        {
            super(SegmentLayout.SIMPLE_IPC, queueBuffer, name,
                SimpleIpcDescriptor.checkCapacity((long)queueBuffer.capacity() - HEADER_LENGTH),
                SimpleIpcDescriptor.READ_POS_OFFSET, SimpleIpcDescriptor.WRITE_POS_OFFSET);
        }

        public int readerState()
        {
            return buffer.getIntVolatile(SimpleIpcDescriptor.READER_STATE_OFFSET);
        }

        public long consumerHeartbeat()
        {
            return buffer.getLongVolatile(SimpleIpcDescriptor.CONSUMER_HEARTBEAT_OFFSET);
        }

        public long headerAt(final long position)
        {
            final int offset = (int)(position % capacity);
            return capacity - offset < BLOCK_HEADER_LENGTH ? 0 : buffer.getLongVolatile(HEADER_LENGTH + offset);
        }

        public long walk(final long readPos, final long writePos, final BlockHandler handler)
        {
            SimpleIpcDescriptor.checkPositions(buffer, name, capacity, readPos, writePos);
            long position = readPos;
            boolean more = true;
            while (more && position < writePos)
            {
                final int offset = (int)(position % capacity);
                final int spaceToEnd = capacity - offset;
                if (spaceToEnd < BLOCK_HEADER_LENGTH)
                {
                    SimpleIpcDescriptor.checkSkip(name, position, offset, spaceToEnd, writePos);
                    more = handler.onBlock(BlockKind.SKIP, position, 0, false, HEADER_LENGTH + offset, spaceToEnd);
                    position += spaceToEnd;
                    continue;
                }
                final long header = buffer.getLongVolatile(HEADER_LENGTH + offset);
                final int size =
                    SimpleIpcDescriptor.checkBlock(buffer, name, header, position, offset, spaceToEnd, writePos);
                final int magic = (int)(header >>> 32);
                final boolean consumed = 0 != (magic & MAGIC_CONSUMED_FLAG);
                final int index = HEADER_LENGTH + offset + BLOCK_HEADER_LENGTH;
                if (size < 0)
                {
                    more = handler.onBlock(BlockKind.PADDING, position, magic, consumed, index,
                        spaceToEnd - BLOCK_HEADER_LENGTH);
                    position += spaceToEnd;
                }
                else
                {
                    more = handler.onBlock(BlockKind.DATA, position, magic, consumed, index, size);
                    position += SimpleIpcDescriptor.blockLength(size);
                }
            }
            return position;
        }
    }

    /**
     * Agrona's {@code OneToOneRingBuffer}: records of {@code length, msgTypeId} headers, padding type
     * {@link RingBuffer#PADDING_MSG_TYPE_ID}, a record whose length is not yet positive is a claim still being written.
     * Overflow-safe: each record is compared with the bytes left before the tail, never position + length with it.
     */
    static final class Agrona extends QueueWalker
    {
        Agrona(final AtomicBuffer queueBuffer, final String name)
        {
            this(queueBuffer, name, AgronaSegmentDescriptor.checkCapacity(
                (long)queueBuffer.capacity() - RingBufferDescriptor.TRAILER_LENGTH));
        }

        private Agrona(final AtomicBuffer queueBuffer, final String name, final int capacity)
        {
            super(SegmentLayout.AGRONA, queueBuffer, name, capacity,
                capacity + RingBufferDescriptor.HEAD_POSITION_OFFSET,
                capacity + RingBufferDescriptor.TAIL_POSITION_OFFSET);
        }

        public int readerState()
        {
            return 0;
        }

        public long consumerHeartbeat()
        {
            return buffer.getLongVolatile(capacity + RingBufferDescriptor.CONSUMER_HEARTBEAT_OFFSET);
        }

        public long headerAt(final long position)
        {
            return buffer.getLongVolatile(RecordDescriptor.lengthOffset((int)(position % capacity)));
        }

        public long walk(final long readPos, final long writePos, final BlockHandler handler)
        {
            if (readPos < 0 || writePos < 0 || readPos > writePos || writePos - readPos > capacity)
            {
                throw new CorruptQueueException(name, readPos, "head " + readPos + " and tail " + writePos +
                    " contradict each other (capacity " + capacity + ")");
            }
            final int mask = capacity - 1;
            long position = readPos;
            boolean more = true;
            while (more && position < writePos)
            {
                final int index = (int)(position & mask);
                final int length = buffer.getIntVolatile(RecordDescriptor.lengthOffset(index));
                if (length <= 0)
                {
                    break;
                }
                if (length < RecordDescriptor.HEADER_LENGTH)
                {
                    throw new CorruptQueueException(name, position, "record of length " + length +
                        " is shorter than its " + RecordDescriptor.HEADER_LENGTH + "-byte header");
                }
                final long aligned =
                    ((long)length + RecordDescriptor.ALIGNMENT - 1) & ~(RecordDescriptor.ALIGNMENT - 1L);
                if (aligned > capacity - index || aligned > writePos - position)
                {
                    throw new CorruptQueueException(name, position, "record of length " + length + " runs past " +
                        (aligned > capacity - index ? "the end of the ring" : "the tail " + writePos));
                }
                final int type = buffer.getInt(RecordDescriptor.typeOffset(index));
                final BlockKind kind = RingBuffer.PADDING_MSG_TYPE_ID == type ? BlockKind.PADDING : BlockKind.DATA;
                more = handler.onBlock(kind, position, type, false, RecordDescriptor.encodedMsgOffset(index),
                    length - RecordDescriptor.HEADER_LENGTH);
                position += aligned;
            }
            return position;
        }
    }
}
