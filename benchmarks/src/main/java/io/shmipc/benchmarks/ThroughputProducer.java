package io.shmipc.benchmarks;

import io.shmipc.core.ring.SimpleIpcRingBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;

/**
 * The producer of the throughput benchmark: writes messages of one size as fast as the ring takes them, one
 * {@code write} (one publication) per message, from the consumer's start signal until the consumer says
 * {@link ControlFile#DONE}. It busy-spins on a full ring: 100% of a core for the whole run. Single-threaded.
 */
final class ThroughputProducer
{
    private static final int MSG_TYPE_ID = 1;

    private ThroughputProducer()
    {
    }

    /**
     * @return messages written.
     * @throws IllegalStateException if the run is not done within {@code maxLifeNanos}.
     */
    static long run(
        final RingBuffer ring,
        final int size,
        final ControlFile control,
        final PhaseClock clock,
        final long maxLifeNanos)
    {
        final UnsafeBuffer message = new UnsafeBuffer(new byte[size]);
        message.setMemory(0, size, (byte)0x5A);
        final long deadline = System.nanoTime() + maxLifeNanos;
        control.ready();
        long written = 0;
        long spins = 0;
        int phase = ControlFile.INIT;
        while (true)
        {
            if (phase >= ControlFile.WARMUP && ring.write(MSG_TYPE_ID, message, 0, size))
            {
                message.putLong(0, ++written);
                if ((written & 255) != 0)
                {
                    continue;
                }
            }
            else
            {
                Thread.onSpinWait();
                if ((++spins & 255) != 0)
                {
                    continue;
                }
            }
            final int now = control.phase();
            if (now != phase)
            {
                if (ControlFile.MEASURE == now)
                {
                    clock.start();
                }
                else if (ControlFile.MEASURE == phase)
                {
                    clock.stop();
                }
                phase = now;
                if (ControlFile.DONE == phase)
                {
                    return written;
                }
            }
            if (System.nanoTime() - deadline > 0)
            {
                throw new IllegalStateException("throughput producer: run not done within " +
                    Durations.format(maxLifeNanos) + ", still in phase " + ControlFile.phaseName(phase));
            }
        }
    }

    /**
     * Round method: write {@code message} as fast as the ring takes it until the control file's switch counter
     * moves on from {@code switchCount} (checked every 256 writes or full polls). With {@code batch} above 1 a shmipc
     * ring appends that many messages and publishes them with one store ({@code append} + {@code publish}); other
     * rings write one message per publication.
     *
     * @param deadline System.nanoTime by which the whole run must be done.
     * @return messages written.
     * @throws IllegalStateException if the deadline passes first.
     */
    static long serve(
        final RingBuffer ring,
        final UnsafeBuffer message,
        final int size,
        final int batch,
        final ControlFile control,
        final int switchCount,
        final long deadline)
    {
        if (batch > 1 && ring instanceof SimpleIpcRingBuffer)
        {
            return serveBatched((SimpleIpcRingBuffer)ring, message, size, batch, control, switchCount, deadline);
        }
        long written = 0;
        long spins = 0;
        while (true)
        {
            if (ring.write(MSG_TYPE_ID, message, 0, size))
            {
                message.putLong(0, ++written);
                if ((written & 255) != 0)
                {
                    continue;
                }
            }
            else
            {
                Thread.onSpinWait();
                if ((++spins & 255) != 0)
                {
                    continue;
                }
            }
            if (control.switchCount() != switchCount)
            {
                return written;
            }
            if (System.nanoTime() - deadline > 0)
            {
                throw new IllegalStateException("throughput producer: run not done by its deadline");
            }
        }
    }

    /** As {@link #serve}, appending {@code batch} messages per publish (and publishing early when the ring is full). */
    private static long serveBatched(
        final SimpleIpcRingBuffer ring,
        final UnsafeBuffer message,
        final int size,
        final int batch,
        final ControlFile control,
        final int switchCount,
        final long deadline)
    {
        long written = 0;
        long spins = 0;
        int appended = 0;
        while (true)
        {
            if (ring.append(message, 0, size))
            {
                message.putLong(0, ++written);
                if (++appended == batch)
                {
                    ring.publish();
                    appended = 0;
                }
                if ((written & 255) != 0)
                {
                    continue;
                }
            }
            else
            {
                if (appended > 0)
                {
                    ring.publish(); // a full ring: let the consumer have what is there
                    appended = 0;
                }
                Thread.onSpinWait();
                if ((++spins & 255) != 0)
                {
                    continue;
                }
            }
            if (control.switchCount() != switchCount)
            {
                ring.publish();
                return written;
            }
            if (System.nanoTime() - deadline > 0)
            {
                throw new IllegalStateException("throughput producer: run not done by its deadline");
            }
        }
    }
}
