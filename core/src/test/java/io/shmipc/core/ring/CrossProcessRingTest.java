package io.shmipc.core.ring;

import io.shmipc.core.ChildProcess;
import io.shmipc.core.TestSegments;
import io.shmipc.core.segment.QueueId;
import io.shmipc.core.segment.SharedSegment;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Two JVMs through one segment: each writes numbered, checksummed messages of random sizes to its queue and
 * verifies every message of the other's, in order, while the small ring wraps thousands of times.
 */
class CrossProcessRingTest
{
    private final Path file = TestSegments.uniqueFile("xproc");

    @AfterEach
    void cleanUp()
    {
        TestSegments.delete(file);
    }

    @ParameterizedTest(name = "readers poll block headers: {0}")
    @ValueSource(booleans = {false, true})
    @Timeout(120)
    void everyMessageArrivesInOrderBothWays(final boolean trustWriter)
    {
        final long count = 100_000;
        final long seed = System.nanoTime();
        final int maxExtra = 500;
        try (SharedSegment segment = TestSegments.create(file, 4096);
            ChildProcess guest = ChildProcess.java(RingPeer.class, file.toString(), "guest",
                Long.toString(count), Long.toString(seed), Integer.toString(maxExtra), trustWriter ? "trust" : "rule"))
        {
            final String failure = new RingPeer(segment, true, count, RingPeer.writeSeed(seed, true), maxExtra,
                trustWriter).run(Duration.ofSeconds(90));
            assertNull(failure, () -> "host side (seed " + seed + "): " + failure + "; guest said: " + guest.output());
            assertEquals(0, guest.waitFor(30, TimeUnit.SECONDS), () -> "guest (seed " + seed + "): " + guest.output());
            final long bytes = segment.ring(QueueId.TO_GUEST).producerPosition();
            assertTrue(bytes > 1000L * 4096, "the ring wrapped many times: " + bytes + " bytes");
            assertEquals(
                segment.ring(QueueId.TO_GUEST).producerPosition(), segment.ring(QueueId.TO_GUEST).consumerPosition());
            assertEquals(segment.ring(QueueId.FROM_GUEST).producerPosition(),
                segment.ring(QueueId.FROM_GUEST).consumerPosition());
        }
    }
}
