package io.shmipc.benchmarks;

import org.HdrHistogram.Histogram;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import static io.shmipc.core.ring.SimpleIpcDescriptor.BLOCK_HEADER_LENGTH;
import static io.shmipc.core.ring.SimpleIpcDescriptor.HEADER_LENGTH;
import static io.shmipc.core.ring.SimpleIpcDescriptor.MAGIC_DATA;
import static io.shmipc.core.ring.SimpleIpcDescriptor.READ_POS_OFFSET;
import static io.shmipc.core.ring.SimpleIpcDescriptor.WRITE_POS_OFFSET;
import static io.shmipc.core.ring.SimpleIpcDescriptor.blockHeader;
import static io.shmipc.core.ring.SimpleIpcDescriptor.blockLength;

abstract class LayoutFloorPad1
{
    byte p000, p001, p002, p003, p004, p005, p006, p007, p008, p009, p010, p011, p012, p013, p014, p015;
    byte p016, p017, p018, p019, p020, p021, p022, p023, p024, p025, p026, p027, p028, p029, p030, p031;
    byte p032, p033, p034, p035, p036, p037, p038, p039, p040, p041, p042, p043, p044, p045, p046, p047;
    byte p048, p049, p050, p051, p052, p053, p054, p055, p056, p057, p058, p059, p060, p061, p062, p063;
}

/** The fields the loops write, between two pads. */
abstract class LayoutFloorHotFields extends LayoutFloorPad1
{
    /** Pinger: the last value sent. Ponger: the last value echoed. */
    long counter;
    /** Position this side writes next in its outgoing queue (its writePos). */
    long writePosition;
    /** Position this side reads next in its incoming queue (its readPos). */
    long readPosition;
    /** Producer: readPos as last read (the producer reads readPos only when this says the queue is full). */
    long cachedReadPos;
    /** Sink of the loads made while polling, so the JIT keeps them. */
    long peeked;
    /** Messages that did not carry the value expected. */
    long torn;
    /** Throughput consumer: messages read in batches that stopped at {@link LayoutFloor#BATCH} (a backlog waited). */
    long backlogged;
}

abstract class LayoutFloorPad2 extends LayoutFloorHotFields
{
    byte p100, p101, p102, p103, p104, p105, p106, p107, p108, p109, p110, p111, p112, p113, p114, p115;
    byte p116, p117, p118, p119, p120, p121, p122, p123, p124, p125, p126, p127, p128, p129, p130, p131;
    byte p132, p133, p134, p135, p136, p137, p138, p139, p140, p141, p142, p143, p144, p145, p146, p147;
    byte p148, p149, p150, p151, p152, p153, p154, p155, p156, p157, p158, p159, p160, p161, p162, p163;
}

/**
 * The layout's floor: a minimal ring that keeps the SimpleIPC v1 bytes, as a round-method variant over the two
 * queues of a real SimpleIPC v1 segment, with the offsets of {@link io.shmipc.core.ring.SimpleIpcDescriptor}. No
 * ring logic, no checks, no consumed marks, no padding blocks:
 * <ul>
 *     <li>the producer writes the block (its 8-byte header, the message in one bulk copy, its first word last) at
 *     writePos, advancing through the data area as a ring does (to offset 0 when the block would not fit before the
 *     end), then stores writePos with release semantics (offset
 *     {@value io.shmipc.core.ring.SimpleIpcDescriptor#WRITE_POS_OFFSET});</li>
 *     <li>the consumer finds the block, copies the message out, and then stores readPos with release semantics
 *     (offset {@value io.shmipc.core.ring.SimpleIpcDescriptor#READ_POS_OFFSET}, the line next to writePos's):
 *     every read frees its space before it returns, as Agrona's {@code read} contract requires. The ponger writes
 *     its echo before that store, as a handler does.</li>
 * </ul>
 * With the spec rule ({@code floor-spec}) the consumer polls writePos, loading the block's line in the same poll so
 * that both misses may overlap (as {@code SimpleIpcRingBuffer} does). With header polling
 * ({@code floor-spec-headers}) it polls the block's first payload word for the value it expects (the producer
 * writes that word last, with release semantics), so it touches one line per message, as a reader that trusts a
 * shmipc writer does; the producer still stores writePos, which the layout requires of every producer.
 * <p>
 * What these add to the two-line floor ({@link FloorVariant}) is what the layout forces beyond two lines: the
 * readPos store on the line next to writePos and the block moving through memory. A ring that keeps these bytes
 * does more work than this floor, but it may still order its stores and loads better: the shmipc ring's spec-rule
 * poll also loads the next line, which this one does not, and its header-polling producer clears the next header
 * slot before it copies a short payload, which put it 10-15% under this floor's ping-pong on an AMD VM (storing
 * this floor's next polled word first did not move it there). So a goal this floor misses is one a minimal ring
 * misses, not a proven bound.
 * <p>
 * The same floor serves the throughput benchmark ({@link #produce}, {@link #consume}): the producer checks for room
 * against a cached readPos (reading readPos only when that says full) and stores writePos per message; the consumer
 * reads up to {@value #BATCH} blocks and stores readPos once per batch. With a producer batch above 1 the producer
 * stores writePos once per batch, as a ring's {@code append} + {@code publish} does. Single-threaded; allocates
 * nothing.
 */
final class LayoutFloor extends LayoutFloorPad2
{
    /** Throughput consumer: most messages read before readPos is stored, as the ring benchmark's consumer. */
    static final int BATCH = 256;
    /** Smallest message: its value and a time word. */
    static final int MIN_SIZE = 16;

    private final AtomicBuffer out;
    private final AtomicBuffer in;
    private final ControlFile control;
    private final int capacity;
    private final int mask;
    private final int length;
    private final long header;
    private final boolean pollHeaders;
    private final int size;
    private final int words;
    private final UnsafeBuffer message;
    private final UnsafeBuffer copy;
    private final long timeoutNanos;

    /**
     * @param out          the queue this side writes (its whole buffer: header and a data area whose capacity is a
     *                     power of two).
     * @param in           the queue this side reads.
     * @param size         message bytes, at least 16 (the value and a time).
     * @param pollHeaders  poll the block instead of writePos.
     * @param timeoutNanos the longest a round trip may take before the run fails.
     */
    LayoutFloor(final AtomicBuffer out, final AtomicBuffer in, final ControlFile control, final int size,
        final boolean pollHeaders, final long timeoutNanos)
    {
        if (size < MIN_SIZE)
        {
            throw new IllegalArgumentException("floor-spec: messages of at least " + MIN_SIZE + " bytes, got " + size);
        }
        this.out = out;
        this.in = in;
        this.control = control;
        this.capacity = out.capacity() - HEADER_LENGTH;
        if (Integer.bitCount(capacity) != 1)
        {
            throw new IllegalArgumentException("floor-spec: a capacity that is a power of two, got " + capacity);
        }
        this.mask = capacity - 1;
        this.length = blockLength(size);
        this.header = blockHeader(size, MAGIC_DATA);
        this.pollHeaders = pollHeaders;
        this.size = size;
        this.words = size / 8;
        this.message = new UnsafeBuffer(new byte[size]);
        this.copy = new UnsafeBuffer(new byte[size]);
        this.timeoutNanos = timeoutNanos;
        this.writePosition = out.getLongVolatile(WRITE_POS_OFFSET);
        this.readPosition = in.getLongVolatile(READ_POS_OFFSET);
        this.cachedReadPos = out.getLongVolatile(READ_POS_OFFSET);
    }

    /**
     * Pinger: round trips for {@code count} operations, or for {@code nanos} when count is 0.
     *
     * @return round trips done.
     * @throws IllegalStateException if an echo does not come within the timeout or carries the wrong value.
     */
    long ping(final long count, final long nanos, final Histogram histogram)
    {
        final long maxValue = null == histogram ? 0 : histogram.getHighestTrackableValue();
        final long start = System.nanoTime();
        long value = counter;
        long operations = 0;
        long now = start;
        while (count > 0 ? operations < count : now - start < nanos)
        {
            final long sent = System.nanoTime();
            send(++value, sent);
            final int offset = awaitBlock(value, sent);
            peeked += receive(offset, value);
            consumed();
            now = System.nanoTime();
            if (null != histogram)
            {
                histogram.recordValue(Math.min(now - sent, maxValue));
            }
            ++operations;
        }
        counter = value;
        checkNotTorn();
        return operations;
    }

    /**
     * Ponger: echo every message until the control file's switch counter moves on from {@code switchCount}.
     *
     * @return messages echoed.
     * @throws IllegalStateException if {@code deadline} (System.nanoTime) passes first.
     */
    long pong(final int switchCount, final long deadline)
    {
        final AtomicBuffer in = this.in;
        final boolean pollHeaders = this.pollHeaders;
        final ControlFile control = this.control;
        long echoed = 0;
        int spins = 0;
        while (true)
        {
            final int offset = blockOffset(readPosition);
            final long expected = counter + 1;
            if (arrived(in, offset, expected, pollHeaders))
            {
                send(expected, receive(offset, expected));
                consumed();
                counter = expected;
                ++echoed;
                continue;
            }
            Thread.onSpinWait();
            if ((++spins & 255) == 0)
            {
                if (control.switchCount() != switchCount)
                {
                    checkNotTorn();
                    return echoed;
                }
                if (System.nanoTime() - deadline > 0)
                {
                    throw new IllegalStateException("floor-spec ponger: run not done by its deadline");
                }
            }
        }
    }

    /**
     * @return messages {@link #consume} read in batches that stopped at {@value #BATCH}: the consumer was behind.
     */
    long backlogged()
    {
        return backlogged;
    }

    /**
     * Throughput consumer: read for {@code count} messages, or for {@code nanos} when count is 0: every block there
     * is, up to {@value #BATCH} a batch (with the spec rule: up to the writePos read once per batch), each read in
     * full, then one readPos store per batch; busy-spins on an empty queue.
     *
     * @return messages read.
     * @throws IllegalStateException if nothing arrives for the timeout or a message is not the one expected.
     */
    long consume(final long count, final long nanos)
    {
        final long start = System.nanoTime();
        long read = 0;
        long lastProgress = start;
        long now = start;
        while (count > 0 ? read < count : now - start < nanos)
        {
            final int batch = drain();
            now = System.nanoTime();
            if (batch > 0)
            {
                read += batch;
                lastProgress = now;
                if (BATCH == batch)
                {
                    backlogged += batch;
                }
            }
            else
            {
                Thread.onSpinWait();
                if (now - lastProgress > timeoutNanos)
                {
                    throw new IllegalStateException("floor-spec consumer: nothing arrived for " +
                        Durations.format(timeoutNanos) + " (is the producer alive?)");
                }
            }
        }
        checkNotTorn();
        return read;
    }

    /**
     * Throughput producer: write messages (carrying 1, 2, 3 ...) as fast as the queue has room, one writePos store
     * per {@code batch} messages (and one as soon as the queue is full, so the consumer can free it), until the
     * control file's switch counter moves on from {@code switchCount}, then publish what is written; busy-spins on a
     * full queue. With a batch above 1 it is the floor of a ring's {@code append} + {@code publish}.
     *
     * @param batch messages per writePos store, at least 1.
     * @return messages written.
     * @throws IllegalArgumentException if batch is below 1.
     * @throws IllegalStateException    if {@code deadline} (System.nanoTime) passes first.
     */
    long produce(final int switchCount, final long deadline, final int batch)
    {
        if (batch < 1)
        {
            throw new IllegalArgumentException("floor-spec producer: a batch of at least 1, got " + batch);
        }
        final ControlFile control = this.control;
        long written = 0;
        long spins = 0;
        int unpublished = 0;
        while (true)
        {
            if (hasRoom())
            {
                final long value = ++counter;
                writeBlock(value, value);
                if (++unpublished == batch)
                {
                    publish();
                    unpublished = 0;
                }
                if ((++written & 255) != 0)
                {
                    continue;
                }
            }
            else
            {
                if (unpublished > 0)
                {
                    publish();
                    unpublished = 0;
                }
                Thread.onSpinWait();
                if ((++spins & 255) != 0)
                {
                    continue;
                }
            }
            if (control.switchCount() != switchCount)
            {
                publish();
                return written;
            }
            if (System.nanoTime() - deadline > 0)
            {
                throw new IllegalStateException("floor-spec producer: run not done by its deadline");
            }
        }
    }

    /** Producer: does the next block fit? readPos is read only when the cached one says it does not. */
    private boolean hasRoom()
    {
        final long end = blockStart(writePosition) + length;
        if (end - cachedReadPos <= capacity)
        {
            return true;
        }
        cachedReadPos = out.getLongAcquire(READ_POS_OFFSET);
        return end - cachedReadPos <= capacity;
    }

    /** Read one batch; @return the messages read. */
    private int drain()
    {
        final AtomicBuffer in = this.in;
        final boolean pollHeaders = this.pollHeaders;
        final long bound = pollHeaders ? 0 : in.getLongAcquire(WRITE_POS_OFFSET);
        long position = readPosition;
        long expected = counter + 1;
        int read = 0;
        while (read < BATCH)
        {
            final int offset = blockOffset(position);
            if (pollHeaders ? in.getLongAcquire(offset + BLOCK_HEADER_LENGTH) != expected : bound - position <= 0)
            {
                break;
            }
            peeked += receive(offset, expected);
            position = blockStart(position) + length;
            ++expected;
            ++read;
        }
        if (read > 0)
        {
            counter = expected - 1;
            readPosition = position;
            in.putLongRelease(READ_POS_OFFSET, position);
        }
        return read;
    }

    /** Write one block at writePos ({@link #writeBlock}) and publish it ({@link #publish}). */
    private void send(final long value, final long time)
    {
        writeBlock(value, time);
        publish();
    }

    /**
     * Write one block at the producer's position: its header, the message copied in one bulk copy as a ring's write
     * does (its time word, and value + i in its last word i), then the value word, last and with release semantics.
     */
    private void writeBlock(final long value, final long time)
    {
        final AtomicBuffer out = this.out;
        final UnsafeBuffer message = this.message;
        final int offset = blockOffset(writePosition);
        final int payload = offset + BLOCK_HEADER_LENGTH;
        message.putLong(8, time);
        if (words > 2)
        {
            message.putLong(8 * (words - 1), value + words - 1);
        }
        out.putLong(offset, header);
        out.putBytes(payload + 8, message, 8, size - 8);
        out.putLongRelease(payload, value);
        writePosition = blockStart(writePosition) + length;
    }

    /** Store the producer's position as writePos, with release semantics: every block written so far is out. */
    private void publish()
    {
        out.putLongRelease(WRITE_POS_OFFSET, writePosition);
    }

    /**
     * Copy the message at {@code offset} out in one bulk copy, as a handler that decodes it would; a message that
     * does not carry {@code expected} in its first and last words is counted as torn.
     *
     * @return its time word.
     */
    private long receive(final int offset, final long expected)
    {
        final UnsafeBuffer copy = this.copy;
        in.getBytes(offset + BLOCK_HEADER_LENGTH, copy, 0, size);
        if (copy.getLong(0) != expected || (words > 2 && copy.getLong(8 * (words - 1)) != expected + words - 1))
        {
            ++torn;
        }
        return copy.getLong(8);
    }

    /** Pinger: spin until the echo of {@code value} is there; @return its buffer offset. */
    private int awaitBlock(final long value, final long sent)
    {
        final AtomicBuffer in = this.in;
        final boolean pollHeaders = this.pollHeaders;
        final int offset = blockOffset(readPosition);
        int spins = 0;
        while (!arrived(in, offset, value, pollHeaders))
        {
            Thread.onSpinWait();
            if ((++spins & 1023) == 0 && System.nanoTime() - sent > timeoutNanos)
            {
                counter = value;
                throw new IllegalStateException("floor-spec: no echo of " + value + " within " +
                    Durations.format(timeoutNanos) + " (is the ponger alive?)");
            }
        }
        return offset;
    }

    /**
     * One poll: with the spec rule, writePos beyond readPos (the block's line loaded first, so both misses overlap);
     * with header polling, the block's first payload word holding {@code expected}.
     */
    private boolean arrived(final AtomicBuffer in, final int offset, final long expected, final boolean pollHeaders)
    {
        if (pollHeaders)
        {
            return in.getLongAcquire(offset + BLOCK_HEADER_LENGTH) == expected;
        }
        peeked += in.getLong(offset);
        return in.getLongAcquire(WRITE_POS_OFFSET) != readPosition;
    }

    /** Free the block just read: store the new readPos with release semantics. */
    private void consumed()
    {
        readPosition = blockStart(readPosition) + length;
        in.putLongRelease(READ_POS_OFFSET, readPosition);
    }

    /** @return the position the block at {@code position} starts at: there, or at the wrap when it does not fit. */
    private long blockStart(final long position)
    {
        final int offset = (int)position & mask;
        return capacity - offset < length ? position + capacity - offset : position;
    }

    /** @return the buffer offset of the block at {@code position}. */
    private int blockOffset(final long position)
    {
        return HEADER_LENGTH + ((int)blockStart(position) & mask);
    }

    private void checkNotTorn()
    {
        if (torn > 0)
        {
            throw new IllegalStateException("floor-spec: " + torn + " messages did not carry the value expected " +
                "(the release stores do not order the lines?)");
        }
    }
}
