package io.shmipc.benchmarks;

import org.HdrHistogram.Histogram;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The round-method floors move through every pair of lines of their slots, one pair per round trip, over two slices
 * (the counter carries over as in a round-method run), so that a floor is not the cost of one line's address. Two
 * busy-spinning threads at most; every wait bounded.
 */
class FloorVariantTest
{
    private static final long TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(10);

    @TempDir
    Path dir;

    @ParameterizedTest(name = "twoLines={0}")
    @ValueSource(booleans = {false, true})
    void eachRoundTripMovesTheMessageToTheNextPairOfLinesAndLeavesItsValueThere(final boolean twoLines) throws Exception
    {
        final int slot = 1;
        final long roundTrips = 10 * ControlFile.FLOOR_LINES + 7; // ten laps of the lines and a part of the next
        try (ControlFile control = ControlFile.create(dir.resolve("control")))
        {
            final FloorVariant pinger = new FloorVariant(control, slot, TIMEOUT_NANOS, twoLines);
            final FloorVariant ponger = new FloorVariant(control, slot, TIMEOUT_NANOS, twoLines);
            final Histogram histogram = PeerCommand.newHistogram();
            long echoed = 0;
            for (int slice = 0; slice < 2; slice++)
            {
                final long count = 0 == slice ? ControlFile.FLOOR_LINES / 2 + 3 : roundTrips -
                    (ControlFile.FLOOR_LINES / 2 + 3);
                final PingSlice.Done done = PingSlice.run(control, ponger::pong, () -> pinger.ping(count, 0, histogram),
                    TIMEOUT_NANOS);
                echoed += done.echoed();
                assertEquals(count, done.pinged(), "round trips");
            }
            assertEquals(roundTrips, echoed, "values echoed");
            assertEquals(roundTrips, histogram.getTotalCount(), "round trips recorded");

            // pair i last carried the latest value v <= roundTrips with v % FLOOR_LINES == i, each way
            final UnsafeBuffer buffer = control.buffer();
            final int positions = ControlFile.floorPingOffset(slot);
            for (int i = 0; i < ControlFile.FLOOR_LINES; i++)
            {
                final long last = roundTrips - Math.floorMod(roundTrips - i, ControlFile.FLOOR_LINES);
                if (!twoLines)
                {
                    final int ping = positions + ControlFile.floorLine(i);
                    assertEquals(last, buffer.getLongVolatile(ping), "ping line of pair " + i);
                    assertEquals(last, buffer.getLongVolatile(ping + ControlFile.FLOOR_PONG_DISTANCE),
                        "pong line of pair " + i);
                }
                else
                {
                    // the positions stay on the slot's first pair, as writePos stays on one line; the rest is unused
                    assertEquals(roundTrips, buffer.getLongVolatile(positions), "ping position");
                    assertEquals(roundTrips, buffer.getLongVolatile(positions + ControlFile.FLOOR_PONG_DISTANCE),
                        "pong position");
                    if (i > 0)
                    {
                        assertEquals(0, buffer.getLongVolatile(positions + ControlFile.floorLine(i)),
                            "position pair " + i + " unused");
                    }
                    final int data = ControlFile.floorPingOffset(slot + 1) + ControlFile.floorLine(i);
                    assertEquals(last, buffer.getLong(data), "first word of the message on data pair " + i);
                    assertEquals(last, buffer.getLong(data + ControlFile.FLOOR_PONG_DISTANCE),
                        "first word of the echo on data pair " + i);
                }
            }
        }
    }
}
