package io.shmipc.core.channel;

import io.shmipc.core.ring.SimpleIpcRingBuffer;
import io.shmipc.signals.NamedSignal;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static io.shmipc.core.ring.SimpleIpcDescriptor.CAPACITY_OFFSET;
import static io.shmipc.core.ring.SimpleIpcDescriptor.HEADER_LENGTH;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The callers' writer: flat combining (one publish and one signal for the lock holder's message and every message
 * that waited for it), the hand-back of a message that found no room or failed, and the reader thread's deferred
 * publication.
 */
@Timeout(60)
class CombiningWriterTest
{
    private static final long TIMEOUT_NS = TimeUnit.SECONDS.toNanos(10);

    /** Counts posts; the reader state of a fresh queue is "unknown", so every publish posts. */
    private static final class CountingSignal implements NamedSignal
    {
        final AtomicInteger posts = new AtomicInteger();

        public String name()
        {
            return "counting";
        }

        public void post()
        {
            posts.incrementAndGet();
        }

        public boolean await(final long timeoutNanos)
        {
            return false;
        }

        public int drain()
        {
            return 0;
        }

        public int value()
        {
            return posts.get();
        }

        public void close()
        {
        }
    }

    private final CountingSignal signal = new CountingSignal();
    private final AtomicBoolean closing = new AtomicBoolean();

    private static SimpleIpcRingBuffer ring(final int capacity)
    {
        final UnsafeBuffer memory = new UnsafeBuffer(ByteBuffer.allocateDirect(HEADER_LENGTH + capacity));
        memory.putLong(CAPACITY_OFFSET, capacity);
        return new SimpleIpcRingBuffer(memory, "test queue");
    }

    private static UnsafeBuffer message(final int length, final int tag)
    {
        final UnsafeBuffer message = new UnsafeBuffer(new byte[length]);
        message.setMemory(0, length, (byte)tag);
        return message;
    }

    private static List<byte[]> drain(final SimpleIpcRingBuffer ring)
    {
        return drain(ring, Integer.MAX_VALUE);
    }

    private static List<byte[]> drain(final SimpleIpcRingBuffer ring, final int limit)
    {
        final List<byte[]> read = new ArrayList<>();
        ring.read((type, buffer, index, length) ->
        {
            final byte[] bytes = new byte[length];
            buffer.getBytes(index, bytes);
            read.add(bytes);
        }, limit);
        return read;
    }

    private static void awaitTrue(final BooleanSupplier condition) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TIMEOUT_NS;
        while (!condition.getAsBoolean())
        {
            assertTrue(System.nanoTime() - deadline < 0, "condition not met within 10 s");
            Thread.sleep(1);
        }
    }

    /** Fill a 256-byte queue exactly: eight 24-byte messages in 32-byte blocks. */
    private static void fillWithEightBlocks(final CombiningWriter writer)
    {
        for (int i = 0; i < 8; i++)
        {
            assertTrue(writer.write(message(24, 1), 0, 24, TIMEOUT_NS));
        }
    }

    @Test
    void aLoneWriterPublishesAndSignalsEachMessage()
    {
        final SimpleIpcRingBuffer ring = ring(1024);
        final CombiningWriter writer = new CombiningWriter(ring, signal, closing::get);
        assertTrue(writer.write(message(24, 1), 0, 24, TIMEOUT_NS));
        assertEquals(32, ring.producerPosition());
        assertTrue(writer.write(message(24, 2), 0, 24, TIMEOUT_NS));
        assertEquals(64, ring.producerPosition());
        assertEquals(2, signal.posts.get());
        assertEquals(2, drain(ring).size());
    }

    @Test
    void theLockHolderWritesTheWaitingMessagesWithOnePublishAndOneSignal() throws Exception
    {
        final SimpleIpcRingBuffer ring = ring(256); // eight 32-byte blocks fill it exactly
        final CombiningWriter writer = new CombiningWriter(ring, signal, closing::get);
        fillWithEightBlocks(writer);
        final int postsWhenFull = signal.posts.get();
        final ExecutorService threads = Executors.newFixedThreadPool(2);
        try
        {
            // The holder takes the lock and waits for room; the second thread then finds the lock taken and waits.
            final Future<Boolean> holder = threads.submit(() -> writer.write(message(24, 2), 0, 24, TIMEOUT_NS));
            awaitTrue(writer::lockHeld);
            final Future<Boolean> waiter = threads.submit(() -> writer.write(message(16, 3), 0, 16, TIMEOUT_NS));
            awaitTrue(writer::hasWaiting);
            assertEquals(256, ring.producerPosition());

            assertEquals(8, drain(ring).size()); // room: the holder writes its message, then the waiter's

            assertTrue(holder.get(10, TimeUnit.SECONDS));
            assertTrue(waiter.get(10, TimeUnit.SECONDS));
            assertEquals(postsWhenFull + 1, signal.posts.get(), "one signal for both messages");
            assertEquals(256 + 32 + 24, ring.producerPosition(), "both published");
            final List<byte[]> read = drain(ring);
            assertEquals(2, read.size());
            assertArrayEquals(message(24, 2).byteArray(), read.get(0));
            assertArrayEquals(message(16, 3).byteArray(), read.get(1));
        }
        finally
        {
            threads.shutdownNow();
        }
    }

    @Test
    void aWaitingMessageThatFindsNoRoomIsWrittenByItsOwnThreadOnceThereIsRoom() throws Exception
    {
        final SimpleIpcRingBuffer ring = ring(256);
        final CombiningWriter writer = new CombiningWriter(ring, signal, closing::get);
        fillWithEightBlocks(writer);
        final ExecutorService threads = Executors.newFixedThreadPool(2);
        try
        {
            final Future<Boolean> holder = threads.submit(() -> writer.write(message(24, 2), 0, 24, TIMEOUT_NS));
            awaitTrue(writer::lockHeld);
            final Future<Boolean> waiter = threads.submit(() -> writer.write(message(56, 3), 0, 56, TIMEOUT_NS));
            awaitTrue(writer::hasWaiting);
            assertEquals(2, drain(ring, 2).size()); // 64 bytes free: the holder's 32-byte block, not the waiter's 64
            assertTrue(holder.get(10, TimeUnit.SECONDS));
            awaitTrue(() -> ring.producerPosition() == 256 + 32);
            assertFalse(waiter.isDone(), "the waiter waits for room on its own deadline");

            assertEquals(7, drain(ring).size());
            assertTrue(waiter.get(10, TimeUnit.SECONDS));
            final List<byte[]> last = drain(ring);
            assertEquals(1, last.size());
            assertArrayEquals(message(56, 3).byteArray(), last.get(0));
        }
        finally
        {
            threads.shutdownNow();
        }
    }

    @Test
    void anOversizeWaitingMessageFailsOnItsOwnThreadAndTheHolderGoesOn() throws Exception
    {
        final SimpleIpcRingBuffer ring = ring(256);
        final CombiningWriter writer = new CombiningWriter(ring, signal, closing::get);
        fillWithEightBlocks(writer);
        final ExecutorService threads = Executors.newFixedThreadPool(2);
        try
        {
            final Future<Boolean> holder = threads.submit(() -> writer.write(message(24, 2), 0, 24, TIMEOUT_NS));
            awaitTrue(writer::lockHeld);
            final int oversize = ring.maxMsgLength() + 1;
            final Future<Boolean> waiter = threads.submit(
                () -> writer.write(message(oversize, 3), 0, oversize, TIMEOUT_NS));
            awaitTrue(writer::hasWaiting);
            drain(ring);
            assertTrue(holder.get(10, TimeUnit.SECONDS));
            final Exception failure = assertThrows(Exception.class, () -> waiter.get(10, TimeUnit.SECONDS));
            assertTrue(failure.getCause() instanceof IllegalArgumentException, String.valueOf(failure.getCause()));
            assertTrue(failure.getCause().getMessage().contains(String.valueOf(oversize)),
                failure.getCause().getMessage());
            assertEquals(1, drain(ring).size());
        }
        finally
        {
            threads.shutdownNow();
        }
    }

    @Test
    void aWriteWaitingForRoomGivesUpAtItsDeadlineOrWhenTheChannelCloses() throws Exception
    {
        final SimpleIpcRingBuffer ring = ring(256);
        final CombiningWriter writer = new CombiningWriter(ring, signal, closing::get);
        fillWithEightBlocks(writer);
        assertFalse(writer.write(message(24, 2), 0, 24, TimeUnit.MILLISECONDS.toNanos(20)));
        final ExecutorService threads = Executors.newSingleThreadExecutor();
        try
        {
            final Future<Boolean> blocked = threads.submit(() -> writer.write(message(24, 2), 0, 24, TIMEOUT_NS));
            awaitTrue(writer::lockHeld);
            closing.set(true);
            assertFalse(blocked.get(10, TimeUnit.SECONDS));
            assertFalse(writer.lockHeld());
        }
        finally
        {
            threads.shutdownNow();
        }
    }

    @Test
    void theBatchThreadsMessagesArePublishedTogetherAtTheEndOfTheBatch()
    {
        final SimpleIpcRingBuffer ring = ring(4096);
        final CombiningWriter writer = new CombiningWriter(ring, signal, closing::get);
        writer.beginBatch();
        for (int i = 0; i < 3; i++)
        {
            assertTrue(writer.write(message(24, i), 0, 24, TIMEOUT_NS));
        }
        assertEquals(0, ring.producerPosition(), "held back until the batch ends");
        assertEquals(0, signal.posts.get());
        writer.endBatch();
        assertEquals(3 * 32, ring.producerPosition());
        assertEquals(1, signal.posts.get());

        writer.beginBatch();
        for (int i = 0; i < CombiningWriter.DEFER_LIMIT + 2; i++)
        {
            assertTrue(writer.write(message(24, i), 0, 24, TIMEOUT_NS));
        }
        assertEquals((3 + CombiningWriter.DEFER_LIMIT) * 32, ring.producerPosition(), "at most 16 held back");
        writer.endBatch();
        assertEquals((3 + CombiningWriter.DEFER_LIMIT + 2) * 32, ring.producerPosition());
        assertEquals(3, signal.posts.get());
        writer.endBatch();
        assertEquals(3, signal.posts.get(), "nothing left to publish");
    }

    @Test
    void anotherThreadsWritePublishesWhatTheBatchThreadHeldBack() throws Exception
    {
        final SimpleIpcRingBuffer ring = ring(4096);
        final CombiningWriter writer = new CombiningWriter(ring, signal, closing::get);
        writer.beginBatch();
        assertTrue(writer.write(message(24, 1), 0, 24, TIMEOUT_NS));
        final Thread other = new Thread(() -> writer.write(message(24, 2), 0, 24, TIMEOUT_NS));
        other.start();
        other.join(10_000);
        assertEquals(64, ring.producerPosition());
        writer.endBatch();
        assertEquals(64, ring.producerPosition());
        assertEquals(2, drain(ring).size());
    }

    @Test
    void manyThreadsWritingAtOnceDeliverEveryMessageOnceAndInEachThreadsOrder() throws Exception
    {
        final SimpleIpcRingBuffer ring = ring(64 * 1024);
        final CombiningWriter writer = new CombiningWriter(ring, signal, closing::get);
        final int threads = 4;
        final int perThread = 20_000;
        final ExecutorService pool = Executors.newFixedThreadPool(threads);
        final List<Future<?>> writers = new ArrayList<>();
        for (int t = 0; t < threads; t++)
        {
            final int id = t;
            writers.add(pool.submit(() ->
            {
                final UnsafeBuffer message = new UnsafeBuffer(new byte[12]);
                for (int seq = 0; seq < perThread; seq++)
                {
                    message.putInt(0, id);
                    message.putLong(4, seq);
                    assertTrue(writer.write(message, 0, 12, TIMEOUT_NS));
                }
                return null;
            }));
        }
        final long[] next = new long[threads];
        int received = 0;
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        final int[] count = new int[1];
        while (received < threads * perThread)
        {
            assertTrue(System.nanoTime() - deadline < 0, "only " + received + " messages arrived");
            count[0] = 0;
            ring.read((type, buffer, index, length) ->
            {
                assertEquals(12, length);
                final int id = buffer.getInt(index);
                assertEquals(next[id], buffer.getLong(index + 4), "thread " + id + "'s messages out of order");
                next[id]++;
                count[0]++;
            });
            received += count[0];
            if (0 == count[0])
            {
                Thread.yield();
            }
        }
        for (final Future<?> future : writers)
        {
            future.get(10, TimeUnit.SECONDS);
        }
        pool.shutdown();
        for (int t = 0; t < threads; t++)
        {
            assertEquals(perThread, next[t]);
        }
        assertEquals(0, ring.size());
        assertTrue(signal.posts.get() <= threads * perThread, "at most one signal per message");
    }
}
