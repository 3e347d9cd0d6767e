package io.shmipc.core.ring;

import io.shmipc.core.TestSegments;
import io.shmipc.core.segment.QueueId;
import io.shmipc.core.segment.SharedSegment;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static io.shmipc.core.ring.SimpleIpcDescriptor.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Corruptions of a real mapped queue: each is reported with the queue, the position and the bytes found, the
 * reader stops at the bad block, and blocks before it stay consumed.
 */
class CorruptQueueTest
{
    private Path file;
    private SharedSegment segment;
    private SimpleIpcRingBuffer ring;
    private UnsafeBuffer queue;

    @BeforeEach
    void setUp()
    {
        file = TestSegments.uniqueFile("corrupt");
        segment = TestSegments.create(file, 200);
        ring = segment.simpleIpcRing(QueueId.TO_GUEST);
        queue = new UnsafeBuffer(ring.buffer());
        final UnsafeBuffer payload = new UnsafeBuffer(new byte[16]);
        assertTrue(ring.write(1, payload, 0, 16)); // block at 0..24
        assertTrue(ring.write(1, payload, 0, 16)); // block at 24..48
    }

    @AfterEach
    void tearDown()
    {
        segment.close();
        TestSegments.delete(file);
    }

    private CorruptQueueException readExpectingCorruption(final long position, final String... parts)
    {
        final int[] delivered = new int[1];
        final CorruptQueueException ex = assertThrows(CorruptQueueException.class,
            () -> ring.read((t, b, i, l) -> delivered[0]++));
        assertEquals(position, ex.position(), ex.getMessage());
        assertTrue(ex.getMessage().contains(file.toString()) && ex.getMessage().contains("toGuest"), ex.getMessage());
        for (final String part : parts)
        {
            assertTrue(ex.getMessage().contains(part), "'" + ex.getMessage() + "' should mention '" + part + "'");
        }
        return ex;
    }

    @Test
    void unknownMagic()
    {
        queue.putInt(HEADER_LENGTH + 24 + 4, 0x12345678);
        readExpectingCorruption(24, "unknown magic 0x12345678", "10 00 00 00 78 56 34 12");
        assertEquals(24, ring.consumerPosition(), "the good block before it is consumed, the bad one is not");
        readExpectingCorruption(24);
    }

    @Test
    void blockRunningPastTheDataArea()
    {
        queue.putInt(HEADER_LENGTH + 24, 500);
        readExpectingCorruption(24, "500 bytes runs past the end of the data area");
    }

    @Test
    void negativeSizeAsUnsigned()
    {
        queue.putInt(HEADER_LENGTH, -8);
        readExpectingCorruption(0, "4294967288");
    }

    @Test
    void blockRunningPastWritePos()
    {
        queue.putInt(HEADER_LENGTH + 24, 100);
        readExpectingCorruption(24, "runs past writePos 48");
    }

    @Test
    void paddingThatDoesNotReachTheEnd()
    {
        queue.putInt(HEADER_LENGTH + 4, MAGIC_PADDING);
        readExpectingCorruption(0, "padding block of 16 bytes");
    }

    @Test
    void readPosBeyondWritePos()
    {
        queue.putLong(READ_POS_OFFSET, 56);
        readExpectingCorruption(56, "readPos 56 is beyond writePos 48");
    }

    @Test
    void moreThanCapacityPending()
    {
        queue.putLong(WRITE_POS_OFFSET, 1000);
        queue.putLong(READ_POS_OFFSET, 8);
        readExpectingCorruption(8, "writePos 1000", "more than the capacity 200");
    }

    @Test
    void producerSeesACorruptReadPos()
    {
        for (int i = 0; i < 10 && ring.write(1, new UnsafeBuffer(new byte[16]), 0, 16); i++)
        {
            // fill
        }
        queue.putLong(READ_POS_OFFSET, 100_000);
        assertThrows(CorruptQueueException.class, () -> ring.write(1, new UnsafeBuffer(new byte[16]), 0, 16));
    }

    @Test
    void attachingToACorruptQueueFailsAtOnce()
    {
        queue.putLong(READ_POS_OFFSET, 100);
        final CorruptQueueException ex = assertThrows(CorruptQueueException.class,
            () -> new SimpleIpcRingBuffer(ring.buffer(), "q"));
        assertTrue(ex.getMessage().contains("readPos 100"), ex.getMessage());
    }
}
