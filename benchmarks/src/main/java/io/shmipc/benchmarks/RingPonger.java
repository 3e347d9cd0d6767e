package io.shmipc.benchmarks;

import io.shmipc.core.ring.SimpleIpcRingBuffer;
import io.shmipc.signals.NamedSignal;
import org.HdrHistogram.Histogram;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.ringbuffer.RingBuffer;

abstract class RingPongerPad1
{
    byte p000, p001, p002, p003, p004, p005, p006, p007, p008, p009, p010, p011, p012, p013, p014, p015;
    byte p016, p017, p018, p019, p020, p021, p022, p023, p024, p025, p026, p027, p028, p029, p030, p031;
    byte p032, p033, p034, p035, p036, p037, p038, p039, p040, p041, p042, p043, p044, p045, p046, p047;
    byte p048, p049, p050, p051, p052, p053, p054, p055, p056, p057, p058, p059, p060, p061, p062, p063;
}

/** The fields the hot loop writes, between two pads. */
abstract class RingPongerHotFields extends RingPongerPad1
{
    /** Messages handled. */
    long handled;
    /** Echo messages (ping-pong, warm-up); false in the wake-up phase, where their latency is recorded. */
    boolean echo = true;
    /** Where wake-up latencies go. */
    Histogram record;
}

abstract class RingPongerPad2 extends RingPongerHotFields
{
    byte p100, p101, p102, p103, p104, p105, p106, p107, p108, p109, p110, p111, p112, p113, p114, p115;
    byte p116, p117, p118, p119, p120, p121, p122, p123, p124, p125, p126, p127, p128, p129, p130, p131;
    byte p132, p133, p134, p135, p136, p137, p138, p139, p140, p141, p142, p143, p144, p145, p146, p147;
    byte p148, p149, p150, p151, p152, p153, p154, p155, p156, p157, p158, p159, p160, p161, p162, p163;
}

/**
 * The passive side of a ring ping-pong: polls one ring with its idle strategy and echoes each message on the
 * other ring, except in the wake-up phase, where it records how long after its send time each message was handled.
 * It follows the run's phases in the control file, measuring its own thread's CPU time over the measure phase and
 * over the idle phase, and stops at {@link ControlFile#DONE}. The instance is its own handler, so polling allocates
 * nothing. Single-threaded.
 */
final class RingPonger extends RingPongerPad2 implements MessageHandler
{
    private static final int MSG_TYPE_ID = 1;

    private final RingBuffer in;
    private final RingBuffer out;
    private final IdleStrategy idle;
    private final NamedSignal outSignal;
    private final SimpleIpcRingBuffer outWakeCheck;
    private final ControlFile control;
    private final Histogram wakeUps;
    private final PhaseClock measureClock = new PhaseClock();
    private final PhaseClock idleClock = new PhaseClock();

    /**
     * @param in        the ring from the pinger.
     * @param out       the ring back to the pinger.
     * @param idle      what to do on an empty poll.
     * @param outSignal posted after each echo when the pinger may be sleeping, or null.
     * @param control   the run's control file.
     * @param wakeUps   histogram of one-way latencies (wake-up mode).
     */
    RingPonger(
        final RingBuffer in,
        final RingBuffer out,
        final IdleStrategy idle,
        final NamedSignal outSignal,
        final ControlFile control,
        final Histogram wakeUps)
    {
        this.in = in;
        this.out = out;
        this.idle = idle;
        this.outSignal = outSignal;
        this.outWakeCheck = out instanceof SimpleIpcRingBuffer ? (SimpleIpcRingBuffer)out : null;
        this.control = control;
        this.wakeUps = wakeUps;
        this.record = wakeUps;
    }

    /**
     * {@inheritDoc}
     */
    public void onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
    {
        ++handled;
        if (!echo)
        {
            final Histogram record = this.record;
            record.recordValue(Math.min(Math.max(0, System.nanoTime() - buffer.getLong(index + 8)),
                record.getHighestTrackableValue()));
            return;
        }
        while (!out.write(MSG_TYPE_ID, buffer, index, length))
        {
            // the pinger sends one message at a time, so the ring back cannot stay full; bounded by the pinger's
            // timeout, after which the parent kills this process
            Thread.onSpinWait();
        }
        final NamedSignal outSignal = this.outSignal;
        if (null != outSignal && (null == outWakeCheck || outWakeCheck.readerNeedsWakeUp()))
        {
            outSignal.post();
        }
    }

    /**
     * Poll until the run is done.
     *
     * @param maxLifeNanos how long this may take at most.
     * @throws IllegalStateException when {@code maxLifeNanos} passes before the run is done.
     */
    void run(final long maxLifeNanos)
    {
        final long deadline = System.nanoTime() + maxLifeNanos;
        final RingBuffer in = this.in;
        final IdleStrategy idle = this.idle;
        final ControlFile control = this.control;
        control.ready();
        int phase = ControlFile.INIT;
        long emptyPolls = 0;
        while (true)
        {
            final int read = in.read(this, 64);
            if (0 == read)
            {
                final int now = control.phase();
                if (now != phase)
                {
                    onPhaseChange(phase, now);
                    phase = now;
                    if (ControlFile.DONE == phase)
                    {
                        return;
                    }
                }
                if ((++emptyPolls & 4095) == 0 && System.nanoTime() - deadline > 0)
                {
                    throw new IllegalStateException("run not done within " + Durations.format(maxLifeNanos) +
                        ", still in phase " + ControlFile.phaseName(phase));
                }
            }
            idle.idle(read);
        }
    }

    /**
     * Round method: echo every message, or with {@code record} not null record its one-way latency instead, until
     * the control file's switch counter moves on from {@code switchCount}.
     *
     * @param deadline System.nanoTime by which the whole run must be done.
     * @return messages handled.
     * @throws IllegalStateException if the deadline passes first.
     */
    long serve(final int switchCount, final Histogram record, final long deadline)
    {
        this.record = null == record ? wakeUps : record;
        this.echo = null == record;
        final RingBuffer in = this.in;
        final IdleStrategy idle = this.idle;
        final ControlFile control = this.control;
        final long before = handled;
        long emptyPolls = 0;
        idle.reset();
        while (true)
        {
            final int read = in.read(this, 64);
            if (0 == read)
            {
                if (control.switchCount() != switchCount)
                {
                    return handled - before;
                }
                if ((++emptyPolls & 4095) == 0 && System.nanoTime() - deadline > 0)
                {
                    throw new IllegalStateException("ponger: run not done by its deadline");
                }
            }
            idle.idle(read);
        }
    }

    private void onPhaseChange(final int from, final int to)
    {
        echo = ControlFile.WAKE != to;
        if (ControlFile.MEASURE == from)
        {
            measureClock.stop();
        }
        if (ControlFile.IDLE == from)
        {
            idleClock.stop();
        }
        if (ControlFile.MEASURE == to)
        {
            measureClock.start();
        }
        if (ControlFile.IDLE == to)
        {
            idleClock.start();
        }
    }

    PhaseClock measureClock()
    {
        return measureClock;
    }

    PhaseClock idleClock()
    {
        return idleClock;
    }

    long handled()
    {
        return handled;
    }
}
