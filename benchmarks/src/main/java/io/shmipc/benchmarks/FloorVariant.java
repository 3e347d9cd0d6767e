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
 * control file's floor slot {@code slot} (each slot is a ping line and a pong line of its own), so that several floor
 * variants can be interleaved (the self-check runs two). Both sides busy-spin; the loops allocate nothing.
 * Single-threaded.
 */
final class FloorVariant extends FloorVariantPad2
{
    private final ControlFile control;
    private final UnsafeBuffer buffer;
    private final int pingOffset;
    private final int pongOffset;
    private final long timeoutNanos;

    FloorVariant(final ControlFile control, final int slot, final long timeoutNanos)
    {
        this.control = control;
        this.buffer = control.buffer();
        this.pingOffset = ControlFile.floorPingOffset(slot);
        this.pongOffset = pingOffset + 128;
        this.timeoutNanos = timeoutNanos;
    }

    /**
     * Pinger: round trips for {@code count} operations, or for {@code nanos} when count is 0.
     *
     * @return round trips done.
     */
    long ping(final long count, final long nanos, final Histogram histogram)
    {
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
            buffer.putLongRelease(pingOffset, ++value);
            int spins = 0;
            while (buffer.getLongVolatile(pongOffset) != value)
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
        final UnsafeBuffer buffer = this.buffer;
        final int pingOffset = this.pingOffset;
        final int pongOffset = this.pongOffset;
        final ControlFile control = this.control;
        long last = counter;
        long echoed = 0;
        int spins = 0;
        while (true)
        {
            final long value = buffer.getLongVolatile(pingOffset);
            if (value != last)
            {
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
}
