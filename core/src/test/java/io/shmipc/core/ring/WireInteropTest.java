package io.shmipc.core.ring;

import io.shmipc.core.ChildProcess;
import io.shmipc.core.NativePeer;
import io.shmipc.core.TestSegments;
import io.shmipc.core.segment.QueueId;
import io.shmipc.core.segment.SharedSegment;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Our proof that the bytes match the C++/Go library: a C peer written from docs/layout.md alone
 * ({@code src/test/c/simpleipc_peer.c}) reads and verifies what Java writes and writes what Java verifies, both
 * ways at once, through rings small enough to wrap thousands of times. Positions that start off the 8-byte grid,
 * as another writer may leave them, make every lap end in the silent skip of fewer than 8 bytes.
 */
class WireInteropTest
{
    private final Path file = TestSegments.uniqueFile("wire");

    @AfterEach
    void cleanUp()
    {
        TestSegments.delete(file);
    }

    private static SharedSegment startAt(final SharedSegment segment, final long position)
    {
        for (final QueueId queue : QueueId.values())
        {
            segment.queueBuffer(queue).putLongVolatile(SimpleIpcDescriptor.WRITE_POS_OFFSET, position);
            segment.queueBuffer(queue).putLongVolatile(SimpleIpcDescriptor.READ_POS_OFFSET, position);
        }
        return segment;
    }

    /**
     * Messages go up to the largest a block can hold, so with capacity 4096 about one is in flight at a time and
     * every message waits for a wake-up of the other side: fewer of them still wrap the queue thousands of times,
     * without making the test a measure of the scheduler on a loaded machine.
     */
    @ParameterizedTest(name = "capacity {0}, positions start at {1}, Java is the {2}, {3} messages each way")
    @CsvSource({"1000, 0, host, 50000", "1000, 0, guest, 50000", "200, 4, host, 50000", "200, 4, guest, 50000",
        "4096, 0, host, 10000"})
    @Timeout(120)
    void javaAndCExchangeEveryMessageBothWays(
        final int capacity, final long start, final String javaSide, final long count)
    {
        final boolean javaIsHost = "host".equals(javaSide);
        final long seed = System.nanoTime() & Long.MAX_VALUE;
        final int maxExtra = SimpleIpcDescriptor.maxMsgLength(capacity) - 12 - 8;
        final Path peer = NativePeer.compile("simpleipc_peer.c");
        try (SharedSegment segment = startAt(TestSegments.create(file, capacity), start);
            ChildProcess c = ChildProcess.exec(peer.toString(), "duplex", file.toString(),
                javaIsHost ? "guest" : "host", Long.toString(count), Long.toString(seed), Integer.toString(maxExtra)))
        {
            final String failure =
                new RingPeer(segment, javaIsHost, count, RingPeer.writeSeed(seed, javaIsHost), maxExtra)
                    .run(Duration.ofSeconds(90));
            assertNull(failure, () -> "Java side (seed " + seed + "): " + failure + "; C peer said: " + c.output());
            assertEquals(0, c.waitFor(30, TimeUnit.SECONDS), () -> "C peer (seed " + seed + "): " + c.output());
            for (final QueueId queue : QueueId.values())
            {
                final long written = segment.ring(queue).producerPosition();
                assertTrue(written > 100L * capacity, queue + " wrapped many times: " + written);
                assertEquals(written, segment.ring(queue).consumerPosition(), queue + " fully consumed");
            }
        }
    }
}
