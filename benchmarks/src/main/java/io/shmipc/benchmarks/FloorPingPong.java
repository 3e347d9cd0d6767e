package io.shmipc.benchmarks;

import org.HdrHistogram.Histogram;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The hardware floor of a cross-process round trip: two processes hand a counter back and forth through a mapped
 * file, each way on a cache line of its own, moving through the {@value ControlFile#FLOOR_LINES} pairs of lines of
 * the control file's floor slot 0 ({@link ControlFile#floorLine}: a line's cost depends on its address), both sides
 * busy-spinning. No ring, no payload: what is left is the cost of moving a cache line from one core to
 * another and back, which no queue between two processes can beat.
 * <p>
 * Both loops spin with {@link Thread#onSpinWait()} and burn 100% of a core each; both are bounded by a timeout.
 */
final class FloorPingPong
{
    /** The first ping line: floor slot 0, which this floor has to itself (it runs in processes of its own). */
    private static final int PING = ControlFile.floorPingOffset(0);

    private FloorPingPong()
    {
    }

    /**
     * The measuring side: warm up, then record each round trip into {@code histogram} (reset when measuring starts).
     *
     * @return the round trips measured.
     * @throws IllegalStateException if the echo does not come within {@code timeoutNanos}.
     */
    static long ping(
        final ControlFile control,
        final RunLength run,
        final Histogram histogram,
        final PhaseClock clock,
        final long timeoutNanos)
    {
        control.phase(ControlFile.WARMUP);
        long counter = loop(control, run, histogram, true, 0, timeoutNanos);
        histogram.reset();
        control.phase(ControlFile.MEASURE);
        clock.start();
        final long before = counter;
        counter = loop(control, run, histogram, false, counter, timeoutNanos);
        clock.stop();
        return counter - before;
    }

    private static long loop(
        final ControlFile control,
        final RunLength run,
        final Histogram histogram,
        final boolean warmup,
        final long first,
        final long timeoutNanos)
    {
        final UnsafeBuffer buffer = control.buffer();
        final long maxValue = histogram.getHighestTrackableValue();
        final long start = System.nanoTime();
        long counter = first;
        long operations = 0;
        long now = start;
        while (!(warmup ? run.warmupDone(operations, now - start) : run.measureDone(operations, now - start)))
        {
            final long sent = System.nanoTime();
            final long value = ++counter;
            final int ping = PING + ControlFile.floorLine(value);
            buffer.putLongRelease(ping, value);
            int spins = 0;
            while (buffer.getLongVolatile(ping + ControlFile.FLOOR_PONG_DISTANCE) != value)
            {
                Thread.onSpinWait();
                if ((++spins & 1023) == 0 && System.nanoTime() - sent > timeoutNanos)
                {
                    throw new IllegalStateException("floor: no echo of " + value + " within " +
                        Durations.format(timeoutNanos) + " (is the ponger alive?)");
                }
            }
            now = System.nanoTime();
            histogram.recordValue(Math.min(now - sent, maxValue));
            if ((++operations & 1023) == 0)
            {
                control.progress(operations);
            }
        }
        control.progress(operations);
        return counter;
    }

    /**
     * The echoing side: copy every new ping value to the pong line until the run is done.
     *
     * @param clock measures this thread's CPU over the measure phase.
     * @throws IllegalStateException if the run is not done within {@code maxLifeNanos}.
     */
    static void pong(final ControlFile control, final PhaseClock clock, final long maxLifeNanos)
    {
        final UnsafeBuffer buffer = control.buffer();
        final long deadline = System.nanoTime() + maxLifeNanos;
        control.ready();
        long last = 0;
        int phase = ControlFile.INIT;
        long spins = 0;
        while (true)
        {
            final int ping = PING + ControlFile.floorLine(last + 1);
            final long value = buffer.getLongVolatile(ping);
            if (value == last + 1)
            {
                buffer.putLongRelease(ping + ControlFile.FLOOR_PONG_DISTANCE, value);
                last = value;
                continue;
            }
            Thread.onSpinWait();
            if ((++spins & 255) == 0)
            {
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
                        return;
                    }
                }
                if (System.nanoTime() - deadline > 0)
                {
                    throw new IllegalStateException("floor ponger: run not done within " +
                        Durations.format(maxLifeNanos) + ", still in phase " + ControlFile.phaseName(phase));
                }
            }
        }
    }
}
