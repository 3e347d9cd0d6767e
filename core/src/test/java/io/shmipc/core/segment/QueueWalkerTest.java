package io.shmipc.core.segment;

import io.shmipc.core.ring.CorruptQueueException;
import io.shmipc.core.ring.SimpleIpcRingBuffer;
import io.shmipc.core.TestSegments;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RecordDescriptor;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import static io.shmipc.core.segment.QueueWalker.BlockKind.DATA;
import static io.shmipc.core.segment.QueueWalker.BlockKind.PADDING;
import static io.shmipc.core.segment.QueueWalker.BlockKind.SKIP;
import static io.shmipc.core.ring.SimpleIpcDescriptor.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The read-only walk: it sees what the ring's consumer would deliver, flags what the consumer marked, never writes,
 * and rejects what the consumer rejects with the same exception and message.
 */
class QueueWalkerTest
{
    private static final String NAME = "walker-test toGuest";

    /** One block as the handler saw it, with a copy of its payload. */
    private record Block(QueueWalker.BlockKind kind, long position, int type, boolean consumed, byte[] payload)
    {
    }

    private static UnsafeBuffer simpleIpcQueue(final int capacity)
    {
        final UnsafeBuffer queue = direct(HEADER_LENGTH + capacity);
        queue.putLong(CAPACITY_OFFSET, capacity);
        return queue;
    }

    private static UnsafeBuffer direct(final int length)
    {
        return new UnsafeBuffer(BufferUtil.allocateDirectAligned(length, 64));
    }

    private static byte[] bytes(final UnsafeBuffer buffer)
    {
        final byte[] bytes = new byte[buffer.capacity()];
        buffer.getBytes(0, bytes);
        return bytes;
    }

    private static UnsafeBuffer message(final int length, final int seed)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[length]);
        for (int i = 0; i < length; i++)
        {
            buffer.putByte(i, (byte)(seed * 31 + i));
        }
        return buffer;
    }

    private static List<Block> walkAll(final QueueWalker walker)
    {
        final List<Block> blocks = new ArrayList<>();
        final long end = walker.walk(walker.readPos(), walker.writePos(), collector(walker, blocks));
        assertEquals(walker.writePos(), end, "a full walk ends at writePos");
        return blocks;
    }

    private static QueueWalker.BlockHandler collector(final QueueWalker walker, final List<Block> blocks)
    {
        return (kind, position, type, consumed, index, length) ->
        {
            final byte[] payload = new byte[length];
            walker.buffer().getBytes(index, payload);
            blocks.add(new Block(kind, position, type, consumed, payload));
            return true;
        };
    }

    private static List<byte[]> drain(final RingBuffer ring)
    {
        final List<byte[]> out = new ArrayList<>();
        ring.read((type, buffer, index, length) ->
        {
            final byte[] bytes = new byte[length];
            buffer.getBytes(index, bytes);
            out.add(bytes);
        });
        return out;
    }

    private static void assertBlock(
        final Block block, final QueueWalker.BlockKind kind, final long position, final int type,
        final boolean consumed)
    {
        assertEquals(kind, block.kind(), block::toString);
        assertEquals(position, block.position(), block::toString);
        assertEquals(type, block.type(), block::toString);
        assertEquals(consumed, block.consumed(), block::toString);
    }

    @Test
    void walksAValidQueueAcrossTheWrapAsTheConsumerWouldReadItAndWritesNothing()
    {
        final UnsafeBuffer queue = simpleIpcQueue(256);
        final SimpleIpcRingBuffer ring = new SimpleIpcRingBuffer(queue, NAME);
        for (int i = 0; i < 5; i++)
        {
            assertTrue(ring.write(SimpleIpcRingBuffer.MSG_TYPE_ID, message(40, i), 0, 40)); // 48-byte blocks
        }
        assertEquals(5, drain(ring).size());
        // 16 bytes left before the end: the next block goes at 0 after a padding block at 240
        for (int i = 0; i < 3; i++)
        {
            assertTrue(ring.write(SimpleIpcRingBuffer.MSG_TYPE_ID, message(37, 10 + i), 0, 37));
        }
        final QueueWalker walker = QueueWalker.of(SegmentLayout.SIMPLE_IPC, queue, NAME);
        assertEquals(256, walker.capacity());
        assertEquals(240, walker.readPos());
        assertEquals(256 + 3 * 48, walker.writePos());

        final byte[] before = bytes(queue);
        final List<Block> blocks = walkAll(walker);
        assertArrayEquals(before, bytes(queue), "the walk wrote to the queue");

        assertEquals(4, blocks.size(), blocks::toString);
        assertBlock(blocks.get(0), PADDING, 240, MAGIC_PADDING, false);
        assertEquals(8, blocks.get(0).payload().length, "a padding block's bytes after its header");
        for (int i = 0; i < 3; i++)
        {
            assertBlock(blocks.get(1 + i), DATA, 256 + 48L * i, MAGIC_DATA, false);
            assertArrayEquals(message(37, 10 + i).byteArray(), blocks.get(1 + i).payload());
        }
        assertEquals(240 + 16 + 48, walker.walk(240, walker.writePos(), (kind, position, type, consumed, index,
            length) -> DATA != kind), "the handler stops the walk after the block it returns false on");

        final List<byte[]> read = drain(ring);
        assertEquals(3, read.size());
        for (int i = 0; i < 3; i++)
        {
            assertArrayEquals(blocks.get(1 + i).payload(), read.get(i), "what the walk saw is what the ring reads");
        }
        assertTrue(walkAll(walker).isEmpty(), "nothing pending once read");
    }

    @Test
    void consumedMarkedBlocksBelowWritePosArePendingAndFlagged()
    {
        final UnsafeBuffer queue = simpleIpcQueue(1024);
        final SimpleIpcRingBuffer ring = new SimpleIpcRingBuffer(queue, NAME);
        for (int i = 0; i < 3; i++)
        {
            assertTrue(ring.write(SimpleIpcRingBuffer.MSG_TYPE_ID, message(16, i), 0, 16)); // 24-byte blocks
        }
        // a consumer marks two blocks and dies before storing readPos
        assertEquals(2, ring.read((type, buffer, index, length) -> { }, 2));
        queue.putLongVolatile(READ_POS_OFFSET, 0);

        final List<Block> blocks = walkAll(QueueWalker.of(SegmentLayout.SIMPLE_IPC, queue, NAME));
        assertEquals(3, blocks.size(), blocks::toString);
        assertBlock(blocks.get(0), DATA, 0, MAGIC_DATA | MAGIC_CONSUMED_FLAG, true);
        assertBlock(blocks.get(1), DATA, 24, MAGIC_DATA | MAGIC_CONSUMED_FLAG, true);
        assertBlock(blocks.get(2), DATA, 48, MAGIC_DATA, false);
        assertEquals(3, drain(new SimpleIpcRingBuffer(queue, NAME)).size(), "its successor delivers all three again");
    }

    @Test
    void aSkipOfFewerThanEightBytesAtTheEndHasNoHeader()
    {
        final UnsafeBuffer queue = simpleIpcQueue(100);
        final SimpleIpcRingBuffer ring = new SimpleIpcRingBuffer(queue, NAME);
        for (int i = 0; i < 2; i++)
        {
            assertTrue(ring.write(SimpleIpcRingBuffer.MSG_TYPE_ID, message(40, i), 0, 40));
        }
        assertEquals(2, drain(ring).size());
        assertTrue(ring.write(SimpleIpcRingBuffer.MSG_TYPE_ID, message(8, 7), 0, 8));

        final QueueWalker walker = QueueWalker.of(SegmentLayout.SIMPLE_IPC, queue, NAME);
        final List<Block> blocks = walkAll(walker);
        assertEquals(2, blocks.size(), blocks::toString);
        assertBlock(blocks.get(0), SKIP, 96, 0, false);
        assertEquals(4, blocks.get(0).payload().length);
        assertBlock(blocks.get(1), DATA, 100, MAGIC_DATA, false);
        assertEquals(0, walker.headerAt(96), "a skip has no header");
        assertEquals(8 | (long)MAGIC_DATA << 32, walker.headerAt(100));
    }

    @Test
    void corruptMagicFailsAsTheRingDoesAfterTheGoodBlocks()
    {
        assertSameFailure(256, q -> q.putInt(HEADER_LENGTH + 24 + BLOCK_MAGIC_OFFSET, 0x12345678), 24,
            "unknown magic 0x12345678 (expected 0xDA7A0001 or 0xDA7A0002) (data offset 24, block header bytes " +
            "10 00 00 00 78 56 34 12)", 1);
    }

    @Test
    void truncatedBlocksFailAsTheRingDoes()
    {
        assertSameFailure(256, q -> q.putInt(HEADER_LENGTH + 24, 100), 24, "data block of 100 bytes runs past " +
            "writePos 48", 1);
        assertSameFailure(256, q -> q.putInt(HEADER_LENGTH + 24, 300), 24,
            "data block of 300 bytes runs past the end of the data area (232 bytes left)", 1);
        assertSameFailure(256, q -> q.putInt(HEADER_LENGTH, -8), 0, "data block of 4294967288 bytes", 0);
        assertSameFailure(256, q -> q.putInt(HEADER_LENGTH + BLOCK_MAGIC_OFFSET, MAGIC_PADDING), 0,
            "padding block of 16 bytes does not fill the 256 bytes to the end of the data area within writePos 48", 0);
        // a writePos inside the skip at the end: no producer publishes one
        assertSameFailure(100, q ->
        {
            q.putLong(READ_POS_OFFSET, 96);
            q.putLong(WRITE_POS_OFFSET, 98);
        }, 96, "skip of 4 bytes at the end of the data area (data offset 96) runs past writePos 98", 0);
    }

    @Test
    void contradictoryPositionsFailAsTheRingDoes()
    {
        assertSameFailure(256, q -> q.putLong(READ_POS_OFFSET, 56), 56, "readPos 56 is beyond writePos 48", 0);
        assertSameFailure(256, q ->
        {
            q.putLong(WRITE_POS_OFFSET, 1000);
            q.putLong(READ_POS_OFFSET, 8);
        }, 8, "writePos 1000 is 992 bytes ahead of readPos 8, more than the capacity 256", 0);
        assertSameFailure(256, q -> q.putLong(WRITE_POS_OFFSET, -1), 0, "writePos -1 is outside 0..", 0);
    }

    /**
     * Two 16-byte messages (blocks at 0 and 24), then the corruption: the walk hands out the good blocks before it
     * and throws what the ring's read throws.
     */
    private static void assertSameFailure(
        final int capacity, final Consumer<UnsafeBuffer> corruption, final long position, final String reason,
        final int goodBlocks)
    {
        final UnsafeBuffer queue = simpleIpcQueue(capacity);
        final SimpleIpcRingBuffer writer = new SimpleIpcRingBuffer(queue, NAME);
        assertTrue(writer.write(SimpleIpcRingBuffer.MSG_TYPE_ID, message(16, 1), 0, 16));
        assertTrue(writer.write(SimpleIpcRingBuffer.MSG_TYPE_ID, message(16, 2), 0, 16));
        corruption.accept(queue);

        final QueueWalker walker = QueueWalker.of(SegmentLayout.SIMPLE_IPC, queue, NAME);
        final List<Block> blocks = new ArrayList<>();
        final byte[] before = bytes(queue);
        final CorruptQueueException walked = assertThrows(CorruptQueueException.class,
            () -> walker.walk(walker.readPos(), walker.writePos(), collector(walker, blocks)));
        assertArrayEquals(before, bytes(queue), "the walk wrote to the queue");
        assertEquals(goodBlocks, blocks.size(), blocks::toString);
        assertEquals(position, walked.position(), walked.getMessage());
        assertTrue(walked.reason().contains(reason), walked.getMessage());
        assertEquals("corrupt queue " + NAME + " at position " + position + ": " + walked.reason(),
            walked.getMessage());

        final CorruptQueueException read = assertThrows(CorruptQueueException.class, () ->
            new SimpleIpcRingBuffer(queue, NAME).read((type, buffer, index, length) -> { }));
        assertEquals(read.getMessage(), walked.getMessage(), "the walk and the ring give the same reason");
    }

    @Test
    void aReadPosWithinAnInterruptedPublishIsAcceptedAsTheRingAcceptsIt()
    {
        final UnsafeBuffer queue = simpleIpcQueue(256);
        queue.putLong(WRITE_POS_OFFSET, 48);
        queue.putLong(READ_POS_OFFSET, 72);
        queue.putLong(PENDING_LIMIT_OFFSET, 96);
        final QueueWalker walker = QueueWalker.of(SegmentLayout.SIMPLE_IPC, queue, NAME);
        assertEquals(72, walker.walk(72, 48, (kind, position, type, consumed, index, length) -> fail(kind.name())));

        queue.putLong(PENDING_LIMIT_OFFSET, 64);
        final CorruptQueueException ex = assertThrows(CorruptQueueException.class,
            () -> walker.walk(72, 48, (kind, position, type, consumed, index, length) -> true));
        assertEquals("readPos 72 is beyond writePos 48", ex.reason());
    }

    @Test
    void aBufferTooShortForAQueueIsRefusedAtConstruction()
    {
        final IllegalArgumentException simpleIpc = assertThrows(IllegalArgumentException.class,
            () -> QueueWalker.of(SegmentLayout.SIMPLE_IPC, direct(HEADER_LENGTH + 8), NAME));
        assertTrue(simpleIpc.getMessage().contains("capacity 8"), simpleIpc.getMessage());
        final IllegalArgumentException agrona = assertThrows(IllegalArgumentException.class,
            () -> QueueWalker.of(SegmentLayout.AGRONA, direct(100), NAME));
        assertTrue(agrona.getMessage().contains("power of two"), agrona.getMessage());
    }

    @Test
    void readsHeaderFieldsOfALiveSegment()
    {
        final Path file = TestSegments.uniqueFile("walker");
        try (SharedSegment segment = TestSegments.create(file, 4096))
        {
            final SimpleIpcRingBuffer ring = segment.simpleIpcRing(QueueId.TO_GUEST);
            ring.awake();
            ring.consumerHeartbeatTime(1234);
            assertTrue(ring.write(SimpleIpcRingBuffer.MSG_TYPE_ID, message(16, 3), 0, 16));
            try (SharedSegment readOnly = SharedSegment.open(file, true))
            {
                final QueueWalker walker = readOnly.queueWalker(QueueId.TO_GUEST);
                assertEquals(READER_STATE_AWAKE, walker.readerState());
                assertEquals(1234, walker.consumerHeartbeat());
                final List<Block> blocks = walkAll(walker);
                assertEquals(1, blocks.size());
                assertArrayEquals(message(16, 3).byteArray(), blocks.get(0).payload());
                assertTrue(walkAll(readOnly.queueWalker(QueueId.FROM_GUEST)).isEmpty());
            }
        }
        finally
        {
            TestSegments.delete(file);
        }
    }

    @Test
    void walksAgronaRecordsWithTheirTypeAndPaddingAndRejectsABadLength()
    {
        final int capacity = 1024;
        final UnsafeBuffer queue = direct(capacity + RingBufferDescriptor.TRAILER_LENGTH);
        final OneToOneRingBuffer ring = new OneToOneRingBuffer(queue);
        for (int i = 0; i < 9; i++)
        {
            assertTrue(ring.write(7, message(100, i), 0, 100)); // 112-byte records
        }
        assertEquals(9, drain(ring).size());
        assertTrue(ring.write(7, message(100, 20), 0, 100)); // 16 bytes left: a padding record, then this at 0
        assertTrue(ring.write(8, message(10, 21), 0, 10));

        final QueueWalker walker = QueueWalker.of(SegmentLayout.AGRONA, queue, NAME);
        assertEquals(capacity, walker.capacity());
        assertEquals(0, walker.readerState());
        final byte[] before = bytes(queue);
        final List<Block> blocks = walkAll(walker);
        assertArrayEquals(before, bytes(queue), "the walk wrote to the queue");
        assertEquals(3, blocks.size(), blocks::toString);
        assertBlock(blocks.get(0), PADDING, 1008, RingBuffer.PADDING_MSG_TYPE_ID, false);
        assertBlock(blocks.get(1), DATA, 1024, 7, false);
        assertArrayEquals(message(100, 20).byteArray(), blocks.get(1).payload());
        assertBlock(blocks.get(2), DATA, 1136, 8, false);
        assertArrayEquals(message(10, 21).byteArray(), blocks.get(2).payload());

        queue.putInt(RecordDescriptor.lengthOffset(112), 4);
        final List<Block> good = new ArrayList<>();
        final CorruptQueueException ex = assertThrows(CorruptQueueException.class,
            () -> walker.walk(walker.readPos(), walker.writePos(), collector(walker, good)));
        assertEquals(2, good.size(), good::toString);
        assertEquals(1136, ex.position());
        assertEquals("record of length 4 is shorter than its 8-byte header", ex.reason());
    }
}
