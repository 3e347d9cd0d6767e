package io.shmipc.benchmarks;

import io.shmipc.core.ring.SimpleIpcRingBuffer;
import io.shmipc.signals.NamedSignal;
import org.HdrHistogram.Histogram;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

abstract class RingPingerPad1
{
    byte p000, p001, p002, p003, p004, p005, p006, p007, p008, p009, p010, p011, p012, p013, p014, p015;
    byte p016, p017, p018, p019, p020, p021, p022, p023, p024, p025, p026, p027, p028, p029, p030, p031;
    byte p032, p033, p034, p035, p036, p037, p038, p039, p040, p041, p042, p043, p044, p045, p046, p047;
    byte p048, p049, p050, p051, p052, p053, p054, p055, p056, p057, p058, p059, p060, p061, p062, p063;
}

/** The fields the hot loop writes, between two pads. */
abstract class RingPingerHotFields extends RingPingerPad1
{
    /** Sequence number carried by the last reply. */
    long replySequence;
    /** Replies whose sequence number was not the one expected. */
    long mismatches;
    /** Round method: the last sequence number sent, kept between slices. */
    long lastSequence;
}

abstract class RingPingerPad2 extends RingPingerHotFields
{
    byte p100, p101, p102, p103, p104, p105, p106, p107, p108, p109, p110, p111, p112, p113, p114, p115;
    byte p116, p117, p118, p119, p120, p121, p122, p123, p124, p125, p126, p127, p128, p129, p130, p131;
    byte p132, p133, p134, p135, p136, p137, p138, p139, p140, p141, p142, p143, p144, p145, p146, p147;
    byte p148, p149, p150, p151, p152, p153, p154, p155, p156, p157, p158, p159, p160, p161, p162, p163;
}

/**
 * The measuring side of a ring ping-pong: sends a message of a fixed size on one ring, waits for its echo on the
 * other, and records the round trip in a histogram. Also drives the wake-up mode: paced one-way messages carrying
 * their send time, for the ponger to measure how long a sleeping reader takes to handle them.
 * <p>
 * The message carries its sequence number at offset 0 and its send time ({@link System#nanoTime()}, which is
 * {@code CLOCK_MONOTONIC} and so comparable across processes on one Linux machine) at offset 8; it is at least
 * 16 bytes. The instance is its own reply handler, so the hot loop allocates nothing. Single-threaded.
 */
final class RingPinger extends RingPingerPad2 implements MessageHandler
{
    private static final int MSG_TYPE_ID = 1;

    private final RingBuffer out;
    private final RingBuffer in;
    private final UnsafeBuffer message;
    private final int size;
    private final IdleStrategy idle;
    private final NamedSignal outSignal;
    private final SimpleIpcRingBuffer outWakeCheck;
    private final ControlFile control;
    private final long timeoutNanos;

    /**
     * @param out          the ring to the ponger.
     * @param in           the ring from the ponger.
     * @param size         message length in bytes, at least 16.
     * @param idle         how to wait for the echo.
     * @param outSignal    posted after each send when the ponger may be sleeping, or null when nobody sleeps.
     * @param control      the run's control file.
     * @param timeoutNanos the longest a round trip may take before the run fails.
     */
    RingPinger(
        final RingBuffer out,
        final RingBuffer in,
        final int size,
        final IdleStrategy idle,
        final NamedSignal outSignal,
        final ControlFile control,
        final long timeoutNanos)
    {
        this.out = out;
        this.in = in;
        this.size = size;
        this.message = new UnsafeBuffer(new byte[size]);
        this.idle = idle;
        this.outSignal = outSignal;
        this.outWakeCheck = out instanceof SimpleIpcRingBuffer ? (SimpleIpcRingBuffer)out : null;
        this.control = control;
        this.timeoutNanos = timeoutNanos;
    }

    /**
     * {@inheritDoc}
     */
    public void onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
    {
        replySequence = buffer.getLong(index);
    }

    /**
     * Warm up, then measure round trips into {@code histogram} (reset when the measurement starts), moving the
     * control file's phase from warm-up to measure.
     *
     * @return the round trips measured.
     * @throws IllegalStateException if an echo does not come within the timeout or carries the wrong sequence.
     */
    long pingPong(final RunLength run, final Histogram histogram, final PhaseClock clock)
    {
        control.phase(ControlFile.WARMUP);
        long sequence = loop(run, histogram, true, 0);
        histogram.reset();
        control.phase(ControlFile.MEASURE);
        clock.start();
        final long before = sequence;
        sequence = loop(run, histogram, false, sequence);
        clock.stop();
        if (mismatches > 0)
        {
            throw new IllegalStateException(mismatches + " echoes carried the wrong sequence number");
        }
        return sequence - before;
    }

    /**
     * Round method: round trips for {@code count} operations, or for {@code nanos} when count is 0, each recorded
     * into {@code histogram} when it is not null.
     *
     * @return round trips done.
     * @throws IllegalStateException if an echo does not come within the timeout or carries the wrong sequence.
     */
    long slice(final long count, final long nanos, final Histogram histogram)
    {
        final long maxValue = null == histogram ? 0 : histogram.getHighestTrackableValue();
        final long start = System.nanoTime();
        long sequence = lastSequence;
        long operations = 0;
        long now = start;
        while (count > 0 ? operations < count : now - start < nanos)
        {
            final long sent = System.nanoTime();
            roundTrip(++sequence, sent);
            now = System.nanoTime();
            if (null != histogram)
            {
                histogram.recordValue(Math.min(now - sent, maxValue));
            }
            ++operations;
        }
        lastSequence = sequence;
        if (mismatches > 0)
        {
            throw new IllegalStateException(mismatches + " echoes carried the wrong sequence number");
        }
        return operations;
    }

    /**
     * Round method, wake-up mode: wait {@code gapNanos}, then send {@code count} one-way messages, each followed by
     * {@code gapNanos} of sleep, and return once the ponger has consumed them all.
     *
     * @return messages sent.
     */
    long oneWay(final long count, final long gapNanos)
    {
        sleep(gapNanos);
        for (long i = 0; i < count; i++)
        {
            send(++lastSequence, System.nanoTime());
            sleep(gapNanos);
        }
        awaitConsumed();
        return count;
    }

    /**
     * Wait (up to the timeout) until the ponger has consumed every message sent: its handler records a message
     * before it moves readPos on, so once readPos reaches writePos every sample is in, and the round may end
     * without a late one falling into the next round (a descheduled ponger on a loaded machine).
     */
    private void awaitConsumed()
    {
        final long start = System.nanoTime();
        while (out.consumerPosition() < out.producerPosition() && System.nanoTime() - start < timeoutNanos)
        {
            sleep(10_000);
        }
    }

    private long loop(final RunLength run, final Histogram histogram, final boolean warmup, final long firstSequence)
    {
        final long start = System.nanoTime();
        final long maxValue = histogram.getHighestTrackableValue();
        long sequence = firstSequence;
        long operations = 0;
        long now = start;
        while (!(warmup ? run.warmupDone(operations, now - start) : run.measureDone(operations, now - start)))
        {
            final long sent = System.nanoTime();
            roundTrip(++sequence, sent);
            now = System.nanoTime();
            histogram.recordValue(Math.min(now - sent, maxValue));
            if ((++operations & 1023) == 0)
            {
                control.progress(operations);
            }
        }
        control.progress(operations);
        return sequence;
    }

    private void roundTrip(final long sequence, final long sent)
    {
        send(sequence, sent);
        final IdleStrategy idle = this.idle;
        final RingBuffer in = this.in;
        idle.reset();
        int polls = 0;
        while (0 == in.read(this, 1))
        {
            idle.idle();
            if ((++polls & 1023) == 0 && System.nanoTime() - sent > timeoutNanos)
            {
                throw new IllegalStateException("no echo of round trip " + sequence + " within " +
                    Durations.format(timeoutNanos) + " (is the ponger alive?)");
            }
        }
        if (replySequence != sequence)
        {
            ++mismatches;
        }
    }

    private void send(final long sequence, final long sent)
    {
        final UnsafeBuffer message = this.message;
        message.putLong(0, sequence);
        message.putLong(8, sent);
        int attempts = 0;
        while (!out.write(MSG_TYPE_ID, message, 0, size))
        {
            Thread.onSpinWait();
            if ((++attempts & 1023) == 0 && System.nanoTime() - sent > timeoutNanos)
            {
                throw new IllegalStateException("ring to the ponger stayed full for " + Durations.format(timeoutNanos));
            }
        }
        final NamedSignal outSignal = this.outSignal;
        if (null != outSignal && (null == outWakeCheck || outWakeCheck.readerNeedsWakeUp()))
        {
            outSignal.post();
        }
    }

    /**
     * Wake-up mode: warm up both sides with ping-pong round trips (so that neither the send nor the receive path
     * runs interpreted), stay silent for {@code idleNanos} (phase idle, the ponger measures its idle CPU), then
     * send {@code samples} one-way messages {@code gapNanos} apart (phase wake-up); the ponger records each one's
     * latency from send to handling. This thread sleeps between sends: it never spins.
     */
    void wakeUps(final RunLength run, final long idleNanos, final int samples, final long gapNanos)
    {
        control.phase(ControlFile.WARMUP);
        final long sequence = loop(run, PeerCommand.newHistogram(), true, 0);
        control.phase(ControlFile.IDLE);
        nudge();
        sleep(idleNanos);
        control.phase(ControlFile.WAKE);
        nudge();
        sleep(gapNanos);
        for (int i = 1; i <= samples; i++)
        {
            send(sequence + i, System.nanoTime());
            control.progress(i);
            sleep(gapNanos);
        }
    }

    /**
     * Tell a ponger that may be blocked on its signal to look at the control file.
     */
    void nudge()
    {
        if (null != outSignal)
        {
            outSignal.post();
        }
    }

    private static void sleep(final long nanos)
    {
        final long deadline = System.nanoTime() + nanos;
        long left;
        while ((left = deadline - System.nanoTime()) > 0)
        {
            LockSupport.parkNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)));
        }
    }
}
