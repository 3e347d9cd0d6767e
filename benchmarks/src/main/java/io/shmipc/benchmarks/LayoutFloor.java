package io.shmipc.benchmarks;

import org.HdrHistogram.Histogram;
import org.agrona.concurrent.AtomicBuffer;

import static io.shmipc.core.ring.SimpleIpcDescriptor.BLOCK_HEADER_LENGTH;
import static io.shmipc.core.ring.SimpleIpcDescriptor.HEADER_LENGTH;
import static io.shmipc.core.ring.SimpleIpcDescriptor.MAGIC_DATA;
import static io.shmipc.core.ring.SimpleIpcDescriptor.READ_POS_OFFSET;
import static io.shmipc.core.ring.SimpleIpcDescriptor.WRITE_POS_OFFSET;
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
    /** Sink of the loads made while polling, so the JIT keeps them. */
    long peeked;
    /** Messages that did not carry the value expected. */
    long torn;
}

abstract class LayoutFloorPad2 extends LayoutFloorHotFields
{
    byte p100, p101, p102, p103, p104, p105, p106, p107, p108, p109, p110, p111, p112, p113, p114, p115;
    byte p116, p117, p118, p119, p120, p121, p122, p123, p124, p125, p126, p127, p128, p129, p130, p131;
    byte p132, p133, p134, p135, p136, p137, p138, p139, p140, p141, p142, p143, p144, p145, p146, p147;
    byte p148, p149, p150, p151, p152, p153, p154, p155, p156, p157, p158, p159, p160, p161, p162, p163;
}

/**
 * The layout's floor: the least any ring that keeps the SimpleIPC v1 bytes can do per message, as a round-method
 * variant over the two queues of a real SimpleIPC v1 segment, with the offsets of
 * {@link io.shmipc.core.ring.SimpleIpcDescriptor}. No ring logic, no checks, no consumed marks, no padding blocks:
 * <ul>
 *     <li>the producer writes the block (payload, then its 8-byte header) at writePos, advancing through the data
 *     area as a ring does (to offset 0 when the block would not fit before the end), then stores writePos with
 *     release semantics (offset {@value io.shmipc.core.ring.SimpleIpcDescriptor#WRITE_POS_OFFSET});</li>
 *     <li>the consumer finds the block, reads it, and then stores readPos with release semantics (offset
 *     {@value io.shmipc.core.ring.SimpleIpcDescriptor#READ_POS_OFFSET}, the line next to writePos's): every read
 *     frees its space before it returns, as Agrona's {@code read} contract requires. The ponger writes its echo
 *     before that store, as a handler does.</li>
 * </ul>
 * With the spec rule ({@code floor-spec}) the consumer polls writePos, loading the block's line in the same poll so
 * that both misses may overlap (as {@code SimpleIpcRingBuffer} does). With header polling
 * ({@code floor-spec-headers}) it polls the block's first payload word for the value it expects (the producer
 * writes that word last, with release semantics), so it touches one line per message, as a reader that trusts a
 * shmipc writer does; the producer still stores writePos, which the layout requires of every producer.
 * <p>
 * What these add to the two-line floor ({@link FloorVariant}) is what the layout forces beyond two lines: the
 * readPos store on the line next to writePos and the block moving through memory. A ring that keeps these bytes
 * cannot do better than this floor; Agrona's ring, with its own layout, can. Single-threaded; allocates nothing.
 */
final class LayoutFloor extends LayoutFloorPad2
{
    private final AtomicBuffer out;
    private final AtomicBuffer in;
    private final ControlFile control;
    private final int capacity;
    private final int mask;
    private final int length;
    private final long header;
    private final boolean pollHeaders;
    private final int words;
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
        if (size < 16)
        {
            throw new IllegalArgumentException("floor-spec: messages of at least 16 bytes, got " + size);
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
        this.header = ((long)MAGIC_DATA << 32) | size;
        this.pollHeaders = pollHeaders;
        this.words = size / 8;
        this.timeoutNanos = timeoutNanos;
        this.writePosition = out.getLongVolatile(WRITE_POS_OFFSET);
        this.readPosition = in.getLongVolatile(READ_POS_OFFSET);
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
            consumed(offset);
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
                consumed(offset);
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
     * Write one block at writePos, every whole word of its payload (the value, the time, then value + i in word i),
     * the value last with release semantics, and store the new writePos.
     */
    private void send(final long value, final long time)
    {
        final AtomicBuffer out = this.out;
        final int offset = blockOffset(writePosition);
        final int payload = offset + BLOCK_HEADER_LENGTH;
        out.putLong(offset, header);
        out.putLong(payload + 8, time);
        for (int i = 2; i < words; i++)
        {
            out.putLong(payload + 8 * i, value + i);
        }
        out.putLongRelease(payload, value);
        writePosition = blockStart(writePosition) + length;
        out.putLongRelease(WRITE_POS_OFFSET, writePosition);
    }

    /**
     * Read every whole word of the payload at {@code offset}, as a handler that copies the message does; a message
     * that does not carry {@code expected} is counted as torn.
     *
     * @return its time word.
     */
    private long receive(final int offset, final long expected)
    {
        final AtomicBuffer in = this.in;
        final int payload = offset + BLOCK_HEADER_LENGTH;
        long torn = in.getLong(payload) ^ expected;
        for (int i = 2; i < words; i++)
        {
            torn |= in.getLong(payload + 8 * i) ^ (expected + i);
        }
        if (0 != torn)
        {
            ++this.torn;
        }
        return in.getLong(payload + 8);
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

    /** Free the block read at {@code offset}: store the new readPos with release semantics. */
    private void consumed(final int offset)
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
