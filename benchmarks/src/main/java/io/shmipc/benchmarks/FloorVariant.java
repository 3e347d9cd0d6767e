package io.shmipc.benchmarks;

import org.HdrHistogram.Histogram;
import org.agrona.concurrent.UnsafeBuffer;

abstract class FloorVariantPad1
{
    byte p000, p001, p002, p003, p004, p005, p006, p007, p008, p009, p010, p011, p012, p013, p014, p015;
    byte p016, p017, p018, p019, p020, p021, p022, p023, p024, p025, p026, p027, p028, p029, p030, p031;
    byte p032, p033, p034, p035, p036, p037, p038, p039, p040, p041, p042, p043, p044, p045, p046, p047;
    byte p048, p049, p050, p051, p052, p053, p054, p055, p056, p057, p058, p059, p060, p061, p062, p063;
}

/** The fields written between slices, between two pads. */
abstract class FloorVariantHotFields extends FloorVariantPad1
{
    /** Pinger: the last value sent. Ponger: the last value echoed. */
    long counter;
    /** Two-line floor: sink of the data-line loads made while polling, so the JIT keeps them. */
    long peeked;
    /** Two-line floor: messages whose data line did not carry the value its position line announced. */
    long torn;
}

abstract class FloorVariantPad2 extends FloorVariantHotFields
{
    byte p100, p101, p102, p103, p104, p105, p106, p107, p108, p109, p110, p111, p112, p113, p114, p115;
    byte p116, p117, p118, p119, p120, p121, p122, p123, p124, p125, p126, p127, p128, p129, p130, p131;
    byte p132, p133, p134, p135, p136, p137, p138, p139, p140, p141, p142, p143, p144, p145, p146, p147;
    byte p148, p149, p150, p151, p152, p153, p154, p155, p156, p157, p158, p159, p160, p161, p162, p163;
}

/**
 * The hardware floor as a round-method variant: the raw cache-line ping-pong of {@link FloorPingPong} on the
 * control file's floor slot {@code slot}, so that several floor variants can be interleaved (the self-check runs
 * two). A slot holds {@value ControlFile#FLOOR_LINES} pairs of a ping line and a pong line; round trip {@code v} uses
 * pair {@code v % FLOOR_LINES}, which both sides derive from the counter, so the floor is the cost of moving a line
 * averaged over addresses, as a ring's data sees it, rather than the cost of one line, which depends on its address
 * ({@link ControlFile#FLOOR_LINES}). Both sides busy-spin; the loops allocate nothing.
 * <p>
 * <b>The two-line floor</b> ({@code floor-2line}) is the least any reader bound by the SimpleIPC v1 rule can do: the
 * sender writes a 32-byte message on one line (the block) and then, with release semantics, a position on another
 * line (writePos); the receiver polls the position, loading the data line in the same poll so that both misses may
 * overlap (as {@code SimpleIpcRingBuffer} does), and then reads the message. No ring logic, no checks: the cost of
 * the layout's two cache lines alone, to which the spec-rule ring can be compared. The message moves through the
 * line pairs of floor slot {@code slot + 1}, as a ring's blocks move through its data area, while each position
 * stays on the first pair of slot {@code slot}, as writePos stays on one line of a segment: a fixed line's cost
 * depends on its address, and on an AMD VM, with the positions moving too, this floor had been at 0.68-0.82x
 * Agrona's ring, which no spec-rule reader, bound to one writePos line, could take as its bound (with them fixed:
 * 0.86, 1.03 and 0.99x in three pairs of processes, issue 14).
 * <p>
 * Single-threaded.
 */
final class FloorVariant extends FloorVariantPad2
{
    private final ControlFile control;
    private final UnsafeBuffer buffer;
    private final int pingOffset;
    private final int pongOffset;
    private final long timeoutNanos;
    private final boolean twoLines;
    private final int pingData;
    private final int pongData;

    /**
     * @param slot     the control file's floor slot (and, with two lines, the next one too).
     * @param twoLines the two-line floor (see the class comment) instead of the one-line floor.
     */
    FloorVariant(final ControlFile control, final int slot, final long timeoutNanos, final boolean twoLines)
    {
        this.control = control;
        this.buffer = control.buffer();
        this.pingOffset = ControlFile.floorPingOffset(slot);
        this.pongOffset = pingOffset + ControlFile.FLOOR_PONG_DISTANCE;
        this.timeoutNanos = timeoutNanos;
        this.twoLines = twoLines;
        this.pingData = twoLines ? ControlFile.floorPingOffset(slot + 1) : -1;
        this.pongData = twoLines ? pingData + ControlFile.FLOOR_PONG_DISTANCE : -1;
    }

    /**
     * Pinger: round trips for {@code count} operations, or for {@code nanos} when count is 0.
     *
     * @return round trips done.
     */
    long ping(final long count, final long nanos, final Histogram histogram)
    {
        if (twoLines)
        {
            return ping2(count, nanos, histogram);
        }
        final UnsafeBuffer buffer = this.buffer;
        final int pingOffset = this.pingOffset;
        final int pongOffset = this.pongOffset;
        final long maxValue = null == histogram ? 0 : histogram.getHighestTrackableValue();
        final long start = System.nanoTime();
        long value = counter;
        long operations = 0;
        long now = start;
        while (count > 0 ? operations < count : now - start < nanos)
        {
            final long sent = System.nanoTime();
            final int line = ControlFile.floorLine(++value);
            buffer.putLongRelease(pingOffset + line, value);
            int spins = 0;
            while (buffer.getLongVolatile(pongOffset + line) != value)
            {
                Thread.onSpinWait();
                if ((++spins & 1023) == 0 && System.nanoTime() - sent > timeoutNanos)
                {
                    counter = value;
                    throw new IllegalStateException("floor: no echo of " + value + " within " +
                        Durations.format(timeoutNanos) + " (is the ponger alive?)");
                }
            }
            now = System.nanoTime();
            if (null != histogram)
            {
                histogram.recordValue(Math.min(now - sent, maxValue));
            }
            ++operations;
        }
        counter = value;
        return operations;
    }

    /**
     * Ponger: echo every new ping value until the control file's switch counter moves on from {@code switchCount}.
     *
     * @return values echoed.
     * @throws IllegalStateException if {@code deadline} (System.nanoTime) passes first.
     */
    long pong(final int switchCount, final long deadline)
    {
        if (twoLines)
        {
            return pong2(switchCount, deadline);
        }
        final UnsafeBuffer buffer = this.buffer;
        final int pingOffset = this.pingOffset;
        final int pongOffset = this.pongOffset;
        final ControlFile control = this.control;
        long last = counter;
        long echoed = 0;
        int spins = 0;
        while (true)
        {
            final int line = ControlFile.floorLine(last + 1);
            final long value = buffer.getLongVolatile(pingOffset + line);
            if (value == last + 1)
            {
                buffer.putLongRelease(pongOffset + line, value);
                last = value;
                ++echoed;
                continue;
            }
            Thread.onSpinWait();
            if ((++spins & 255) == 0)
            {
                if (control.switchCount() != switchCount)
                {
                    counter = last;
                    return echoed;
                }
                if (System.nanoTime() - deadline > 0)
                {
                    counter = last;
                    throw new IllegalStateException("floor ponger: run not done by its deadline");
                }
            }
        }
    }

    /** Two-line floor, pinger: write the message, then its position; wait for the echo's position, read it. */
    private long ping2(final long count, final long nanos, final Histogram histogram)
    {
        final UnsafeBuffer buffer = this.buffer;
        final int pingOffset = this.pingOffset;
        final int pongOffset = this.pongOffset;
        final int pingData = this.pingData;
        final int pongData = this.pongData;
        final long maxValue = null == histogram ? 0 : histogram.getHighestTrackableValue();
        final long start = System.nanoTime();
        long value = counter;
        long sink = 0;
        long operations = 0;
        long now = start;
        while (count > 0 ? operations < count : now - start < nanos)
        {
            final long sent = System.nanoTime();
            ++value;
            final int line = ControlFile.floorLine(value);
            writeMessage(buffer, pingData + line, value, sent);
            buffer.putLongRelease(pingOffset, value);
            int spins = 0;
            while (true)
            {
                sink += buffer.getLong(pongData + line);
                if (buffer.getLongVolatile(pongOffset) == value)
                {
                    break;
                }
                Thread.onSpinWait();
                if ((++spins & 1023) == 0 && System.nanoTime() - sent > timeoutNanos)
                {
                    counter = value;
                    throw new IllegalStateException("floor-2line: no echo of " + value + " within " +
                        Durations.format(timeoutNanos) + " (is the ponger alive?)");
                }
            }
            sink += readMessage(buffer, pongData + line, value);
            now = System.nanoTime();
            if (null != histogram)
            {
                histogram.recordValue(Math.min(now - sent, maxValue));
            }
            ++operations;
        }
        counter = value;
        peeked = sink;
        checkNotTorn();
        return operations;
    }

    private void checkNotTorn()
    {
        if (torn > 0)
        {
            throw new IllegalStateException("floor-2line: " + torn + " messages did not carry the value their " +
                "position announced (the release store does not order the lines?)");
        }
    }

    /** Two-line floor, ponger: wait for a new position, read the message, echo it and its position. */
    private long pong2(final int switchCount, final long deadline)
    {
        final UnsafeBuffer buffer = this.buffer;
        final int pingOffset = this.pingOffset;
        final int pongOffset = this.pongOffset;
        final int pingData = this.pingData;
        final int pongData = this.pongData;
        final ControlFile control = this.control;
        long last = counter;
        long sink = 0;
        long echoed = 0;
        int spins = 0;
        while (true)
        {
            final int line = ControlFile.floorLine(last + 1);
            sink += buffer.getLong(pingData + line);
            final long value = buffer.getLongVolatile(pingOffset);
            if (value == last + 1)
            {
                final long sent = readMessage(buffer, pingData + line, value);
                writeMessage(buffer, pongData + line, value, sent);
                buffer.putLongRelease(pongOffset, value);
                last = value;
                ++echoed;
                continue;
            }
            Thread.onSpinWait();
            if ((++spins & 255) == 0)
            {
                if (control.switchCount() != switchCount)
                {
                    counter = last;
                    peeked = sink;
                    checkNotTorn();
                    return echoed;
                }
                if (System.nanoTime() - deadline > 0)
                {
                    counter = last;
                    throw new IllegalStateException("floor-2line ponger: run not done by its deadline");
                }
            }
        }
    }

    /** The 32-byte message: its value, a time and two more words, as a 32-byte ring message would carry. */
    private static void writeMessage(final UnsafeBuffer buffer, final int offset, final long value, final long time)
    {
        buffer.putLong(offset, value);
        buffer.putLong(offset + 8, time);
        buffer.putLong(offset + 16, value ^ time);
        buffer.putLong(offset + 24, ~value);
    }

    /** @return the message's time word; a message that does not carry {@code value} is counted as torn. */
    private long readMessage(final UnsafeBuffer buffer, final int offset, final long value)
    {
        if (buffer.getLong(offset) != value || buffer.getLong(offset + 24) != ~value)
        {
            ++torn;
        }
        return buffer.getLong(offset + 8) + buffer.getLong(offset + 16);
    }
}
