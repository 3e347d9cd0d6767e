package io.shmipc.core.ring;

import io.shmipc.core.segment.QueueWalker;
import io.shmipc.core.segment.QueueId;

import org.agrona.concurrent.AtomicBuffer;

/**
 * Byte layout of a SimpleIPC v1 segment, the format of the C++ host / Go guest library, plus the extension fields
 * shmipc keeps in the header padding that those peers never read. All integers are little-endian.
 * <pre>
 * Segment:  queue 0 (host to guest, "toGuest") at 0, queue 1 (guest to host, "fromGuest") at 128 + capacity;
 *           total size 2 * (128 + capacity).
 *
 * Queue header, 128 bytes, two cache lines:
 *   0   u64 writePos             producer: total bytes ever reserved, only grows (release store)
 *   8   u64 correlationCounter   extension, producer line:
 *                                {@link org.agrona.concurrent.ringbuffer.RingBuffer#nextCorrelationId()}
 *   16  u32 readerState          extension, producer line: 0 unknown (post on every publish), 1 awake, 2 about to
 *                                sleep; written by a shmipc consumer only when it starts, sleeps, wakes or stops,
 *                                and read by the producer after every publish, so it lives on the line the producer
 *                                owns
 *   20  u32 consumerMode         extension, producer line: 0 reads writePos, 1 asks to poll headers, 2 a shmipc
 *                                producer agreed (it then records each publish in pendingLimit/pendingHeader)
 *   24  u64 pendingLimit         extension, producer line: writePos the producer is about to store (crash recovery)
 *   32  u64 pendingHeader        extension, producer line: the header of the first block that store publishes
 *   40  24 bytes                 zero
 *   64  u64 readPos              consumer: total bytes ever consumed, only grows (release store)
 *   72  u64 capacity             initialiser: data area length; 0 means "not initialised yet"
 *   80  u64                      zero
 *   88  u64 consumerHeartbeat    extension, consumer line:
 *                                {@link org.agrona.concurrent.ringbuffer.RingBuffer#consumerHeartbeatTime(long)}
 *   96  u64 hostEpoch            extension, queue 0 only: odd while a shmipc host initialises, even once it is ready
 *   104 24 bytes                 zero
 *   128 data area, capacity bytes
 *
 * Block at data offset pos % capacity, occupying align8(size) + 8 bytes of position space:
 *   0   u32 size                 payload length (padding block: bytes after its header up to the end of the data area)
 *   4   u32 magic                0xDA7A0001 data, 0xDA7A0002 padding; a shmipc consumer sets bit 15 on each block it
 *                                consumes (0xDA7A8001, 0xDA7A8002), keeping the size
 *   8   payload
 * </pre>
 * Every extension field is zero after the host initialises a queue, and zero means "the peer does not support
 * this", so C++/Go peers, which never read or write these bytes, keep their exact behaviour.
 * <p>
 * The rules a consumer checks (positions, skips, blocks; section 6 of {@code docs/layout.md}) are here once, as
 * static methods that {@link SimpleIpcRingBuffer} inlines on its read path and {@link QueueWalker} applies when it
 * walks a queue without consuming it.
 */
public final class SimpleIpcDescriptor
{
    /** Length of a queue header; the data area starts here. */
    public static final int HEADER_LENGTH = 128;

    /** Offset of {@code writePos} (u64) in a queue header, alone on the producer's cache line. */
    public static final int WRITE_POS_OFFSET = 0;

    /** Offset of the extension correlation counter (u64) on the producer's cache line. */
    public static final int CORRELATION_COUNTER_OFFSET = 8;

    /** Offset of {@code readPos} (u64) in a queue header, first field of the consumer's cache line. */
    public static final int READ_POS_OFFSET = 64;

    /** Offset of {@code capacity} (u64) in a queue header; 0 means the queue is not initialised yet. */
    public static final int CAPACITY_OFFSET = 72;

    /**
     * Offset of the extension reader-state word (u32), see {@link #READER_STATE_UNKNOWN} and the others. It sits on
     * the producer's cache line: the producer reads it after every publish, the consumer writes it rarely.
     */
    public static final int READER_STATE_OFFSET = 16;

    /** Offset of the extension consumer heartbeat time (u64) on the consumer's cache line. */
    public static final int CONSUMER_HEARTBEAT_OFFSET = 88;

    /** Reader state of a C++/Go reader or a reader that has never slept: the writer must signal on every publish. */
    public static final int READER_STATE_UNKNOWN = 0;

    /** Reader state of a shmipc reader that polls and will re-check the queue before it blocks: no signal needed. */
    public static final int READER_STATE_AWAKE = 1;

    /** Reader state of a shmipc reader that is about to block or blocked: the writer must signal after publishing. */
    public static final int READER_STATE_SLEEPING = 2;

    /**
     * Offset of the extension consumer-mode word (u32) on the producer's line: {@link #CONSUMER_READS_WRITE_POS},
     * {@link #CONSUMER_ASKS_HEADER_POLLING} or {@link #CONSUMER_POLLS_HEADERS}. A consumer polls block headers only
     * after a live shmipc producer has answered its request (a C++/Go producer never does, so a consumer can never
     * poll the headers of a producer that does not follow section 7b's rules), and a producer pays for the
     * {@code pendingLimit} record of each publish only while a consumer polls headers.
     */
    public static final int CONSUMER_MODE_OFFSET = 20;

    /** Consumer mode: the consumer bounds its reads by writePos (the SimpleIPC v1 rule); no record needed. */
    public static final int CONSUMER_READS_WRITE_POS = 0;

    /** Consumer mode: the consumer would poll headers, and reads writePos until a shmipc producer agrees. */
    public static final int CONSUMER_ASKS_HEADER_POLLING = 1;

    /** Consumer mode: a shmipc producer agreed; it records every publish, and the consumer polls headers. */
    public static final int CONSUMER_POLLS_HEADERS = 2;

    /**
     * Offset of the extension {@code pendingLimit} (u64) on the producer's line: the writePos a shmipc producer is
     * about to store, written (after {@link #PENDING_HEADER_OFFSET}) before it writes the first header of the batch.
     * Larger than writePos only when a producer died between the two stores of its publish; the next producer then
     * completes that publish. Zero from a C++/Go producer.
     */
    public static final int PENDING_LIMIT_OFFSET = 24;

    /**
     * Offset of the extension {@code pendingHeader} (u64) on the producer's line: the 8 header bytes of the first
     * block of the batch {@link #PENDING_LIMIT_OFFSET} publishes. That block starts at the old writePos (at data
     * offset 0 when fewer than 8 bytes were left before the end).
     */
    public static final int PENDING_HEADER_OFFSET = 32;

    /**
     * Offset of the extension host epoch (u64) in queue 0's header only, on its consumer line. A shmipc host makes
     * it odd (the old value plus one) before it re-initialises a segment, which tells a guest still attached to the
     * old run to leave, and even (plus one again) once the queues are initialised. A guest remembers the even value
     * it attached under. A C++ host leaves it at 0.
     */
    public static final int HOST_EPOCH_OFFSET = 96;

    /** Length of a block header. */
    public static final int BLOCK_HEADER_LENGTH = 8;

    /** Offset of the payload {@code size} (u32) in a block header. */
    public static final int BLOCK_SIZE_OFFSET = 0;

    /** Offset of the {@code magic} (u32) in a block header. */
    public static final int BLOCK_MAGIC_OFFSET = 4;

    /** Magic of a data block. */
    public static final int MAGIC_DATA = 0xDA7A0001;

    /** Magic of a padding block that fills the data area up to its end. */
    public static final int MAGIC_PADDING = 0xDA7A0002;

    /**
     * Set in the magic of a block a shmipc consumer has consumed ({@code 0xDA7A8001}, {@code 0xDA7A8002}): the size
     * stays, so a consumer that died before storing readPos leaves blocks its successor reads again (a consumed
     * block at a position below writePos is delivered as if it were not marked), while a consumer that polls
     * headers (section 7b of docs/layout.md) takes a marked slot for an empty one.
     */
    public static final int MAGIC_CONSUMED_FLAG = 0x0000_8000;

    /** Largest position accepted in a queue header (2^62): positions, sizes and capacities never overflow a long. */
    public static final long MAX_POSITION = 1L << 62;

    /** Blocks start and advance on 8-byte boundaries of position space. */
    public static final int ALIGNMENT = 8;

    /** Smallest capacity accepted: room for one block carrying 8 bytes. */
    public static final int MIN_CAPACITY = 16;

    /** Largest capacity accepted: both queues and headers must fit one 2 GiB mapping. */
    public static final int MAX_CAPACITY = (Integer.MAX_VALUE / 2 - HEADER_LENGTH) & ~(ALIGNMENT - 1);

    private SimpleIpcDescriptor()
    {
    }

    /**
     * Length of one queue, header and data area.
     *
     * @param capacity of the data area.
     * @return {@code 128 + capacity}.
     */
    public static long queueLength(final long capacity)
    {
        return HEADER_LENGTH + capacity;
    }

    /**
     * Length of a segment holding both queues.
     *
     * @param capacity of each queue's data area.
     * @return {@code 2 * (128 + capacity)}.
     */
    public static long segmentLength(final long capacity)
    {
        return 2 * queueLength(capacity);
    }

    /**
     * Offset of a queue in the segment.
     *
     * @param queue    which queue.
     * @param capacity of each queue's data area.
     * @return 0 for {@link QueueId#TO_GUEST}, {@code 128 + capacity} for {@link QueueId#FROM_GUEST}.
     */
    public static long queueOffset(final QueueId queue, final long capacity)
    {
        return queue == QueueId.TO_GUEST ? 0 : queueLength(capacity);
    }

    /**
     * Position space taken by a data block.
     *
     * @param size of the payload.
     * @return {@code align8(size) + 8}.
     */
    public static int blockLength(final int size)
    {
        return ((size + ALIGNMENT - 1) & ~(ALIGNMENT - 1)) + BLOCK_HEADER_LENGTH;
    }

    /**
     * A block's 8-byte header as one little-endian 64-bit word: {@code size} in the low half (offset
     * {@link #BLOCK_SIZE_OFFSET}), {@code magic} in the high half (offset {@link #BLOCK_MAGIC_OFFSET}), so that it can
     * be written or read in one atomic access.
     *
     * @param size  payload length (or, for a padding block, the bytes it covers after its header).
     * @param magic {@link #MAGIC_DATA} or {@link #MAGIC_PADDING}, with {@link #MAGIC_CONSUMED_FLAG} or without.
     * @return the header word.
     */
    public static long blockHeader(final int size, final int magic)
    {
        return (size & 0xFFFF_FFFFL) | ((long)magic << 32);
    }

    /**
     * Longest payload a queue of this capacity can carry in one block.
     *
     * @param capacity of the data area.
     * @return the largest size whose block fits the data area when it starts at offset 0.
     */
    public static int maxMsgLength(final int capacity)
    {
        return (capacity & ~(ALIGNMENT - 1)) - BLOCK_HEADER_LENGTH;
    }

    /**
     * Check a capacity for a whole segment: in range, and a multiple of 8 so that the second queue's header, at
     * {@code 128 + capacity}, is 8-byte aligned and its 64-bit positions can be accessed atomically. (The C++ host
     * accepts any capacity; with one that is not a multiple of 8 its own atomic accesses to queue 1 are misaligned,
     * which tears on x86 when a field crosses a cache line and faults on ARM64.)
     *
     * @param capacity to check.
     * @return the capacity as an int.
     * @throws IllegalArgumentException naming the capacity and the rule it breaks.
     */
    public static int checkSegmentCapacity(final long capacity)
    {
        final int checked = checkCapacity(capacity);
        if ((capacity & (ALIGNMENT - 1)) != 0)
        {
            throw new IllegalArgumentException("capacity " + capacity + " is not a multiple of " + ALIGNMENT +
                ": the fromGuest queue header at offset " + queueLength(capacity) + " would be misaligned");
        }
        return checked;
    }

    /**
     * Check a capacity is one a single queue can have: any length in range, not only powers of two.
     *
     * @param capacity to check.
     * @return the capacity as an int.
     * @throws IllegalArgumentException naming the capacity and the accepted range.
     */
    public static int checkCapacity(final long capacity)
    {
        if (capacity < MIN_CAPACITY || capacity > MAX_CAPACITY)
        {
            throw new IllegalArgumentException(
                "capacity " + capacity + " outside the accepted range " + MIN_CAPACITY + ".." + MAX_CAPACITY);
        }
        return (int)capacity;
    }

    /**
     * The rule for the end of the data area: fewer than {@link #BLOCK_HEADER_LENGTH} bytes before it hold no block,
     * and the producer skips them in one step, so a published writePos never falls inside them.
     *
     * @param queue      name for the error, e.g. {@code "/dev/shm/SimpleIPC toGuest"}.
     * @param position   position of the skip.
     * @param offset     its data offset.
     * @param spaceToEnd bytes from the offset to the end of the data area, fewer than 8.
     * @param writePos   the bound of the read.
     * @throws CorruptQueueException if the skip runs past writePos.
     */
    public static void checkSkip(
        final String queue, final long position, final int offset, final int spaceToEnd, final long writePos)
    {
        if (spaceToEnd > writePos - position)
        {
            throw new CorruptQueueException(queue, position, "skip of " + spaceToEnd +
                " bytes at the end of the data area (data offset " + offset + ") runs past writePos " + writePos);
        }
    }

    /**
     * The rule for a block header below writePos: a data block fits the data area and writePos, a padding block
     * fills the data area to its end within writePos, nothing else is valid. A consumed block's marked header
     * ({@link #MAGIC_CONSUMED_FLAG}) counts as the block it marks. Never writes.
     *
     * @param buffer     the queue (header then data area), read only to quote the header bytes in an error.
     * @param queue      name for the error.
     * @param header     the 8 header bytes as read: size in the low half, magic in the high half.
     * @param position   position of the block.
     * @param offset     its data offset.
     * @param spaceToEnd bytes from the offset to the end of the data area, at least 8.
     * @param writePos   the bound of the read.
     * @return the payload size of a data block, or -1 for a padding block (which ends the data area).
     * @throws CorruptQueueException naming the position, the values and the 8 header bytes found.
     */
    public static int checkBlock(
        final AtomicBuffer buffer, final String queue, final long header, final long position, final int offset,
        final int spaceToEnd, final long writePos)
    {
        // Both valid cases in few bytecodes and no call, so that a consumer's read loop inlines this and keeps its
        // registers (issue 14); building the error is badBlock's, on a path a sound queue never takes.
        final int size = (int)header;
        final int magic = (int)(header >>> 32) & ~MAGIC_CONSUMED_FLAG;
        if (MAGIC_DATA == magic && size >= 0 && size <= spaceToEnd - BLOCK_HEADER_LENGTH &&
            blockLength(size) <= spaceToEnd && blockLength(size) <= writePos - position)
        {
            return size;
        }
        if (MAGIC_PADDING == magic && size == spaceToEnd - BLOCK_HEADER_LENGTH && spaceToEnd <= writePos - position)
        {
            return -1;
        }
        throw badBlock(buffer, queue, header, position, offset, spaceToEnd, writePos);
    }

    /**
     * The error for a header {@link #checkBlock} refused.
     */
    private static CorruptQueueException badBlock(
        final AtomicBuffer buffer, final String queue, final long header, final long position, final int offset,
        final int spaceToEnd, final long writePos)
    {
        final int size = (int)header;
        final int magic = (int)(header >>> 32) & ~MAGIC_CONSUMED_FLAG;
        if (MAGIC_DATA == magic)
        {
            if (size < 0 || size > spaceToEnd - BLOCK_HEADER_LENGTH || blockLength(size) > spaceToEnd)
            {
                return corrupt(buffer, queue, position, offset, "data block of " + Integer.toUnsignedString(size) +
                    " bytes runs past the end of the data area (" + spaceToEnd + " bytes left)");
            }
            return corrupt(buffer, queue, position, offset, "data block of " + size + " bytes runs past writePos " +
                writePos);
        }
        if (MAGIC_PADDING == magic)
        {
            return corrupt(buffer, queue, position, offset, "padding block of " + Integer.toUnsignedString(size) +
                " bytes does not fill the " + spaceToEnd + " bytes to the end of the data area within writePos " +
                writePos);
        }
        return corrupt(buffer, queue, position, offset, String.format(
            "unknown magic 0x%08X (expected 0x%08X or 0x%08X)", (int)(header >>> 32), MAGIC_DATA, MAGIC_PADDING));
    }

    /**
     * The invariants of a pair of positions, in arithmetic that cannot overflow: both within 0..2^62,
     * {@code readPos <= writePos} (or within the pendingLimit of an interrupted publish that a header-polling consumer
     * ran into, section 7b), and at most a capacity apart. Never writes.
     *
     * @param buffer   the queue, read for its pendingLimit only when readPos is beyond writePos.
     * @param queue    name for the error.
     * @param capacity of the data area.
     * @param readPos  the consumer's position.
     * @param writePos the producer's position.
     * @throws CorruptQueueException at readPos, naming both positions.
     */
    public static void checkPositions(
        final AtomicBuffer buffer, final String queue, final int capacity, final long readPos, final long writePos)
    {
        // The common case in few bytecodes, so that read and reserve inline it (issue 14).
        if (readPos >= 0 && readPos <= writePos && writePos <= MAX_POSITION && writePos - readPos <= capacity)
        {
            return;
        }
        checkOtherPositions(buffer, queue, capacity, readPos, writePos);
    }

    /**
     * {@link #checkPositions}'s rare cases: readPos within an interrupted publish's pendingLimit, or the error.
     */
    private static void checkOtherPositions(
        final AtomicBuffer buffer, final String queue, final int capacity, final long readPos, final long writePos)
    {
        if (writePos < 0 || writePos > MAX_POSITION)
        {
            throw new CorruptQueueException(queue, readPos, "writePos " + writePos + " is outside 0.." + MAX_POSITION +
                " (readPos " + readPos + ")");
        }
        if (readPos < 0)
        {
            throw new CorruptQueueException(queue, readPos, "readPos " + readPos + " is negative (writePos " +
                writePos + ")");
        }
        if (readPos > writePos)
        {
            final long pendingLimit = buffer.getLongVolatile(PENDING_LIMIT_OFFSET);
            if (readPos <= pendingLimit && pendingLimit <= MAX_POSITION && pendingLimit - writePos <= capacity)
            {
                return;
            }
            throw new CorruptQueueException(queue, readPos, "readPos " + readPos + " is beyond writePos " + writePos);
        }
        if (writePos - readPos > capacity)
        {
            throw new CorruptQueueException(queue, readPos, "writePos " + writePos + " is " + (writePos - readPos) +
                " bytes ahead of readPos " + readPos + ", more than the capacity " + capacity);
        }
    }

    private static CorruptQueueException corrupt(
        final AtomicBuffer buffer, final String queue, final long position, final int offset, final String what)
    {
        final StringBuilder bytes = new StringBuilder();
        for (int i = 0; i < BLOCK_HEADER_LENGTH; i++)
        {
            bytes.append(i == 0 ? "" : " ").append(String.format("%02x", buffer.getByte(HEADER_LENGTH + offset + i)));
        }
        return new CorruptQueueException(queue, position,
            what + " (data offset " + offset + ", block header bytes " + bytes + ")");
    }
}
