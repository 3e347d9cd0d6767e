package io.shmipc.core.ring;

import io.shmipc.core.TestSegments;
import io.shmipc.core.segment.QueueId;
import io.shmipc.core.segment.SharedSegment;
import org.agrona.concurrent.ControlledMessageHandler.Action;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static io.shmipc.core.ring.SimpleIpcDescriptor.*;
import static org.junit.jupiter.api.Assertions.*;

class SimpleIpcRingBufferTest
{
    private final List<Path> files = new ArrayList<>();
    private final List<SharedSegment> segments = new ArrayList<>();

    @AfterEach
    void cleanUp()
    {
        segments.forEach(SharedSegment::close);
        files.forEach(TestSegments::delete);
    }

    private SharedSegment segment(final int capacity)
    {
        final Path file = TestSegments.uniqueFile("ring");
        files.add(file);
        final SharedSegment segment = TestSegments.create(file, capacity);
        segments.add(segment);
        return segment;
    }

    private SimpleIpcRingBuffer ring(final int capacity)
    {
        return segment(capacity).simpleIpcRing(QueueId.TO_GUEST);
    }

    /** A ring whose positions both start at {@code position}, as a C++ writer may have left them. */
    private SimpleIpcRingBuffer ringAt(final int capacity, final long position)
    {
        final SharedSegment segment = segment(capacity);
        final UnsafeBuffer header = new UnsafeBuffer(segment.queueBuffer(QueueId.TO_GUEST));
        header.putLong(WRITE_POS_OFFSET, position);
        header.putLong(READ_POS_OFFSET, position);
        return segment.simpleIpcRing(QueueId.TO_GUEST);
    }

    private static UnsafeBuffer message(final int length, final int seed)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[Math.max(length, 1)]);
        for (int i = 0; i < length; i++)
        {
            buffer.putByte(i, (byte)(seed * 31 + i));
        }
        return buffer;
    }

    private static List<byte[]> drain(final RingBuffer ring)
    {
        final List<byte[]> out = new ArrayList<>();
        ring.read((type, buffer, index, length) ->
        {
            assertEquals(SimpleIpcRingBuffer.MSG_TYPE_ID, type);
            final byte[] bytes = new byte[length];
            buffer.getBytes(index, bytes);
            out.add(bytes);
        });
        return out;
    }

    private static void assertMessage(final byte[] actual, final int length, final int seed)
    {
        assertEquals(length, actual.length, "length");
        for (int i = 0; i < length; i++)
        {
            assertEquals((byte)(seed * 31 + i), actual[i], "byte " + i);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {200, 1000, 4096, 32 * 1024 * 1024})
    void everySizeRoundTripsAtEveryCapacity(final int capacity)
    {
        final SimpleIpcRingBuffer ring = ring(capacity);
        final int max = ring.maxMsgLength();
        assertEquals((capacity & ~7) - 8, max);
        for (final int size : new int[] {0, 1, 7, 8, 9, max})
        {
            if (!ring.write(1, message(size, size), 0, size))
            {
                // Only at the wrap: the padding to the end went out and must be consumed before the block fits.
                assertEquals(capacity - ring.consumerPosition() % capacity, ring.size(), "padding published");
                assertEquals(0, drain(ring).size());
                assertTrue(ring.write(1, message(size, size), 0, size), "write " + size + " after the padding");
            }
            assertEquals(blockLength(size), ring.size());
            final List<byte[]> read = drain(ring);
            assertEquals(1, read.size());
            assertMessage(read.get(0), size, size);
            assertEquals(ring.producerPosition(), ring.consumerPosition());
        }
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> ring.write(1, message(max + 1, 0), 0, max + 1));
        assertTrue(
            ex.getMessage().contains(Integer.toString(max + 1)) && ex.getMessage().contains(Integer.toString(max)),
            ex.getMessage());
    }

    @Test
    void blockLengthIsAlignedPayloadPlusHeader()
    {
        assertEquals(8, blockLength(0));
        assertEquals(16, blockLength(1));
        assertEquals(16, blockLength(7));
        assertEquals(16, blockLength(8));
        assertEquals(24, blockLength(9));
    }

    @Test
    void writesTheExactBytesOfTheSpec()
    {
        final SimpleIpcRingBuffer ring = ring(200);
        assertTrue(ring.write(1, message(5, 2), 0, 5));
        final UnsafeBuffer queue = new UnsafeBuffer(ring.buffer());
        assertEquals(16, queue.getLong(WRITE_POS_OFFSET));
        assertEquals(0, queue.getLong(READ_POS_OFFSET));
        assertEquals(200, queue.getLong(CAPACITY_OFFSET));
        assertEquals(5, queue.getInt(HEADER_LENGTH));
        assertEquals(0xDA7A0001, queue.getInt(HEADER_LENGTH + 4));
        assertEquals((byte)62, queue.getByte(HEADER_LENGTH + 8));
        drain(ring);
        assertEquals(16, queue.getLong(READ_POS_OFFSET));
    }

    @Test
    void aConsumerThatStartsPollingHeadersMidStreamNeverTakesStalePayloadForABlock()
    {
        // A producer whose consumer reads writePos clears no header slots, so after a few laps of blocks of changing
        // sizes the slot at the end of the published blocks is old payload. Every payload here is made of words that
        // look like the header of an 8-byte data block: if the slot the producer ends at when the consumer asks were
        // not cleared before the producer agrees, the polling consumer would deliver such a word as a message.
        final int capacity = 256;
        final UnsafeBuffer memory = directQueue(capacity);
        final SimpleIpcRingBuffer producer = new SimpleIpcRingBuffer(memory, "producer view");
        final SimpleIpcRingBuffer consumer = new SimpleIpcRingBuffer(memory, "consumer view");
        final long fakeHeader = (8L & 0xFFFF_FFFFL) | ((long)MAGIC_DATA << 32);
        final int[] sizes = {16, 24, 40, 56, 32, 48};
        final UnsafeBuffer message = new UnsafeBuffer(new byte[64]);
        final List<Long> received = new ArrayList<>();
        long sent = 0;
        for (int round = 0; round < 400; round++)
        {
            if (200 == round)
            {
                consumer.trustShmipcWriter(true); // asks: the producer's next publish answers
            }
            final int size = sizes[round % sizes.length];
            for (int offset = 8; offset + 8 <= size; offset += 8)
            {
                message.putLong(offset, fakeHeader);
            }
            message.putLong(0, sent);
            assertTrue(producer.write(1, message, 0, size));
            sent++;
            for (int poll = 0; poll < 3; poll++) // the later polls find the slot at the end of what was published
            {
                consumer.read((type, buffer, index, length) ->
                {
                    assertTrue(length >= 16, "a " + length + "-byte message was delivered: stale payload");
                    received.add(buffer.getLong(index));
                });
            }
        }
        assertEquals(CONSUMER_POLLS_HEADERS, memory.getInt(CONSUMER_MODE_OFFSET), "the producer agreed");
        assertEquals(400, received.size());
        for (int i = 0; i < received.size(); i++)
        {
            assertEquals(i, received.get(i).longValue());
        }
    }

    @Test
    void aSourceRangeOutsideTheSourceBufferIsRefusedBeforeAnythingIsAppended()
    {
        // The producer copies with Unsafe at offsets it bounded itself; the caller's range is checked first, so a bad
        // one throws before the ring reserves anything (not even the padding block at the wrap).
        final SimpleIpcRingBuffer ring = ring(256);
        final UnsafeBuffer source = message(48, 1);
        assertTrue(ring.write(1, message(200, 2), 0, 200)); // a 208-byte block: 48 bytes left to the end
        assertEquals(1, drain(ring).size());
        final long writePos = ring.producerPosition();
        assertThrows(IndexOutOfBoundsException.class, () -> ring.append(source, 8, 48)); // a 56-byte block would wrap
        assertThrows(IndexOutOfBoundsException.class, () -> ring.write(1, source, -1, 4));
        assertFalse(ring.publish(), "nothing was appended");
        assertEquals(writePos, ring.producerPosition());
        assertTrue(ring.write(1, source, 0, 48));
        final List<byte[]> out = drain(ring);
        assertEquals(1, out.size());
        assertArrayEquals(source.byteArray(), out.get(0));
    }

    @Test
    void aPollingConsumerAtAReadPosInTheLastEightBytesSkipsToTheWrapWithoutLoadingPastTheQueue()
    {
        // A readPos another process left 5 bytes before the end (as a C++ writer's short tail may be) has no header
        // slot to poll. The ring loads without bounds checks at offsets it has bounded, so a polling consumer there
        // must skip to the wrap, as the SimpleIPC v1 rule does, rather than load 8 bytes that run past the queue:
        // the 3 bytes after this queue are zero, so such a load would find an "empty slot" and never move on.
        final int capacity = 256;
        final UnsafeBuffer memory =
            new UnsafeBuffer(new byte[HEADER_LENGTH + capacity + 8], 0, HEADER_LENGTH + capacity);
        memory.putLong(CAPACITY_OFFSET, capacity);
        final SimpleIpcRingBuffer producer = new SimpleIpcRingBuffer(memory, "producer view");
        final SimpleIpcRingBuffer consumer = new SimpleIpcRingBuffer(memory, "consumer view").trustShmipcWriter(true);
        final UnsafeBuffer zeros = new UnsafeBuffer(new byte[24]);
        assertTrue(producer.write(1, zeros, 0, 24)); // answers the ask
        assertEquals(1, drain(consumer).size());
        assertEquals(CONSUMER_POLLS_HEADERS, memory.getInt(CONSUMER_MODE_OFFSET));
        for (int i = 0; i < 7; i++)
        {
            assertTrue(producer.write(1, zeros, 0, 24)); // 8 blocks of 32: writePos 256, the last payload zeros
        }
        memory.putLongVolatile(READ_POS_OFFSET, capacity - 5);
        assertEquals(0, drain(consumer).size(), "nothing after the tail yet");
        assertEquals(capacity, memory.getLongVolatile(READ_POS_OFFSET), "skipped to the wrap");
        assertTrue(producer.write(1, message(24, 7), 0, 24));
        final List<byte[]> read = drain(consumer);
        assertEquals(1, read.size());
        assertMessage(read.get(0), 24, 7);
    }

    @Test
    void everyKindOfSourceBufferRoundTripsEveryByte()
    {
        // Unsafe copies from the three kinds of source a caller may pass: a byte[], a heap ByteBuffer at an array
        // offset, and direct memory.
        final int capacity = 512;
        final UnsafeBuffer memory = directQueue(capacity);
        final SimpleIpcRingBuffer ring = new SimpleIpcRingBuffer(memory, "direct");
        final byte[] bytes = message(40, 3).byteArray();
        final ByteBuffer heap = ByteBuffer.wrap(new byte[64], 8, 48).slice();
        heap.put(0, bytes, 0, 40);
        final ByteBuffer direct = ByteBuffer.allocateDirect(40).put(0, bytes);
        for (int lap = 0; lap < 20; lap++)
        {
            assertTrue(ring.write(1, new UnsafeBuffer(bytes), 0, 40));
            assertTrue(ring.write(1, new UnsafeBuffer(heap), 0, 40));
            assertTrue(ring.write(1, new UnsafeBuffer(direct), 0, 40));
            final List<byte[]> out = drain(ring);
            assertEquals(3, out.size(), "lap " + lap);
            for (final byte[] received : out)
            {
                assertArrayEquals(bytes, received, "lap " + lap);
            }
        }
    }

    @ParameterizedTest(name = "direct source={0}, consumer polls headers={1}")
    @CsvSource({"false,false", "true,false", "false,true", "true,true"})
    void everyPayloadLengthIsCopiedExactlyFromAnyOffsetAndNoByteAfterItIsWritten(final boolean directSource,
        final boolean pollHeaders)
    {
        // Every length up to past two cache lines, from a source offset that is and is not 8-aligned, on the heap
        // and off it, arrives intact, and the block's alignment bytes after the payload keep what the data area held;
        // for either reading rule (while a consumer polls headers, payloads of 8 to 56 bytes, blocks of at most a cache
        // line, are copied in words).
        final byte sentinel = (byte)0x5A;
        for (int length = 0; length <= 140; length++)
        {
            for (final int srcOffset : new int[]{0, 3, 8})
            {
                final UnsafeBuffer memory = directQueue(1024);
                memory.setMemory(HEADER_LENGTH, 1024, sentinel);
                memory.putLong(HEADER_LENGTH, 0L);
                final SimpleIpcRingBuffer ring = new SimpleIpcRingBuffer(memory, "copy");
                final SimpleIpcRingBuffer consumer = new SimpleIpcRingBuffer(memory, "consumer").
                    trustShmipcWriter(pollHeaders);
                // a first block, so that its publish answers a consumer that asks to poll headers
                assertTrue(ring.write(1, message(8, 1), 0, 8));
                assertEquals(1, drain(consumer).size());
                final long start = ring.producerPosition() % 1024;
                final UnsafeBuffer source = directSource ?
                    new UnsafeBuffer(ByteBuffer.allocateDirect(srcOffset + length + 1)) :
                    new UnsafeBuffer(new byte[srcOffset + length + 1]);
                source.setMemory(0, source.capacity(), (byte)0x11);
                for (int i = 0; i < length; i++)
                {
                    source.putByte(srcOffset + i, (byte)(7 * 31 + i));
                }
                final String what = length + " bytes from offset " + srcOffset;
                assertTrue(ring.write(1, source, srcOffset, length), what);
                for (int i = BLOCK_HEADER_LENGTH + length; i < blockLength(length); i++)
                {
                    assertEquals(sentinel, memory.getByte(HEADER_LENGTH + (int)start + i),
                        what + ": alignment byte " + i);
                }
                final List<byte[]> read = drain(consumer);
                assertEquals(1, read.size(), what);
                assertMessage(read.get(0), length, 7);
            }
        }
    }

    @ParameterizedTest(name = "consumer polls headers={0}, controlled read={1}")
    @CsvSource({"false,false", "true,false", "false,true", "true,true"})
    void consumingABlockChangesNothingButItsHeaderMark(final boolean pollHeaders, final boolean controlled)
    {
        // A caught-up spec-rule consumer stores the word before the next header slot again when that slot shares its
        // cache line (to hold the line as written): every block from every offset of a line, each length up to past
        // two lines, keeps its bytes exactly as the producer wrote them, and only the header gains the consumed flag.
        final int capacity = 4096;
        final UnsafeBuffer memory = directQueue(capacity);
        final SimpleIpcRingBuffer producer = new SimpleIpcRingBuffer(memory, "producer view");
        final SimpleIpcRingBuffer consumer = new SimpleIpcRingBuffer(memory, "consumer view").
            trustShmipcWriter(pollHeaders);
        final byte[] before = new byte[capacity];
        final byte[] after = new byte[capacity];
        int seed = 0;
        for (int length = 0; length <= 140; length++)
        {
            for (int lead = 0; lead < 8; lead++)
            {
                final int offset = (int)(producer.producerPosition() % capacity);
                final String what = length + " bytes at data offset " + offset;
                final boolean wraps = capacity - offset < blockLength(length);
                assertTrue(producer.write(1, message(length, ++seed), 0, length), what);
                if (wraps)
                {
                    // a padding block first, whose header the read marks too: not this test's case
                    assertEquals(1, consumer.read((t, b, i, l) -> { }), what);
                    continue;
                }
                memory.getBytes(HEADER_LENGTH, before);
                final int read = controlled ?
                    consumer.controlledRead((t, b, i, l) -> Action.CONTINUE) : consumer.read((t, b, i, l) -> { });
                assertEquals(1, read, what);
                memory.getBytes(HEADER_LENGTH, after);
                final long header = memory.getLong(HEADER_LENGTH + offset);
                assertEquals(blockHeader(length, MAGIC_DATA | MAGIC_CONSUMED_FLAG), header, what + ": the mark");
                for (int i = 0; i < capacity; i++)
                {
                    if (i < offset || i >= offset + BLOCK_HEADER_LENGTH)
                    {
                        assertEquals(before[i], after[i], what + ": byte " + i + " of the data area");
                    }
                }
                // an 8-byte block moves the next one to the next 8 bytes of a line
                assertTrue(producer.write(1, message(0, ++seed), 0, 0), what);
                assertEquals(1, consumer.read((t, b, i, l) -> { }), what);
            }
        }
    }

    @Test
    void theSlotAfterEveryBlockIsClearedForShortAndLongBlocksAlikeOverLeftoverBytes()
    {
        // A re-initialised segment: only the first header slot is zero, and every other 8 bytes of the data area look
        // like a published 8-byte block. The producer clears the slot after a block of at most a cache line before
        // it copies the payload, and after a longer one between payload and header: either way, once a polling
        // consumer can see a block, the slot after it is empty, and no leftover is ever delivered.
        final int capacity = 4096;
        final UnsafeBuffer memory = directQueue(capacity);
        final long leftover = blockHeader(8, MAGIC_DATA);
        for (int offset = BLOCK_HEADER_LENGTH; offset < capacity; offset += BLOCK_HEADER_LENGTH)
        {
            memory.putLong(HEADER_LENGTH + offset, leftover);
        }
        final SimpleIpcRingBuffer producer = new SimpleIpcRingBuffer(memory, "producer view");
        final SimpleIpcRingBuffer consumer = new SimpleIpcRingBuffer(memory, "consumer view").trustShmipcWriter(true);
        final int[] sizes = {32, 200, 24, 500, 56, 8, 1000};
        int seed = 0;
        for (int message = 0; message < 60; message++)
        {
            final int size = sizes[message % sizes.length];
            assertTrue(producer.write(1, message(size, ++seed), 0, size), "message " + message);
            final int end = (int)(producer.producerPosition() % capacity);
            assertEquals(0L, memory.getLong(HEADER_LENGTH + end),
                "message " + message + " of " + size + " bytes: the slot at offset " + end + " after it");
            final List<byte[]> read = drain(consumer);
            assertEquals(1, read.size(), "message " + message + ": exactly the block written");
            assertMessage(read.get(0), size, seed);
        }
        assertEquals(CONSUMER_POLLS_HEADERS, memory.getInt(CONSUMER_MODE_OFFSET), "the consumer polled headers");
        assertTrue(producer.producerPosition() > 3L * capacity, "several laps over the leftover bytes");
    }

    @Test
    void aBlockEndingOneCapacityPastTheCachedReadPosStillClearsTheSlotThePollingConsumerReachesNext()
    {
        // 16 blocks of 64 bytes fill the 1 KiB ring exactly. The producer's cached readPos stays at 0 while they fit,
        // so by that cache the slot after the 16th block (offset 0, the first block's header, which the consumer has
        // since consumed and marked) is not free. The producer must look at readPos again and clear it: a polling
        // consumer that finds a marked slot there reads writePos on every poll, on the producer's line.
        final int capacity = 1024;
        final int size = 56;
        final UnsafeBuffer memory = directQueue(capacity);
        final SimpleIpcRingBuffer producer = new SimpleIpcRingBuffer(memory, "producer view");
        final SimpleIpcRingBuffer consumer = new SimpleIpcRingBuffer(memory, "consumer view").trustShmipcWriter(true);
        final UnsafeBuffer message = message(size, 1);
        final List<Long> positions = new ArrayList<>();
        for (int block = 0; block < capacity / 64; block++)
        {
            assertTrue(producer.write(1, message, 0, size), "block " + block);
            consumer.read((type, buffer, index, length) -> positions.add((long)index));
        }
        assertEquals(capacity / 64, positions.size(), "every block delivered");
        assertEquals(CONSUMER_POLLS_HEADERS, memory.getInt(CONSUMER_MODE_OFFSET), "the consumer polls headers");
        assertEquals(capacity, memory.getLong(WRITE_POS_OFFSET));
        assertEquals(capacity, memory.getLong(READ_POS_OFFSET));
        assertEquals(0L, memory.getLong(HEADER_LENGTH), "the slot at the end of the published blocks is empty");
        assertEquals(0, consumer.read((type, buffer, index, length) -> fail("nothing was published")));

        assertTrue(producer.write(1, message(size, 2), 0, size), "the next lap's first block");
        final List<byte[]> next = drain(consumer);
        assertEquals(1, next.size());
        assertMessage(next.get(0), size, 2);
    }

    @Test
    void skipsSilentlyWhenFewerThanEightBytesRemain()
    {
        // capacity 203 (a queue on its own: a segment needs a multiple of 8): blocks advance in multiples of 8, so
        // offset 200 leaves 3 bytes, a silent skip.
        final UnsafeBuffer memory = new UnsafeBuffer(ByteBuffer.allocateDirect(HEADER_LENGTH + 203));
        memory.putLong(CAPACITY_OFFSET, 203);
        final SimpleIpcRingBuffer ring = new SimpleIpcRingBuffer(memory, "heap toGuest");
        assertTrue(ring.write(1, message(192, 1), 0, 192)); // block of 200 bytes, offset 0..200
        assertEquals(1, drain(ring).size());
        assertEquals(200, ring.producerPosition());
        assertTrue(ring.write(1, message(3, 2), 0, 3));
        assertEquals(203 + 16, ring.producerPosition(), "3 skipped bytes then a 16-byte block at offset 0");
        assertEquals(3, memory.getInt(HEADER_LENGTH));
        final List<byte[]> read = drain(ring);
        assertEquals(1, read.size());
        assertMessage(read.get(0), 3, 2);
        assertEquals(203 + 16, ring.consumerPosition());
    }

    @Test
    void readerSkipsShortTailLeftByAnotherWriter()
    {
        final SimpleIpcRingBuffer ring = ringAt(200, 196);
        assertTrue(ring.write(1, message(10, 4), 0, 10));
        assertEquals(200 + 24, ring.producerPosition());
        final List<byte[]> read = drain(ring);
        assertMessage(read.get(0), 10, 4);
        assertEquals(224, ring.consumerPosition());
    }

    @Test
    void exactFitAtTheEndNeedsNoPadding()
    {
        final SimpleIpcRingBuffer ring = ring(200);
        assertTrue(ring.write(1, message(100, 1), 0, 100)); // 112 bytes
        drain(ring);
        assertTrue(ring.write(1, message(80, 2), 0, 80)); // 88 bytes: ends exactly at 200
        assertEquals(200, ring.producerPosition());
        assertTrue(ring.write(1, message(1, 3), 0, 1));
        assertEquals(216, ring.producerPosition());
        final UnsafeBuffer queue = new UnsafeBuffer(ring.buffer());
        assertEquals(MAGIC_DATA, queue.getInt(HEADER_LENGTH + 4), "next block starts at offset 0");
        final List<byte[]> read = drain(ring);
        assertEquals(2, read.size());
        assertMessage(read.get(0), 80, 2);
        assertMessage(read.get(1), 1, 3);
    }

    @Test
    void writesAPaddingBlockWhenTheBlockDoesNotFitBeforeTheEnd()
    {
        final SimpleIpcRingBuffer ring = ring(200);
        assertTrue(ring.write(1, message(150, 1), 0, 150)); // 160 bytes, 40 left
        drain(ring);
        assertTrue(ring.write(1, message(40, 2), 0, 40)); // 48 bytes do not fit in 40
        final UnsafeBuffer queue = new UnsafeBuffer(ring.buffer());
        assertEquals(32, queue.getInt(HEADER_LENGTH + 160), "padding size: bytes after its header to the end");
        assertEquals(MAGIC_PADDING, queue.getInt(HEADER_LENGTH + 164));
        assertEquals(40, queue.getInt(HEADER_LENGTH));
        assertEquals(200 + 48, ring.producerPosition());
        final List<byte[]> read = drain(ring);
        assertEquals(1, read.size());
        assertMessage(read.get(0), 40, 2);
        assertEquals(248, ring.consumerPosition());
    }

    @Test
    void fullRingReturnsFalseAndRecoversWhenConsumed()
    {
        final SimpleIpcRingBuffer ring = ring(200);
        int written = 0;
        while (ring.write(1, message(24, written), 0, 24)) // 32-byte blocks
        {
            written++;
        }
        assertEquals(6, written);
        assertEquals(200, ring.size(), "192 bytes of blocks and the 8-byte padding to the end");
        assertFalse(ring.write(1, message(24, 0), 0, 24), "still full: no spinning, no partial write");
        assertEquals(200, ring.producerPosition());
        assertEquals(6, drain(ring).size());
        assertTrue(ring.write(1, message(24, 9), 0, 24));
        assertMessage(drain(ring).get(0), 24, 9);
    }

    @Test
    void largestMessageFitsAfterTheWrapOnceThePaddingIsConsumed()
    {
        final SimpleIpcRingBuffer ring = ring(200);
        assertTrue(ring.write(1, message(16, 1), 0, 16));
        drain(ring);
        final int max = ring.maxMsgLength();
        assertFalse(ring.write(1, message(max, 2), 0, max), "needs the whole data area");
        assertEquals(200, ring.producerPosition(), "the padding to the end was published");
        assertEquals(0, drain(ring).size(), "the reader consumes the padding");
        assertTrue(ring.write(1, message(max, 2), 0, max));
        assertMessage(drain(ring).get(0), max, 2);
    }

    @Test
    void batchIsPublishedWithOneStore()
    {
        final SimpleIpcRingBuffer ring = ring(1000);
        assertFalse(ring.publish(), "nothing to publish");
        for (int i = 0; i < 5; i++)
        {
            assertTrue(ring.append(message(20, i), 0, 20));
        }
        assertEquals(0, ring.producerPosition(), "nothing visible before publish");
        assertEquals(0, ring.read((t, b, i, l) -> fail("no message is visible yet")));
        assertTrue(ring.publish());
        assertEquals(5 * 32, ring.producerPosition());
        final List<byte[]> read = drain(ring);
        for (int i = 0; i < 5; i++)
        {
            assertMessage(read.get(i), 20, i);
        }
    }

    @Test
    void readConsumesUpToTheLimitAndStoresReadPosOnce()
    {
        final SimpleIpcRingBuffer ring = ring(1000);
        for (int i = 0; i < 4; i++)
        {
            ring.write(1, message(8, i), 0, 8);
        }
        final int[] seen = new int[1];
        assertEquals(3, ring.read((t, b, i, l) ->
        {
            assertEquals(0, ring.consumerPosition(), "readPos is stored after the batch");
            seen[0]++;
        }, 3));
        assertEquals(3, seen[0]);
        assertEquals(48, ring.consumerPosition());
        assertEquals(1, ring.read((t, b, i, l) -> { }, 3));
    }

    @Test
    void handlerExceptionConsumesTheMessagesDelivered()
    {
        final SimpleIpcRingBuffer ring = ring(1000);
        ring.write(1, message(8, 0), 0, 8);
        ring.write(1, message(8, 1), 0, 8);
        assertThrows(IllegalStateException.class, () -> ring.read((t, b, i, l) ->
        {
            throw new IllegalStateException("handler failed");
        }));
        assertEquals(16, ring.consumerPosition());
        assertMessage(drain(ring).get(0), 8, 1);
    }

    @Test
    void controlledReadFollowsAgronaActions()
    {
        final SimpleIpcRingBuffer ring = ring(1000);
        for (int i = 0; i < 5; i++)
        {
            ring.write(1, message(8, i), 0, 8);
        }
        assertEquals(0, ring.controlledRead((t, b, i, l) -> Action.ABORT));
        assertEquals(0, ring.consumerPosition());

        assertEquals(1, ring.controlledRead((t, b, i, l) -> Action.BREAK));
        assertEquals(16, ring.consumerPosition());

        final long[] positions = new long[2];
        final int[] count = new int[1];
        assertEquals(2, ring.controlledRead((t, b, i, l) ->
        {
            positions[count[0]++] = ring.consumerPosition();
            return Action.COMMIT;
        }, 2));
        assertArrayEquals(new long[] {16, 32}, positions, "COMMIT stores readPos after each message");

        final List<Integer> firstBytes = new ArrayList<>();
        assertEquals(2, ring.controlledRead((t, b, i, l) ->
        {
            firstBytes.add((int)b.getByte(i));
            return Action.CONTINUE;
        }));
        assertEquals(List.of(3 * 31, (byte)(4 * 31) + 0), firstBytes);
        assertEquals(80, ring.consumerPosition());
    }

    @Test
    void claimCommitAndAbort()
    {
        final SimpleIpcRingBuffer ring = ring(200);
        final int index = ring.tryClaim(1, 12);
        assertTrue(index > 0);
        assertThrows(IllegalStateException.class, () -> ring.write(1, message(4, 0), 0, 4), "claim pending");
        assertEquals(0, ring.producerPosition(), "a claim is invisible until committed");
        ring.buffer().putBytes(index, message(12, 7), 0, 12);
        assertThrows(IllegalArgumentException.class, () -> ring.commit(index + 8));
        ring.commit(index);
        assertEquals(24, ring.producerPosition());

        final int aborted = ring.tryClaim(1, 30);
        ring.abort(aborted);
        assertEquals(24, ring.producerPosition(), "an aborted claim publishes nothing");
        assertThrows(IllegalArgumentException.class, () -> ring.abort(aborted), "no claim pending");
        assertTrue(ring.write(1, message(3, 8), 0, 3));

        final List<byte[]> read = drain(ring);
        assertEquals(2, read.size());
        assertMessage(read.get(0), 12, 7);
        assertMessage(read.get(1), 3, 8);
    }

    @Test
    void tryClaimReportsInsufficientCapacity()
    {
        final SimpleIpcRingBuffer ring = ring(200);
        assertTrue(ring.write(1, message(150, 0), 0, 150));
        assertEquals(RingBuffer.INSUFFICIENT_CAPACITY, ring.tryClaim(1, 100));
        assertThrows(IllegalArgumentException.class, () -> ring.tryClaim(1, ring.maxMsgLength() + 1));
    }

    @Test
    void rejectsMessageTypesTheLayoutCannotCarry()
    {
        final SimpleIpcRingBuffer ring = ring(200);
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> ring.write(7, message(1, 0), 0, 1));
        assertTrue(ex.getMessage().contains("was 7"), ex.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ring.tryClaim(2, 1));
        assertEquals(0, ring.producerPosition());
    }

    @Test
    void extensionFieldsLiveInTheHeaderPadding()
    {
        final SimpleIpcRingBuffer ring = ring(200);
        assertEquals(0, ring.nextCorrelationId());
        assertEquals(1, ring.nextCorrelationId());
        ring.consumerHeartbeatTime(123456789L);
        assertEquals(123456789L, ring.consumerHeartbeatTime());
        final UnsafeBuffer queue = new UnsafeBuffer(ring.buffer());
        assertEquals(2, queue.getLong(CORRELATION_COUNTER_OFFSET));
        assertEquals(123456789L, queue.getLong(CONSUMER_HEARTBEAT_OFFSET));
        assertEquals(0, queue.getLong(WRITE_POS_OFFSET));
        assertEquals(0, queue.getLong(READ_POS_OFFSET));
        assertEquals(200, queue.getLong(CAPACITY_OFFSET));
    }

    @Test
    void readerStateHandshake()
    {
        final SimpleIpcRingBuffer ring = ring(200);
        assertTrue(ring.readerNeedsWakeUp(), "state 0 (a C++/Go reader): post on every publish");
        assertTrue(ring.prepareToSleep(), "empty: may block");
        assertTrue(ring.readerNeedsWakeUp());
        ring.awake();
        assertFalse(ring.readerNeedsWakeUp(), "an awake shmipc reader needs no post");
        ring.write(1, message(1, 0), 0, 1);
        assertFalse(ring.prepareToSleep(), "data pending: must not block");
        assertFalse(ring.readerNeedsWakeUp());
        ring.resetReaderState();
        assertTrue(ring.readerNeedsWakeUp());
    }

    @Test
    void sizeCountsPublishedBytes()
    {
        final SimpleIpcRingBuffer ring = ring(200);
        assertEquals(0, ring.size());
        ring.write(1, message(9, 0), 0, 9);
        assertEquals(24, ring.size());
        ring.append(message(1, 0), 0, 1);
        assertEquals(24, ring.size());
        assertFalse(ring.unblock());
    }

    @Test
    void attachingWritesNothing()
    {
        final SharedSegment segment = segment(1000);
        final SimpleIpcRingBuffer writer = segment.simpleIpcRing(QueueId.TO_GUEST);
        for (int i = 0; i < 10; i++)
        {
            writer.write(1, message(40, i), 0, 40);
        }
        final byte[] before = new byte[segment.length()];
        final UnsafeBuffer whole =
            new UnsafeBuffer(segment.queueBuffer(QueueId.TO_GUEST).addressOffset(), segment.length());
        whole.getBytes(0, before);
        final SharedSegment again = SharedSegment.open(files.get(files.size() - 1), false);
        segments.add(again);
        again.ring(QueueId.TO_GUEST);
        again.ring(QueueId.FROM_GUEST);
        final byte[] after = new byte[segment.length()];
        whole.getBytes(0, after);
        assertArrayEquals(before, after);
        final List<byte[]> read = drain(again.ring(QueueId.TO_GUEST));
        assertEquals(10, read.size(), "a reader attaching later finds every message the writer put there");
    }

    @Test
    void toStringNamesTheQueue()
    {
        final SimpleIpcRingBuffer ring = ring(200);
        assertTrue(ring.toString().contains("toGuest"), ring.toString());
        assertTrue(ring.name().endsWith("toGuest"));
    }

    /** @return an initialised queue in direct memory: the 128-byte header, capacity set, then the data area. */
    private static UnsafeBuffer directQueue(final int capacity)
    {
        final UnsafeBuffer memory = new UnsafeBuffer(ByteBuffer.allocateDirect(HEADER_LENGTH + capacity));
        memory.putLong(CAPACITY_OFFSET, capacity);
        return memory;
    }
}
