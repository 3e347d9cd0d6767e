package io.shmipc.core.ring;

import io.shmipc.core.TestSegments;
import io.shmipc.core.segment.QueueId;
import io.shmipc.core.segment.SharedSegment;
import io.shmipc.signals.NamedSignal;
import io.shmipc.signals.NamedSignals;
import io.shmipc.idle.WaitIdleStrategy;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The skip-unless-sleeping policy under stress: a writer posts the semaphore only when
 * {@link SimpleIpcRingBuffer#readerNeedsWakeUp()} says so, in bursts separated by silences, while a reader with a
 * {@code wait} strategy that blocks almost at once (the ring as its SleepGuard) keeps up. The block timeout is far
 * longer than any silence, so a block that ends by timeout while a message is pending can only be a lost wake-up,
 * and fails the test.
 */
class LostWakeupStressTest
{
    private static final long BLOCK_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(2);

    private final Path file = TestSegments.uniqueFile("wakeup");
    private final String semaphore = TestSegments.uniqueName("wakeup") + "_REQ";

    @AfterEach
    void cleanUp()
    {
        TestSegments.delete(file);
        NamedSignals.unlink(semaphore);
    }

    /** Delegates to the real semaphore and records any timeout that happens while the queue holds data. */
    static final class TimeoutWatchingSignal implements NamedSignal
    {
        private final NamedSignal delegate;
        private final SimpleIpcRingBuffer ring;
        final AtomicReference<String> lostWakeup = new AtomicReference<>();
        final AtomicLong blocks = new AtomicLong();

        TimeoutWatchingSignal(final NamedSignal delegate, final SimpleIpcRingBuffer ring)
        {
            this.delegate = delegate;
            this.ring = ring;
        }

        public String name()
        {
            return delegate.name();
        }

        public void post()
        {
            delegate.post();
        }

        public boolean await(final long timeoutNanos)
        {
            blocks.incrementAndGet();
            final boolean posted = delegate.await(timeoutNanos);
            if (!posted && ring.producerPosition() != ring.consumerPosition())
            {
                lostWakeup.compareAndSet(null, "a block timed out with " + ring.size() + " bytes pending at readPos " +
                    ring.consumerPosition());
            }
            return posted;
        }

        public int drain()
        {
            return delegate.drain();
        }

        public int value()
        {
            return delegate.value();
        }

        public void close()
        {
            delegate.close();
        }
    }

    static final class Counter implements MessageHandler
    {
        long next;
        String failure;

        public void onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
        {
            final long seq = buffer.getLong(index);
            if (seq != next && failure == null)
            {
                failure = "expected message " + next + ", got " + seq;
            }
            next++;
        }
    }

    @Test
    @Timeout(60)
    void noWaitEndsByTimeoutWhileAMessageIsPending() throws Exception
    {
        final long runNanos = TimeUnit.SECONDS.toNanos(4);
        try (SharedSegment segment = TestSegments.create(file, 4096);
            NamedSignal signal = NamedSignals.create(semaphore, 0600))
        {
            final SimpleIpcRingBuffer readerRing = segment.simpleIpcRing(QueueId.TO_GUEST);
            final SimpleIpcRingBuffer writerRing = segment.simpleIpcRing(QueueId.TO_GUEST);
            final TimeoutWatchingSignal watched = new TimeoutWatchingSignal(signal, readerRing);
            final WaitIdleStrategy idle = new WaitIdleStrategy(10, 1, 0, 0, BLOCK_TIMEOUT_NS, watched, readerRing);
            final Counter counter = new Counter();
            final AtomicLong written = new AtomicLong();
            final AtomicLong stop = new AtomicLong(Long.MAX_VALUE);

            final Thread reader = new Thread(() ->
            {
                while (counter.next < stop.get() && counter.failure == null)
                {
                    idle.idle(readerRing.read(counter));
                }
                readerRing.resetReaderState();
            }, "shmipc-test-reader");
            reader.start();

            long posts = 0;
            long skipped = 0;
            final UnsafeBuffer message = new UnsafeBuffer(new byte[16]);
            final ThreadLocalRandom random = ThreadLocalRandom.current();
            final long end = System.nanoTime() + runNanos;
            long seq = 0;
            while (System.nanoTime() - end < 0 && watched.lostWakeup.get() == null)
            {
                final int burst = 1 + random.nextInt(random.nextBoolean() ? 3 : 60);
                for (int i = 0; i < burst; i++)
                {
                    message.putLong(0, seq);
                    while (!writerRing.append(message, 0, 16))
                    {
                        publishAndWake(writerRing, signal);
                        Thread.yield();
                    }
                    seq++;
                    if (random.nextInt(4) == 0)
                    {
                        final int outcome = publishAndWake(writerRing, signal);
                        posts += outcome == POSTED ? 1 : 0;
                        skipped += outcome == SKIPPED ? 1 : 0;
                    }
                }
                final int outcome = publishAndWake(writerRing, signal);
                posts += outcome == POSTED ? 1 : 0;
                skipped += outcome == SKIPPED ? 1 : 0;
                final int pause = random.nextInt(10);
                if (pause < 4)
                {
                    LockSupport.parkNanos(random.nextLong(1_000, 2_000_000));
                }
                else if (pause < 7)
                {
                    Thread.yield();
                }
            }
            written.set(seq);
            stop.set(seq);
            reader.join(TimeUnit.SECONDS.toMillis(10));
            assertFalse(reader.isAlive(), "reader did not finish: read " + counter.next + " of " + seq);

            assertNull(watched.lostWakeup.get(), "lost wake-up: " + watched.lostWakeup.get());
            assertNull(counter.failure);
            assertEquals(written.get(), counter.next, "every message read");
            assertTrue(watched.blocks.get() > 100, "the reader blocked often enough to race: " + watched.blocks.get());
            assertTrue(posts > 0 && skipped > 0, "both paths taken: posts " + posts + ", skipped " + skipped);
        }
    }

    private static final int NOTHING_PUBLISHED = 0, POSTED = 1, SKIPPED = 2;

    /** Publish, then post only if the reader may be asleep, as a shmipc writer does. */
    private static int publishAndWake(final SimpleIpcRingBuffer ring, final NamedSignal signal)
    {
        if (!ring.publish())
        {
            return NOTHING_PUBLISHED;
        }
        if (ring.readerNeedsWakeUp())
        {
            signal.post();
            return POSTED;
        }
        return SKIPPED;
    }
}
