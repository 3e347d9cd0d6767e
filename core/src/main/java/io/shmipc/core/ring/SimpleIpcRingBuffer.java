package io.shmipc.core.ring;

import io.shmipc.core.segment.SegmentNotInitialisedException;
import io.shmipc.core.segment.SegmentSizeMismatchException;
import io.shmipc.idle.SleepGuard;
import org.agrona.DirectBuffer;
import org.agrona.UnsafeApi;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.ControlledMessageHandler;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.ringbuffer.RingBuffer;

import java.lang.invoke.VarHandle;

import static io.shmipc.core.ring.SimpleIpcDescriptor.*;
import static org.agrona.concurrent.ControlledMessageHandler.Action.ABORT;
import static org.agrona.concurrent.ControlledMessageHandler.Action.BREAK;
import static org.agrona.concurrent.ControlledMessageHandler.Action.COMMIT;

abstract class SimpleIpcRingPadding1
{
    byte p000, p001, p002, p003, p004, p005, p006, p007, p008, p009, p010, p011, p012, p013, p014, p015;
    byte p016, p017, p018, p019, p020, p021, p022, p023, p024, p025, p026, p027, p028, p029, p030, p031;
    byte p032, p033, p034, p035, p036, p037, p038, p039, p040, p041, p042, p043, p044, p045, p046, p047;
    byte p048, p049, p050, p051, p052, p053, p054, p055, p056, p057, p058, p059, p060, p061, p062, p063;
}

/** Fields only the producer thread touches. */
abstract class SimpleIpcRingProducerFields extends SimpleIpcRingPadding1
{
    /** End of what has been appended, published or not. */
    long limit;
    /** Last value stored to writePos by this producer. */
    long published;
    /** Last readPos seen; refreshed only when the queue looks full. */
    long cachedReadPos;
    /** {@code limit % capacity}, kept so the hot path never divides. */
    int limitOffset;
    /** Payload index of the pending claim, or -1. */
    int claimIndex = -1;
    /** Payload length of the pending claim. */
    int claimLength;
    /** Data offset of the first block appended since the last publish, whose header publish() writes, or -1. */
    int deferredOffset = -1;
    /** The header publish() writes at deferredOffset. */
    long deferredHeader;
    /** The deferred header is that of a publish a dead producer left half done (see the constructor). */
    boolean recovering;
    /**
     * A consumer polls block headers or asks to (consumerMode 1 or 2 at the last publish): clear the header slot
     * after each block. A consumer bound by writePos never looks there, and clearing the slot it polls would cost
     * every message a second transfer of that cache line.
     */
    boolean clearSlots;
}

abstract class SimpleIpcRingPadding2 extends SimpleIpcRingProducerFields
{
    byte p100, p101, p102, p103, p104, p105, p106, p107, p108, p109, p110, p111, p112, p113, p114, p115;
    byte p116, p117, p118, p119, p120, p121, p122, p123, p124, p125, p126, p127, p128, p129, p130, p131;
    byte p132, p133, p134, p135, p136, p137, p138, p139, p140, p141, p142, p143, p144, p145, p146, p147;
    byte p148, p149, p150, p151, p152, p153, p154, p155, p156, p157, p158, p159, p160, p161, p162, p163;
}

/** Fields only the consumer thread touches. */
abstract class SimpleIpcRingConsumerFields extends SimpleIpcRingPadding2
{
    /** readPos as this consumer last stored it, and its offset in the data area, so polling never divides. */
    long consumerPosition = -1;
    int consumerOffset;
    /** Sink of the speculative header load; written so the JIT keeps the load. */
    long peekedHeader;
    /** Poll block headers instead of writePos: every writer of this queue is shmipc (see trustShmipcWriter). */
    boolean trustWriter;
    /** Header polling was asked for; the consumer reads writePos until a shmipc producer agrees. */
    boolean trustRequested;
}

abstract class SimpleIpcRingPadding3 extends SimpleIpcRingConsumerFields
{
    byte p200, p201, p202, p203, p204, p205, p206, p207, p208, p209, p210, p211, p212, p213, p214, p215;
    byte p216, p217, p218, p219, p220, p221, p222, p223, p224, p225, p226, p227, p228, p229, p230, p231;
    byte p232, p233, p234, p235, p236, p237, p238, p239, p240, p241, p242, p243, p244, p245, p246, p247;
    byte p248, p249, p250, p251, p252, p253, p254, p255, p256, p257, p258, p259, p260, p261, p262, p263;
}

/**
 * A single-producer single-consumer ring over one queue of a SimpleIPC v1 segment: the byte layout of the C++/Go
 * library (see {@link SimpleIpcDescriptor} and {@code docs/layout.md}), behind Agrona's {@link RingBuffer}.
 * <p>
 * One thread (in any process) produces and one consumes; the producer's and the consumer's state live in
 * separate padded fields, so one instance may serve a producer thread and a consumer thread of the same process.
 * Attaching reads the header and writes nothing.
 * <p>
 * <b>Producer.</b> {@link #write} appends a block and publishes it with a release store of {@code writePos}.
 * {@link #append} and {@link #publish()} split the two so that a batch of blocks is published with one store.
 * A full queue makes {@code write}, {@code append} and {@code tryClaim} fail at once ({@code false} or
 * {@link RingBuffer#INSUFFICIENT_CAPACITY}); nothing spins inside the ring. When a block does not fit before the end
 * of the data area the producer fills the rest with a padding block (or skips it when fewer than 8 bytes remain),
 * exactly as the C++/Go producers do. The producer does not post the queue's semaphore: its caller does, after
 * {@link #publish()}, when {@link #readerNeedsWakeUp()} says so.
 * <p>
 * <b>Consumer.</b> While it polls an empty queue, {@link #read} also loads the header slot at readPos, so that when
 * a block lands the cache misses on writePos and on the block are taken together rather than one after the other;
 * the block is trusted only after writePos has been read with acquire semantics. {@link #read} and
 * {@link #controlledRead} take every block published when they start, up to a
 * message count limit, across the wrap, and store {@code readPos} once at the end (and at each
 * {@link ControlledMessageHandler.Action#COMMIT}). Every block is checked before its payload is handed out: an
 * unknown magic, a block that runs past the data area or past {@code writePos}, or header positions that contradict
 * each other raise a {@link CorruptQueueException}; the blocks before it stay consumed and nothing after it is read.
 * <p>
 * <b>Header slots.</b> Beyond the spec's bytes, the consumer marks the header of every block it consumes (bit 15 of
 * the magic, the size kept, so a successor of a consumer that died mid-batch reads that batch again). A consumer
 * whose producer is known to be shmipc may poll block headers instead of writePos
 * ({@link #trustShmipcWriter(boolean)}): one cache line per message instead of two. While one does (or asks to), the
 * producer writes each block header last with release semantics, clears the header slot after the block while it is
 * free, and holds back the first header of a batch until {@link #publish()}; while its consumer reads writePos it
 * does none of that.
 * <p>
 * <b>Waking the consumer.</b> The ring is the consumer's {@link SleepGuard} for a {@code wait} idle strategy:
 * {@link #prepareToSleep()} and {@link #awake()} keep the reader-state extension field, and a producer asks
 * {@link #readerNeedsWakeUp()} after publishing to skip the signal syscall while a shmipc reader polls.
 * <p>
 * <b>Message types.</b> The layout has no type field: the only type id accepted and delivered is
 * {@link #MSG_TYPE_ID}; any other is rejected with {@link IllegalArgumentException}, never dropped.
 */
public final class SimpleIpcRingBuffer extends SimpleIpcRingPadding3 implements RingBuffer, SleepGuard
{
    /** The one message type id this layout carries. */
    public static final int MSG_TYPE_ID = 1;

    /** A header slot with nothing published in it. */
    private static final long EMPTY_SLOT = 0L;

    /** Or-ed into a block header by the consumer that consumes it: {@link SimpleIpcDescriptor#MAGIC_CONSUMED_FLAG}. */
    private static final long CONSUMED_MARK = (long)MAGIC_CONSUMED_FLAG << 32;

    /** {@link #nextBlock}: the rest of the data area is a skip or a consumed padding block. */
    private static final int TO_END = -1;

    /** {@link #nextBlock}: a trusted writer has not published the next block yet. */
    private static final int NO_BLOCK = -2;

    /** {@link #markedSlotBound}: the marked slot is empty space. */
    private static final long NO_BOUND = -1L;

    /** Cache line length assumed for the read-ahead of the consumer's poll and for the producer's order of stores. */
    private static final int CACHE_LINE = 64;

    private final AtomicBuffer buffer;
    /**
     * The buffer's memory as Agrona's {@code AtomicCounter} addresses it: the hot paths' loads and stores go through
     * {@link UnsafeApi} at offsets this class has already bounded, so they carry no bounds check of their own: a
     * header field; a block that {@link #reserve} fitted in the data area; a header slot with at least 8 bytes before
     * the end (checked by {@link #writeBound} and {@link #nextBlock}: another writer may leave a readPos in a short
     * tail). Those checks took write's compiled code over C2's {@code InlineSmallCode} (2500 bytes), and callers then
     * called write instead of inlining it (issue 14).
     */
    private final byte[] byteArray;
    private final long addressOffset;
    private final String name;
    private final int capacity;
    private final int maxMsgLength;

    /**
     * Attach to an initialised queue.
     *
     * @param queueBuffer the queue: 128-byte header then the data area; its address must be 8-byte aligned. The ring
     *                    keeps the buffer's address and length: the buffer must not be wrapped over other memory
     *                    while the ring is in use.
     * @param name        used in error messages, e.g. {@code "/dev/shm/SimpleIPC toGuest"}.
     * @throws SegmentNotInitialisedException if the header's capacity is 0.
     * @throws SegmentSizeMismatchException   if the header's capacity is not the buffer's length less 128.
     * @throws CorruptQueueException          if readPos and writePos contradict each other.
     */
    public SimpleIpcRingBuffer(final AtomicBuffer queueBuffer, final String name)
    {
        this.buffer = queueBuffer;
        this.byteArray = queueBuffer.byteArray();
        this.addressOffset = queueBuffer.addressOffset();
        this.name = name;
        queueBuffer.verifyAlignment();
        final long headerCapacity = queueBuffer.getLongVolatile(CAPACITY_OFFSET);
        if (0 == headerCapacity)
        {
            throw new SegmentNotInitialisedException(name, "capacity at offset " + CAPACITY_OFFSET + " is 0");
        }
        final long expected = queueBuffer.capacity() - (long)HEADER_LENGTH;
        if (headerCapacity != expected)
        {
            throw new SegmentSizeMismatchException(name,
                "header capacity " + headerCapacity + " but the queue's data area is " + expected + " bytes");
        }
        this.capacity = checkCapacity(headerCapacity);
        this.maxMsgLength = SimpleIpcDescriptor.maxMsgLength(capacity);

        final long writePos = queueBuffer.getLongVolatile(WRITE_POS_OFFSET);
        final long readPos = queueBuffer.getLongVolatile(READ_POS_OFFSET);
        checkPositions(buffer, name, capacity, readPos, writePos);
        limit = writePos;
        published = writePos;
        cachedReadPos = readPos;
        final long pendingLimit = queueBuffer.getLongVolatile(PENDING_LIMIT_OFFSET);
        if (pendingLimit > writePos)
        {
            adoptInterruptedPublish(writePos, pendingLimit);
        }
        limitOffset = (int)(limit % capacity);
        clearSlots = CONSUMER_READS_WRITE_POS != queueBuffer.getIntVolatile(CONSUMER_MODE_OFFSET);
    }

    /**
     * A producer died between the stores of its last publish: {@code pendingLimit} was stored, writePos was not.
     * Every block of that batch is complete (publish runs after the last append), and a consumer that polls headers
     * may already have read some of them, so this producer takes the batch over as appended and its first
     * {@link #publish()} completes it: writes the batch's first header unless it is there already, then writePos.
     * Nothing is written here: attaching never writes.
     */
    private void adoptInterruptedPublish(final long writePos, final long pendingLimit)
    {
        final long firstPosition = firstBlockPosition(writePos);
        final int firstOffset = (int)(firstPosition % capacity);
        final long header = buffer.getLongVolatile(PENDING_HEADER_OFFSET);
        if (pendingLimit > MAX_POSITION || pendingLimit - writePos > capacity ||
            pendingLimit - cachedReadPos > capacity || firstPosition >= pendingLimit)
        {
            throw new CorruptQueueException(name, writePos, "pendingLimit " + pendingLimit + " of an interrupted " +
                "publish does not fit writePos " + writePos + ", readPos " + cachedReadPos + " and capacity " +
                capacity);
        }
        checkBlock(buffer, name, header, firstPosition, firstOffset, capacity - firstOffset, pendingLimit);
        limit = pendingLimit;
        deferredOffset = firstOffset;
        deferredHeader = header;
        recovering = true;
    }

    /**
     * Position of the first block a producer appends at {@code position}: there, or at the next lap's offset 0 when
     * fewer than 8 bytes remain to the end of the data area (a skip).
     */
    private long firstBlockPosition(final long position)
    {
        final int offset = (int)(position % capacity);
        return capacity - offset < BLOCK_HEADER_LENGTH ? position + capacity - offset : position;
    }

    /**
     * Name of this queue as used in error messages.
     *
     * @return the name given at construction.
     */
    public String name()
    {
        return name;
    }

    /**
     * {@inheritDoc}
     */
    public int capacity()
    {
        return capacity;
    }

    /**
     * {@inheritDoc}
     * <p>
     * The longest payload whose block fits the data area: {@code (capacity & ~7) - 8}.
     */
    public int maxMsgLength()
    {
        return maxMsgLength;
    }

    /**
     * The queue: header at index 0, data area from index {@link SimpleIpcDescriptor#HEADER_LENGTH}. The index
     * returned by {@link #tryClaim(int, int)} and passed to handlers is an index into this buffer.
     *
     * @return the underlying buffer.
     */
    public AtomicBuffer buffer()
    {
        return buffer;
    }

    /**
     * Append one block and publish it, with everything appended before it, in one release store of writePos.
     *
     * @param msgTypeId must be {@link #MSG_TYPE_ID}.
     * @return false if the queue has no room for the block now (back-pressure); a padding block written to make
     * room at the wrap is published all the same, so the consumer can free that room.
     * @throws IllegalArgumentException  if length exceeds {@link #maxMsgLength()} or the type id is not 1.
     * @throws IllegalStateException     if a claim is pending.
     * @throws IndexOutOfBoundsException if {@code offset} and {@code length} run outside {@code srcBuffer}; nothing
     *                                   is appended or published.
     */
    public boolean write(final int msgTypeId, final DirectBuffer srcBuffer, final int offset, final int length)
    {
        checkTypeId(msgTypeId);
        final boolean appended = append(srcBuffer, offset, length);
        publish();
        return appended;
    }

    /**
     * Append one block without publishing it: the consumer sees it after the next {@link #publish()}. Use it to
     * publish a batch with one store of writePos (and one signal).
     *
     * @return false if the queue has no room for the block now. A padding block written at the wrap to make room
     * stays appended and goes out with the next publish.
     * @throws IllegalArgumentException  if length is negative or exceeds {@link #maxMsgLength()}.
     * @throws IllegalStateException     if a claim is pending.
     * @throws IndexOutOfBoundsException if {@code offset} and {@code length} run outside {@code srcBuffer}; nothing
     *                                   is appended, not even a padding block.
     */
    public boolean append(final DirectBuffer srcBuffer, final int offset, final int length)
    {
        checkMsgLength(length);
        checkNoClaim();
        srcBuffer.boundsCheck(offset, length);
        final int blockOffset = reserve(blockLength(length));
        if (blockOffset < 0)
        {
            return false;
        }
        final int blockLength = blockLength(length);
        final long address = addressOffset + HEADER_LENGTH + blockOffset + BLOCK_HEADER_LENGTH;
        if (clearSlots && blockLength <= CACHE_LINE)
        {
            // A block of at most a line clears the slot after it before the copy, as Agrona's producer zeroes the next
            // record's header first: on an AMD VM, header-polling ping-pong fell to 0.81-0.87x at p50 at 32 B and to
            // 0.73x at 56 B (issue 14). A longer block clears it after the copy: clearing first cost 120 B ping-pong
            // 15-28% at p50 there, and 256 B throughput a fifth.
            clearSlotAfter(blockOffset, blockLength);
            copyWords(srcBuffer, offset, address, length);
        }
        else
        {
            UnsafeApi.copyMemory(srcBuffer.byteArray(), srcBuffer.addressOffset() + offset, byteArray, address, length);
            if (clearSlots)
            {
                clearSlotAfter(blockOffset, blockLength);
            }
        }
        putBlockHeader(blockOffset, length, MAGIC_DATA);
        advanceLimit(blockLength);
        return true;
    }

    /**
     * Publish everything appended so far with one release store of writePos: every byte written before it is
     * visible to a consumer that reads writePos with acquire semantics.
     *
     * @return true if writePos moved (the caller should then signal the reader when
     * {@link #readerNeedsWakeUp()} says so), false if there was nothing to publish.
     */
    public boolean publish()
    {
        final long limit = this.limit;
        if (limit == published)
        {
            return false;
        }
        final int consumerMode = UnsafeApi.getInt(byteArray, addressOffset + CONSUMER_MODE_OFFSET);
        if (CONSUMER_READS_WRITE_POS == consumerMode)
        {
            clearSlots = false;
        }
        else if (!clearSlots)
        {
            // A consumer asks to poll headers: from now on the slot after each block is cleared, and the slot this
            // publish ends at is cleared now, before the answer (and this batch's first header) is stored.
            clearSlots = true;
            clearSlotAtLimit();
        }
        final int deferred = deferredOffset;
        if (CONSUMER_READS_WRITE_POS != consumerMode)
        {
            recordPublish(consumerMode, limit);
        }
        if (deferred >= 0)
        {
            final long header = deferredHeader;
            if (!recovering || !holdsHeader(deferred, header))
            {
                storeRelease(HEADER_LENGTH + deferred, header);
            }
            recovering = false;
            deferredOffset = -1;
        }
        storeRelease(WRITE_POS_OFFSET, limit);
        published = limit;
        return true;
    }

    /**
     * A consumer polls headers (or asks to): it may read this batch a moment before writePos covers it, so record
     * the publish ({@code pendingHeader}, then {@code pendingLimit}) for a successor should this producer die between
     * the stores that follow, and answer a consumer that asks. A batch appended before the consumer asked has its
     * first header in place already (nothing was held back); a batch that is only a skip is not recorded, and the
     * answer waits for a publish with a block in it.
     */
    private void recordPublish(final int consumerMode, final long limit)
    {
        long header = deferredHeader;
        boolean record = deferredOffset >= 0;
        if (!record && CONSUMER_ASKS_HEADER_POLLING == consumerMode)
        {
            final long first = firstBlockPosition(published);
            if (first < limit)
            {
                header = buffer.getLong(HEADER_LENGTH + (int)(first % capacity));
                record = true;
            }
        }
        if (record)
        {
            store(PENDING_HEADER_OFFSET, header);
            storeRelease(PENDING_LIMIT_OFFSET, limit);
            if (CONSUMER_ASKS_HEADER_POLLING == consumerMode)
            {
                buffer.putIntRelease(CONSUMER_MODE_OFFSET, CONSUMER_POLLS_HEADERS);
            }
        }
    }

    /**
     * Recovery: is the header a dead producer meant to publish at {@code offset} already there, as it wrote it or
     * as a consumer marked it? Then it must not be written again: a consumer may have consumed that block.
     */
    private boolean holdsHeader(final int offset, final long header)
    {
        final long slot = buffer.getLongVolatile(HEADER_LENGTH + offset);
        return slot == header || slot == (header | CONSUMED_MARK);
    }

    /**
     * {@inheritDoc}
     * <p>
     * Reserves room for the block but does not move writePos: nothing is visible to the consumer until
     * {@link #commit(int)}. One claim may be pending at a time; {@link #abort(int)} simply forgets it.
     */
    public int tryClaim(final int msgTypeId, final int length)
    {
        checkTypeId(msgTypeId);
        checkMsgLength(length);
        checkNoClaim();
        final int blockOffset = reserve(blockLength(length));
        if (blockOffset < 0)
        {
            publish();
            return INSUFFICIENT_CAPACITY;
        }
        claimIndex = HEADER_LENGTH + blockOffset + BLOCK_HEADER_LENGTH;
        claimLength = length;
        return claimIndex;
    }

    /**
     * {@inheritDoc}
     * <p>
     * Writes the block header and publishes the block (and anything appended before it) with one release store.
     *
     * @throws IllegalArgumentException if index is not that of the pending claim.
     */
    public void commit(final int index)
    {
        checkClaimIndex(index);
        final int length = claimLength;
        writeBlockHeader(index - BLOCK_HEADER_LENGTH - HEADER_LENGTH, blockLength(length), length, MAGIC_DATA);
        claimIndex = -1;
        advanceLimit(blockLength(length));
        publish();
    }

    /**
     * {@inheritDoc}
     * <p>
     * Forgets the claim: writePos never covered it, so nothing is published for it.
     *
     * @throws IllegalArgumentException if index is not that of the pending claim.
     */
    public void abort(final int index)
    {
        checkClaimIndex(index);
        claimIndex = -1;
        publish();
    }

    /**
     * {@inheritDoc}
     */
    public int read(final MessageHandler handler)
    {
        return read(handler, Integer.MAX_VALUE);
    }

    /**
     * {@inheritDoc}
     * <p>
     * Reads writePos once with acquire semantics, delivers up to {@code messageCountLimit} blocks published before
     * that, across the wrap, then stores readPos once with release semantics. If the handler throws, the message
     * it threw on and those before it are consumed.
     *
     * @throws CorruptQueueException if a header position or block breaks the layout rules.
     */
    public int read(final MessageHandler handler, final int messageCountLimit)
    {
        final AtomicBuffer buffer = this.buffer;
        final int capacity = this.capacity;
        final long readPos = load(READ_POS_OFFSET);
        final int readOffset = readOffset(readPos);
        final long writePos = writeBound(readPos, readOffset);
        if (readPos == writePos)
        {
            return 0;
        }

        long position = readPos;
        int offset = readOffset;
        int messagesRead = 0;
        try
        {
            while (position < writePos && messagesRead < messageCountLimit)
            {
                final int size = nextBlock(position, offset, writePos);
                if (NO_BLOCK == size)
                {
                    break;
                }
                if (TO_END == size)
                {
                    position += capacity - offset;
                    offset = 0;
                    continue;
                }
                final int length = blockLength(size);
                position += length;
                final int headerIndex = HEADER_LENGTH + offset;
                offset += length;
                if (offset == capacity)
                {
                    offset = 0;
                }
                ++messagesRead;
                try
                {
                    handler.onMessage(MSG_TYPE_ID, buffer, headerIndex + BLOCK_HEADER_LENGTH, size);
                }
                finally
                {
                    // Marked after the handler: what the handler writes (an answer) is not queued behind this store,
                    // which takes the line back from the producer. Still before readPos moves (section 7b, rule 3).
                    store(headerIndex, consumedHeader(size, MAGIC_DATA));
                }
            }
        }
        finally
        {
            if (position != readPos)
            {
                holdLastLine(position, writePos, offset);
                storeRelease(READ_POS_OFFSET, position);
                consumerPosition = position;
                consumerOffset = offset;
            }
        }
        return messagesRead;
    }

    /**
     * {@inheritDoc}
     */
    public int controlledRead(final ControlledMessageHandler handler)
    {
        return controlledRead(handler, Integer.MAX_VALUE);
    }

    /**
     * {@inheritDoc}
     * <p>
     * As {@link #read(MessageHandler, int)}, with Agrona's actions: {@code ABORT} leaves the message unconsumed and
     * stops, {@code BREAK} consumes it and stops, {@code COMMIT} consumes it and stores readPos at once,
     * {@code CONTINUE} consumes it and goes on.
     *
     * @throws CorruptQueueException if a header position or block breaks the layout rules.
     */
    public int controlledRead(final ControlledMessageHandler handler, final int messageCountLimit)
    {
        final AtomicBuffer buffer = this.buffer;
        final int capacity = this.capacity;
        long readPos = load(READ_POS_OFFSET);
        final int readOffset = readOffset(readPos);
        final long writePos = writeBound(readPos, readOffset);
        if (readPos == writePos)
        {
            return 0;
        }

        long position = readPos;
        int offset = readOffset;
        int messagesRead = 0;
        try
        {
            while (position < writePos && messagesRead < messageCountLimit)
            {
                final int size = nextBlock(position, offset, writePos);
                if (NO_BLOCK == size)
                {
                    break;
                }
                if (TO_END == size)
                {
                    position += capacity - offset;
                    offset = 0;
                    continue;
                }
                final int length = blockLength(size);
                final ControlledMessageHandler.Action action = handler.onMessage(
                    MSG_TYPE_ID, buffer, HEADER_LENGTH + offset + BLOCK_HEADER_LENGTH, size);
                if (ABORT == action)
                {
                    break;
                }
                store(HEADER_LENGTH + offset, consumedHeader(size, MAGIC_DATA));
                position += length;
                offset += length;
                if (offset == capacity)
                {
                    offset = 0;
                }
                ++messagesRead;
                if (BREAK == action)
                {
                    break;
                }
                if (COMMIT == action)
                {
                    holdLastLine(position, writePos, offset);
                    storeRelease(READ_POS_OFFSET, position);
                    readPos = position;
                }
            }
        }
        finally
        {
            if (position != readPos)
            {
                holdLastLine(position, writePos, offset);
                storeRelease(READ_POS_OFFSET, position);
            }
            consumerPosition = position;
            consumerOffset = offset;
        }
        return messagesRead;
    }

    /**
     * {@inheritDoc}
     * <p>
     * Stored in the header extension field at offset {@link SimpleIpcDescriptor#CORRELATION_COUNTER_OFFSET},
     * invisible to C++/Go peers. Atomic: safe from any thread of any process mapping the segment read-write.
     */
    public long nextCorrelationId()
    {
        return buffer.getAndAddLong(CORRELATION_COUNTER_OFFSET, 1);
    }

    /**
     * {@inheritDoc}
     * <p>
     * Stored with release semantics in the header extension field at offset
     * {@link SimpleIpcDescriptor#CONSUMER_HEARTBEAT_OFFSET}; a C++/Go consumer leaves it at 0.
     */
    public void consumerHeartbeatTime(final long time)
    {
        buffer.putLongRelease(CONSUMER_HEARTBEAT_OFFSET, time);
    }

    /**
     * {@inheritDoc}
     */
    public long consumerHeartbeatTime()
    {
        return buffer.getLongVolatile(CONSUMER_HEARTBEAT_OFFSET);
    }

    /**
     * {@inheritDoc}
     * <p>
     * The published writePos; blocks appended but not yet published are not counted.
     */
    public long producerPosition()
    {
        return buffer.getLongVolatile(WRITE_POS_OFFSET);
    }

    /**
     * {@inheritDoc}
     */
    public long consumerPosition()
    {
        return buffer.getLongVolatile(READ_POS_OFFSET);
    }

    /**
     * {@inheritDoc}
     * <p>
     * Bytes published and not yet consumed, padding included, from a consistent pair of positions.
     */
    public int size()
    {
        long readPosBefore;
        long writePos;
        long readPosAfter = buffer.getLongVolatile(READ_POS_OFFSET);
        do
        {
            readPosBefore = readPosAfter;
            writePos = buffer.getLongVolatile(WRITE_POS_OFFSET);
            readPosAfter = buffer.getLongVolatile(READ_POS_OFFSET);
        }
        while (readPosAfter != readPosBefore);

        return (int)Math.max(0, Math.min(capacity, writePos - readPosAfter));
    }

    /**
     * {@inheritDoc}
     * <p>
     * Always false: with one producer there is never a claim of another producer to unblock.
     */
    public boolean unblock()
    {
        return false;
    }

    /**
     * Consumer side: announce that the consumer is about to block on the queue's signal, then re-check the queue.
     * <p>
     * Together with {@link #readerNeedsWakeUp()} this is a Dekker handshake. The consumer stores
     * {@link SimpleIpcDescriptor#READER_STATE_SLEEPING} with a volatile (sequentially consistent) store and then
     * loads writePos; the producer stores writePos, issues a full fence, then loads the reader state. In every
     * interleaving at least one of the two loads sees the other side's store: either the consumer sees the new
     * writePos here and does not block, or the producer sees SLEEPING and posts. A wake-up cannot be lost.
     *
     * @return true if the queue is still empty and the consumer may block; false if data arrived, in which case
     * the state is set back to awake.
     */
    public boolean prepareToSleep()
    {
        buffer.putIntVolatile(READER_STATE_OFFSET, READER_STATE_SLEEPING);
        if (buffer.getLongVolatile(WRITE_POS_OFFSET) != buffer.getLong(READ_POS_OFFSET))
        {
            buffer.putIntRelease(READER_STATE_OFFSET, READER_STATE_AWAKE);
            return false;
        }
        return true;
    }

    /**
     * Consumer side: the consumer has stopped blocking and polls again; producers that know this reader may skip
     * their signal from now on.
     */
    public void awake()
    {
        buffer.putIntRelease(READER_STATE_OFFSET, READER_STATE_AWAKE);
    }

    /**
     * Consumer side: withdraw from the reader-state protocol when the consumer stops (or hands the queue to a
     * C++/Go reader), so producers go back to signalling every publish.
     */
    public void resetReaderState()
    {
        buffer.putIntVolatile(READER_STATE_OFFSET, READER_STATE_UNKNOWN);
        if (trustWriter || trustRequested)
        {
            buffer.putIntVolatile(CONSUMER_MODE_OFFSET, CONSUMER_READS_WRITE_POS);
        }
    }

    /**
     * Producer side, after {@link #publish()}: must the queue's semaphore be posted? True unless the reader is a
     * shmipc reader that has said it is awake. A C++/Go reader leaves the state at 0, so it is posted on every
     * publish, as its own producers do. See {@link #prepareToSleep()} for why no wake-up is lost.
     *
     * @return true if the caller must post the signal.
     */
    public boolean readerNeedsWakeUp()
    {
        VarHandle.fullFence();
        return buffer.getIntVolatile(READER_STATE_OFFSET) != READER_STATE_AWAKE;
    }

    /**
     * How far this read may go. Normally writePos, read with acquire semantics (after loading the next block's header
     * line, so that when a block lands both cache misses are in flight at once instead of one after the other; the
     * header is only trusted after that acquire). When the writer is trusted, no bound: the loop stops at an empty
     * header slot, and writePos, on the producer's busiest cache line, is never read.
     *
     * @return the bound, equal to {@code readPos} when there is nothing to read.
     */
    private long writeBound(final long readPos, final int readOffset)
    {
        if (trustWriter)
        {
            // fewer than 8 bytes to the end: no slot to poll, only the skip, which the read loop makes
            return capacity - readOffset >= BLOCK_HEADER_LENGTH &&
                EMPTY_SLOT == loadAcquire(HEADER_LENGTH + readOffset) ? readPos : Long.MAX_VALUE;
        }
        if (capacity - readOffset >= BLOCK_HEADER_LENGTH)
        {
            // Also the next cache line, where a block that starts late in this one continues.
            final int nextLine = (readOffset | (CACHE_LINE - 1)) + 1;
            peekedHeader = load(HEADER_LENGTH + readOffset) +
                (capacity - nextLine >= BLOCK_HEADER_LENGTH ? load(HEADER_LENGTH + nextLine) : 0);
        }
        final long writePos = loadAcquire(WRITE_POS_OFFSET);
        if (trustRequested && CONSUMER_POLLS_HEADERS == buffer.getIntVolatile(CONSUMER_MODE_OFFSET))
        {
            trustRequested = false;
            trustWriter = true; // a shmipc producer agreed: every publish from now on is recorded
        }
        if (readPos != writePos)
        {
            checkPositions(buffer, name, capacity, readPos, writePos);
            if (writePos < readPos)
            {
                return readPos; // a header-polling consumer ran ahead of an interrupted publish: wait for the producer
            }
        }
        return writePos;
    }

    /**
     * Consumer side: poll the block header at readPos instead of writePos. A block's header is then trusted as soon
     * as it is non-zero and not marked consumed, which is safe only because a shmipc producer writes each header
     * last, with release semantics, zeroes the header slot after each block while that slot is free and writes a
     * batch's first header at publish, and a shmipc consumer marks the header of every block it consumes (see
     * {@code docs/layout.md}, section 7b). A C++/Go producer does
     * neither: trust only a queue that every producer since the host initialised it is shmipc, as when both ends
     * of a channel are shmipc. The reader then touches one cache line per message, as Agrona's does.
     *
     * <p>
     * Polling starts only once the producer has agreed: this stores "asks" in the consumer-mode word
     * ({@link SimpleIpcDescriptor#CONSUMER_MODE_OFFSET}) and keeps reading writePos until a shmipc producer's
     * publish answers "polls" (from then on it records each publish, so a successor can finish one it died in).
     * A C++/Go producer never answers, so this consumer then simply keeps the SimpleIPC v1 rule.
     *
     * @param trust true to poll headers; false (the default) for the SimpleIPC v1 rule of reading writePos.
     * @return this.
     * @throws IllegalStateException if the capacity is not a multiple of 8 (a header slot could be cut by the wrap).
     */
    public SimpleIpcRingBuffer trustShmipcWriter(final boolean trust)
    {
        if (trust && (capacity & (ALIGNMENT - 1)) != 0)
        {
            throw new IllegalStateException("header polling needs a capacity that is a multiple of " + ALIGNMENT +
                ", " + name + " has " + capacity);
        }
        trustWriter = false;
        trustRequested = trust;
        if (trust)
        {
            // Ask the producer (always afresh: an answer left by an earlier producer proves nothing about this one).
            buffer.putIntVolatile(CONSUMER_MODE_OFFSET, CONSUMER_ASKS_HEADER_POLLING);
        }
        return this;
    }

    private int readOffset(final long readPos)
    {
        if (readPos == consumerPosition)
        {
            return consumerOffset;
        }
        if (readPos < 0 || readPos > MAX_POSITION)
        {
            throw new CorruptQueueException(name, readPos, "readPos " + readPos + " is outside 0.." + MAX_POSITION +
                " (writePos " + buffer.getLongVolatile(WRITE_POS_OFFSET) + ")");
        }
        final int offset = (int)(readPos % capacity);
        consumerPosition = readPos;
        consumerOffset = offset;
        return offset;
    }

    /**
     * Reserve {@code length} bytes of position space at the limit, writing the padding block or skip the wrap
     * needs first.
     *
     * @return the data-area offset of the reserved block, or -1 if it does not fit now.
     */
    private int reserve(final int length)
    {
        final int capacity = this.capacity;
        final int spaceToEnd = capacity - limitOffset;
        final boolean wraps = spaceToEnd < length;
        final long required = wraps ? (long)spaceToEnd + length : length;
        if (limit - cachedReadPos + required > capacity)
        {
            final long readPos = refreshReadPos();
            if (limit - readPos + required > capacity)
            {
                if (wraps && limit - readPos + spaceToEnd <= capacity)
                {
                    padToEnd(spaceToEnd);
                }
                return -1;
            }
        }
        if (wraps)
        {
            if (limit > MAX_POSITION - capacity)
            {
                throw positionsExhausted();
            }
            padToEnd(spaceToEnd);
        }
        return limitOffset;
    }

    private IllegalStateException positionsExhausted()
    {
        return new IllegalStateException(name + ": positions are exhausted at writePos " + limit +
            " (the layout's limit is " + MAX_POSITION + "); the host must re-initialise the segment");
    }

    /** Clear the header slot at the limit (see {@link #clearSlotIfFree}). */
    private void clearSlotAtLimit()
    {
        clearSlotIfFree(limitOffset, limit);
    }

    /**
     * Clear the header slot at {@code offset} (position {@code position}) if it is free space. The cached readPos
     * decides when it can; when it says the slot is not free (the block just reserved ends exactly one capacity
     * past it), readPos is read again. Left as it is, the slot would keep the header its consumer marked a lap ago,
     * and a polling consumer that catches up with the producer there would read writePos on every poll, taking the
     * producer's line from it, until the next block lands. If readPos has not moved, the slot holds the oldest
     * unconsumed block's header, which its consumer marks.
     */
    private void clearSlotIfFree(final int offset, final long position)
    {
        if (capacity - offset >= BLOCK_HEADER_LENGTH &&
            (position + BLOCK_HEADER_LENGTH - cachedReadPos <= capacity ||
            position + BLOCK_HEADER_LENGTH - refreshReadPos() <= capacity))
        {
            store(HEADER_LENGTH + offset, EMPTY_SLOT);
        }
    }

    /**
     * Producer: read readPos (acquire), check it against the limit and cache it, when the cached one says there is
     * no room (for a block, or for clearing the header slot after one).
     *
     * @return readPos.
     * @throws CorruptQueueException if readPos contradicts the limit.
     */
    private long refreshReadPos()
    {
        final long readPos = loadAcquire(READ_POS_OFFSET);
        checkPositions(buffer, name, capacity, readPos, limit);
        cachedReadPos = readPos;
        return readPos;
    }

    private void padToEnd(final int spaceToEnd)
    {
        if (spaceToEnd >= BLOCK_HEADER_LENGTH)
        {
            writeBlockHeader(limitOffset, spaceToEnd, spaceToEnd - BLOCK_HEADER_LENGTH, MAGIC_PADDING);
        }
        limit += spaceToEnd;
        limitOffset = 0;
    }

    private void advanceLimit(final int length)
    {
        limit += length;
        final int offset = limitOffset + length;
        limitOffset = offset == capacity ? 0 : offset;
    }

    /**
     * Write the header of the block at the limit, after its payload ({@link #putBlockHeader}), clearing the header slot
     * after the block first while a consumer polls headers or asks to ({@link #clearSlotAfter}). {@link #append} clears
     * that slot itself, before it copies a payload whose block fits a cache line.
     *
     * @param blockOffset data-area offset of the block, which starts at the limit.
     * @param blockLength position space the block takes.
     */
    private void writeBlockHeader(final int blockOffset, final int blockLength, final int size, final int magic)
    {
        if (clearSlots)
        {
            clearSlotAfter(blockOffset, blockLength);
        }
        putBlockHeader(blockOffset, size, magic);
    }

    /**
     * While a consumer polls headers or asks to ({@link #clearSlots}): clear the header slot that follows the block at
     * the limit when that slot is free space (by the cached readPos; when it is not, it holds the header of the oldest
     * unconsumed block, which its consumer marks). Called before the block's header is written, so a consumer that
     * polls headers finds that slot cleared once it can see the block.
     *
     * @param blockOffset data-area offset of the block, which starts at the limit.
     * @param blockLength position space the block takes.
     */
    private void clearSlotAfter(final int blockOffset, final int blockLength)
    {
        final int end = blockOffset + blockLength;
        clearSlotIfFree(end == capacity ? 0 : end, limit + blockLength);
    }

    /**
     * Copy the payload of a block of at most a cache line, while a consumer polls headers: that consumer reads the
     * very lines this copy writes, and from 8 bytes on the payload goes as plain 8-byte loads and stores (the last
     * word overlapping the one before it when the length is not a multiple of 8, so no byte outside the payload is
     * written), none of which splits two lines, as the copy stub's wider stores can (a likely reason, not a measured
     * one: the VM has no hardware counters). On an Intel Xeon VM, against the stub in the same rounds, that took
     * header-polling ping-pong to 0.97-0.99x at p50 at 32 B and 0.93x at 56 B, and 32 B throughput to 1.49x and 1.60x
     * (medians over three pairs of processes); at 64 B (a 72-byte block, copied by the stub) the words had cost
     * throughput 3-7% (issue 14). Elsewhere
     * {@code Unsafe.copyMemory}: in one thread, where no other core holds the lines, its stub was 15-20% faster at
     * 32 and 64 B than the words. Plain stores: the header's release store publishes them.
     */
    private void copyWords(final DirectBuffer srcBuffer, final int offset, final long address, final int length)
    {
        final byte[] srcArray = srcBuffer.byteArray();
        final long srcAddress = srcBuffer.addressOffset() + offset;
        if (length < Long.BYTES)
        {
            UnsafeApi.copyMemory(srcArray, srcAddress, byteArray, address, length);
            return;
        }
        final int last = length - Long.BYTES;
        for (int i = 0; i < last; i += Long.BYTES)
        {
            UnsafeApi.putLong(byteArray, address + i, UnsafeApi.getLong(srcArray, srcAddress + i));
        }
        UnsafeApi.putLong(byteArray, address + last, UnsafeApi.getLong(srcArray, srcAddress + last));
    }

    /**
     * Write the header of the block at the limit, after its payload and, while a consumer polls headers or asks to,
     * after {@link #clearSlotAfter}.
     * <p>
     * While the consumer reads writePos (the SimpleIPC v1 rule, {@link #clearSlots} false) that is a plain store:
     * the release store of writePos in {@link #publish()} orders it, and nothing more is needed (deferring it, as
     * below, cost one thread's write-then-read a tenth of its rate at 32 B, issue 14).
     * <p>
     * While a consumer polls headers or asks to, the header is written last and with release semantics, after the
     * slot that follows the block was cleared; when one asks, {@link #publish()} clears the slot the batch ends at
     * before it agrees. So the slot at the end of the published blocks is always zero, a consumed block's marked
     * header, or a complete header: what a consumer that trusts this writer relies on. The header of the first block
     * since the last publish is then not written here but by {@link #publish()}, so a consumer that polls headers
     * never sees a block before writePos covers it (or a dead producer's {@code pendingLimit} does). A consumer that
     * asks only starts polling once a publish has answered, and that publish records its batch first (from the header
     * in place, if the batch was appended before the ask: see {@link #recordPublish}), so the blocks appended before
     * the answer need no holding back.
     *
     * @param blockOffset data-area offset of the block, which starts at the limit.
     */
    private void putBlockHeader(final int blockOffset, final int size, final int magic)
    {
        final long header = blockHeader(size, magic);
        if (!clearSlots)
        {
            store(HEADER_LENGTH + blockOffset, header);
            return;
        }
        if (deferredOffset < 0)
        {
            deferredOffset = blockOffset;
            deferredHeader = header;
        }
        else
        {
            storeRelease(HEADER_LENGTH + blockOffset, header);
        }
    }

    /** Plain load at an index of the queue this class has bounded (see {@link #byteArray}). */
    private long load(final int index)
    {
        return UnsafeApi.getLong(byteArray, addressOffset + index);
    }

    /** Acquire load at an index of the queue this class has bounded (see {@link #byteArray}). */
    private long loadAcquire(final int index)
    {
        return UnsafeApi.getLongAcquire(byteArray, addressOffset + index);
    }

    /** Plain store at an index of the queue this class has bounded (see {@link #byteArray}). */
    private void store(final int index, final long value)
    {
        UnsafeApi.putLong(byteArray, addressOffset + index, value);
    }

    /** Release store at an index of the queue this class has bounded (see {@link #byteArray}). */
    private void storeRelease(final int index, final long value)
    {
        UnsafeApi.putLongRelease(byteArray, addressOffset + index, value);
    }

    /**
     * The step both read loops share: look at the block at {@code offset} (position {@code position}). Kept small and
     * free of calls on every path a sound queue takes, so that the read loops inline it and keep their registers
     * (issue 14: called, with a call of its own at each lap's padding block, it cost one thread's write-then-read
     * about a quarter of its rate at 32 B). Under the SimpleIPC v1 rule the header is a plain load: the acquire of
     * writePos in {@link #writeBound} already orders it.
     *
     * @return the payload size of a data block (its header is still in place: the caller marks it once the block
     * is consumed); {@link #TO_END} when fewer than 8 bytes remain or a padding block fills the rest (its header is
     * marked here); {@link #NO_BLOCK} when a trusted writer has published nothing there yet.
     * @throws CorruptQueueException if the header breaks the layout rules.
     */
    private int nextBlock(final long position, final int offset, final long writePos)
    {
        final int spaceToEnd = capacity - offset;
        if (spaceToEnd < BLOCK_HEADER_LENGTH)
        {
            checkSkip(name, position, offset, spaceToEnd, writePos);
            return TO_END;
        }
        final int index = HEADER_LENGTH + offset;
        long header;
        long bound = writePos;
        if (trustWriter)
        {
            header = loadAcquire(index);
            if (EMPTY_SLOT == header)
            {
                return NO_BLOCK;
            }
            if ((header & CONSUMED_MARK) != 0)
            {
                bound = markedSlotBound(position);
                if (NO_BOUND == bound)
                {
                    return NO_BLOCK;
                }
                header = loadAcquire(index);
            }
        }
        else
        {
            header = load(index);
        }
        final int size = checkBlock(buffer, name, header, position, offset, spaceToEnd, bound);
        if (size < 0)
        {
            store(index, consumedHeader(spaceToEnd - BLOCK_HEADER_LENGTH, MAGIC_PADDING));
            return TO_END;
        }
        return size;
    }

    /**
     * A trusted writer's slot holds a marked header: a block consumed a lap ago (empty now) unless writePos covers
     * it, in which case a consumer died after marking it and before storing readPos, and it is delivered again (the
     * caller re-reads the header after this acquire).
     *
     * @return writePos, the bound to check the block against, or {@link #NO_BOUND} if the slot is empty.
     */
    private long markedSlotBound(final long position)
    {
        final long writePos = loadAcquire(WRITE_POS_OFFSET);
        return writePos - position <= 0 ? NO_BOUND : writePos;
    }

    /**
     * Under the SimpleIPC v1 rule, once this consumer has caught up with writePos: if the producer's next header
     * goes on the line that holds the last word of the block just consumed, store that word again, unchanged, before
     * readPos moves, so that this consumer holds that line as written rather than as read. On an AMD EPYC VM,
     * spec-rule ping-pong with 32-byte messages (40-byte blocks, half of which cross a line) measured the blocks whose
     * header landed on a line the consumer had only read at 1.3x the round trip of the others, and 2x where such a
     * block also crossed a line; the header mark already did this for blocks that start on their predecessor's
     * header line, which were the fast ones. With this store the ring's round trip fell to 0.69-0.89x at p90 and
     * 0.74-0.86x at p99, p50 unchanged (issue 14, docs/benchmarks.md); one thread at 32 B (a store per burst of
     * 16) measured 1.09-1.14x Agrona against 1.19-1.23x without it in two runs of three, not resolved. Only when
     * caught up: behind its producer the next header is written already, and a store per block cost 32 B
     * throughput 13-26%. A consumer that polls headers keeps the mark only: there the same store measured 0.90-1.03x
     * at p50 and up to 1.15x at p99. The block's bytes stay as the producer wrote them, so a consumer that dies
     * before it stores readPos leaves its successor the same block. The store has release semantics only so that
     * the compiler keeps a store of the value just loaded (a plain store on x86).
     *
     * @param position the position after the last block consumed.
     * @param writePos the bound this read had: caught up when {@code position} reached it.
     * @param offset   the data-area offset of {@code position}: 0 after a skip or padding block, or when the last
     *                 block ended the data area (the next header then goes on the area's first line).
     */
    private void holdLastLine(final long position, final long writePos, final int offset)
    {
        final int next = HEADER_LENGTH + offset;
        if (position == writePos && 0 != offset && !trustWriter && ((addressOffset + next) & (CACHE_LINE - 1)) != 0)
        {
            storeRelease(next - ALIGNMENT, load(next - ALIGNMENT));
        }
    }

    private static long consumedHeader(final int size, final int magic)
    {
        return blockHeader(size, magic | MAGIC_CONSUMED_FLAG);
    }

    private void checkMsgLength(final int length)
    {
        if (length < 0)
        {
            throw new IllegalArgumentException("invalid message length=" + length + " for " + name);
        }
        if (length > maxMsgLength)
        {
            throw new IllegalArgumentException("message of " + length + " bytes exceeds maxMsgLength " +
                maxMsgLength + " of " + name + " (capacity " + capacity + ")");
        }
    }

    private void checkNoClaim()
    {
        if (claimIndex >= 0)
        {
            throw new IllegalStateException(
                "a claim of " + claimLength + " bytes at index " + claimIndex + " is pending on " + name +
                ": commit or abort it first");
        }
    }

    private void checkClaimIndex(final int index)
    {
        if (index != claimIndex || index < 0)
        {
            throw new IllegalArgumentException("index " + index + " is not the pending claim of " + name +
                (claimIndex < 0 ? " (no claim is pending)" : " (pending claim is at " + claimIndex + ")"));
        }
    }

    private void checkTypeId(final int msgTypeId)
    {
        if (msgTypeId != MSG_TYPE_ID)
        {
            throw new IllegalArgumentException("SimpleIPC v1 blocks carry no message type: msgTypeId must be " +
                MSG_TYPE_ID + ", was " + msgTypeId + " (" + name + ")");
        }
    }

    /**
     * {@inheritDoc}
     */
    public String toString()
    {
        return "SimpleIpcRingBuffer{" + name + ", capacity=" + capacity + ", writePos=" + producerPosition() +
            ", readPos=" + consumerPosition() + '}';
    }
}
