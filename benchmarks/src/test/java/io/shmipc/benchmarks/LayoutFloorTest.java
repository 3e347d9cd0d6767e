package io.shmipc.benchmarks;

import io.shmipc.core.segment.QueueId;
import io.shmipc.core.segment.SegmentLayout;
import io.shmipc.core.segment.SharedSegment;
import org.HdrHistogram.Histogram;
import org.agrona.concurrent.AtomicBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.shmipc.core.ring.SimpleIpcDescriptor.READ_POS_OFFSET;
import static io.shmipc.core.ring.SimpleIpcDescriptor.WRITE_POS_OFFSET;
import static io.shmipc.core.ring.SimpleIpcDescriptor.blockLength;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The layout's floor keeps the SimpleIPC v1 positions a reader of the segment would see, across many wraps of a
 * small queue, in both reading rules and over two slices (its state carries over as in a round-method run). Two
 * busy-spinning threads at most; every wait bounded.
 */
class LayoutFloorTest
{
    private static final int CAPACITY = 4096;
    private static final long TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(10);

    @TempDir
    Path dir;

    @ParameterizedTest(name = "pollHeaders={0}")
    @ValueSource(booleans = {false, true})
    void echoesEveryMessageAndLeavesConsistentPositionsAcrossWraps(final boolean pollHeaders) throws Exception
    {
        final int size = 40;
        final long roundTrips = 20_000; // about 200 wraps of a 4 KiB queue with 48-byte blocks
        try (ControlFile control = ControlFile.create(dir.resolve("control"));
            SharedSegment segment = SharedSegment.create(dir.resolve("segment"), CAPACITY, SegmentLayout.SIMPLE_IPC,
                SharedSegment.DEFAULT_PERMISSIONS))
        {
            final AtomicBuffer toGuest = segment.ring(QueueId.TO_GUEST).buffer();
            final AtomicBuffer fromGuest = segment.ring(QueueId.FROM_GUEST).buffer();
            final LayoutFloor pinger = new LayoutFloor(toGuest, fromGuest, control, size, pollHeaders, TIMEOUT_NANOS);
            final LayoutFloor ponger = new LayoutFloor(fromGuest, toGuest, control, size, pollHeaders, TIMEOUT_NANOS);
            final Histogram histogram = PeerCommand.newHistogram();
            long echoed = 0;
            for (int slice = 0; slice < 2; slice++)
            {
                final PingSlice.Done done = PingSlice.run(control, ponger::pong,
                    () -> pinger.ping(roundTrips / 2, 0, histogram), TIMEOUT_NANOS);
                echoed += done.echoed();
                assertEquals(roundTrips / 2, done.pinged(), "round trips");
            }
            assertEquals(roundTrips, echoed, "messages echoed");
            assertEquals(roundTrips, histogram.getTotalCount(), "round trips recorded");
            for (final AtomicBuffer queue : new AtomicBuffer[]{toGuest, fromGuest})
            {
                final long writePos = queue.getLongVolatile(WRITE_POS_OFFSET);
                assertEquals(writePos, queue.getLongVolatile(READ_POS_OFFSET), "every block consumed");
                // every block is 48 bytes and a block that would not fit before the end starts the next lap
                final long perLap = CAPACITY / blockLength(size);
                final long before = roundTrips - 1;
                assertEquals(before / perLap * CAPACITY + (before % perLap + 1) * blockLength(size), writePos,
                    "writePos");
            }
        }
    }

    @ParameterizedTest(name = "pollHeaders={0}, batch={1}")
    @CsvSource({"false, 1", "true, 1", "false, 3", "true, 3"})
    void streamsEveryMessageInOrderThroughAFullQueueAcrossWraps(final boolean pollHeaders, final int batch)
        throws Exception
    {
        final int size = 1000; // blocks of 1,008 bytes: four to a lap, so the producer keeps finding the queue full
        final long messages = 50_000;
        try (ControlFile control = ControlFile.create(dir.resolve("control"));
            SharedSegment segment = SharedSegment.create(dir.resolve("segment"), CAPACITY, SegmentLayout.SIMPLE_IPC,
                SharedSegment.DEFAULT_PERMISSIONS))
        {
            final AtomicBuffer queue = segment.ring(QueueId.TO_GUEST).buffer();
            final AtomicBuffer unused = segment.ring(QueueId.FROM_GUEST).buffer();
            final LayoutFloor producer = new LayoutFloor(queue, unused, control, size, pollHeaders, TIMEOUT_NANOS);
            final LayoutFloor consumer = new LayoutFloor(unused, queue, control, size, pollHeaders, TIMEOUT_NANOS);
            final int switchCount = control.switchCount();
            final long deadline = System.nanoTime() + TIMEOUT_NANOS;
            final CompletableFuture<Long> produced = CompletableFuture.supplyAsync(
                () -> producer.produce(switchCount, deadline, batch));
            final long read;
            try
            {
                // consume() counts torn or out-of-order messages and throws on any at the end
                read = consumer.consume(messages, 0);
            }
            finally
            {
                // the producer stops before the segment is unmapped, whatever happened
                control.switchTo(0, ControlFile.MEASURE);
                produced.get(TIMEOUT_NANOS, TimeUnit.NANOSECONDS);
            }
            final long written = produced.get();
            assertTrue(read >= messages && read <= written, "read " + read + " of " + written);
            final long readPos = queue.getLongVolatile(READ_POS_OFFSET);
            final long writePos = queue.getLongVolatile(WRITE_POS_OFFSET);
            assertTrue(writePos - readPos <= CAPACITY, "never more than a lap ahead: " + writePos + " - " + readPos);
            final long rest = written - read;
            assertEquals(rest, 0 == rest ? 0 : consumer.consume(rest, 0), "the rest is still there, in order");
            assertEquals(writePos, queue.getLongVolatile(READ_POS_OFFSET), "all consumed");
        }
    }

    @Test
    void refusesACapacityThatIsNotAPowerOfTwoAndMessagesBelowSixteenBytes()
    {
        try (ControlFile control = ControlFile.create(dir.resolve("control"));
            SharedSegment segment = SharedSegment.create(dir.resolve("segment"), 4000, SegmentLayout.SIMPLE_IPC,
                SharedSegment.DEFAULT_PERMISSIONS);
            SharedSegment good = SharedSegment.create(dir.resolve("good"), CAPACITY, SegmentLayout.SIMPLE_IPC,
                SharedSegment.DEFAULT_PERMISSIONS))
        {
            final AtomicBuffer q0 = segment.ring(QueueId.TO_GUEST).buffer();
            final AtomicBuffer q1 = segment.ring(QueueId.FROM_GUEST).buffer();
            assertThrows(IllegalArgumentException.class, () -> new LayoutFloor(q0, q1, control, 32, false, 1));
            final AtomicBuffer g0 = good.ring(QueueId.TO_GUEST).buffer();
            final AtomicBuffer g1 = good.ring(QueueId.FROM_GUEST).buffer();
            assertThrows(IllegalArgumentException.class, () -> new LayoutFloor(g0, g1, control, 8, false, 1));
        }
    }
}
