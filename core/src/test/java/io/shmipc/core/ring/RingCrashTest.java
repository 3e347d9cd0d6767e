package io.shmipc.core.ring;

import io.shmipc.core.ChildProcess;
import io.shmipc.core.TestSegments;
import io.shmipc.core.segment.QueueId;
import io.shmipc.core.segment.SegmentLayout;
import io.shmipc.core.segment.SharedSegment;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import static io.shmipc.core.ring.SimpleIpcDescriptor.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Producers and consumers of a ring die (SIGKILL from the test, or {@code Runtime.halt} at a chosen point) and the
 * next process resumes: nothing published is lost, nothing committed is delivered twice, nothing is torn, and
 * nothing appended but unpublished is delivered. The random rounds are seeded ({@code -Dshmipc.crash.seed}) and
 * their number set by {@code -Dshmipc.crash.rounds} (default 8 kills per scenario).
 */
class RingCrashTest
{
    private static final long SEED = Long.getLong("shmipc.crash.seed", System.nanoTime());
    private static final int ROUNDS = Integer.getInteger("shmipc.crash.rounds", 8);

    private final Path file = TestSegments.uniqueFile("crash");
    private final List<Path> progressFiles = new ArrayList<>();

    @AfterEach
    void cleanUp() throws Exception
    {
        TestSegments.delete(file);
        for (final Path progress : progressFiles)
        {
            Files.deleteIfExists(progress);
        }
    }

    private Path progressFile()
    {
        final Path progress = TestSegments.uniqueFile("progress");
        progressFiles.add(progress);
        return progress;
    }

    private static int write(final RingBuffer ring, final UnsafeBuffer scratch, final long seed, final long seq)
    {
        final int length = PeerMessages.encode(scratch, 0, seed, seq, CrashRingPeer.MAX_EXTRA);
        assertTrue(ring.write(SimpleIpcRingBuffer.MSG_TYPE_ID, scratch, 0, length), "room for message " + seq);
        return length;
    }

    /** Collects sequence numbers and checks every message's bytes. */
    private static final class Collector implements MessageHandler
    {
        final long seed;
        final List<Long> seqs = new ArrayList<>();

        Collector(final long seed)
        {
            this.seed = seed;
        }

        public void onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
        {
            final long seq = buffer.getLong(index, ByteOrder.LITTLE_ENDIAN);
            final String failure = PeerMessages.verify(buffer, index, length, seed, seq, CrashRingPeer.MAX_EXTRA);
            assertNull(failure);
            seqs.add(seq);
        }
    }

    /**
     * A ring object of its own over a queue, as a process attaching to the segment gets: the tests play several
     * processes (a dead producer, its successor, a consumer) on one mapping, and {@link SharedSegment#ring} hands
     * one process the same object every time.
     */
    private static SimpleIpcRingBuffer attach(final SharedSegment segment, final QueueId queue)
    {
        return new SimpleIpcRingBuffer(segment.queueBuffer(queue), segment.description() + " " + queue.label());
    }

    @ParameterizedTest(name = "{0}, header polling {1}")
    @CsvSource({"SIMPLE_IPC, false", "SIMPLE_IPC, true", "AGRONA, false"})
    @Timeout(60)
    void aConsumerKilledInItsHandlerLeavesTheBatchToTheNextConsumer(final SegmentLayout layout, final boolean trust)
    {
        final long seed = 42;
        try (SharedSegment segment = SharedSegment.create(file, 4096, layout, SharedSegment.DEFAULT_PERMISSIONS))
        {
            final RingBuffer out = segment.ring(QueueId.TO_GUEST);
            final UnsafeBuffer scratch = new UnsafeBuffer(new byte[1024]);
            for (long seq = 0; seq < 3; seq++)
            {
                write(out, scratch, seed, seq);
            }
            try (ChildProcess consumer = ChildProcess.java(CrashRingPeer.class, "haltInHandler", file.toString(),
                trust ? "trust" : "rule", "2"))
            {
                assertEquals(137, consumer.waitFor(30, TimeUnit.SECONDS), consumer::output);
            }
            final RingBuffer in = segment.ring(QueueId.TO_GUEST);
            if (in instanceof SimpleIpcRingBuffer)
            {
                ((SimpleIpcRingBuffer)in).trustShmipcWriter(trust);
            }
            final Collector collector = new Collector(seed);
            assertEquals(3, in.read(collector), "the dead consumer's batch is delivered again");
            assertEquals(List.of(0L, 1L, 2L), collector.seqs);
            write(out, scratch, seed, 3);
            assertEquals(1, in.read(collector));
            assertEquals(3L, collector.seqs.get(3));
            assertEquals(in.producerPosition(), in.consumerPosition());
        }
    }

    @ParameterizedTest(name = "header polling {0}")
    @ValueSource(booleans = {false, true})
    @Timeout(60)
    void blocksAppendedButNeverPublishedByADeadProducerAreNotDelivered(final boolean trust)
    {
        final long seed = 7;
        final int published = 20;
        try (SharedSegment segment = TestSegments.create(file, 64 * 1024))
        {
            final SimpleIpcRingBuffer in = attach(segment, QueueId.TO_GUEST).trustShmipcWriter(trust);
            try (ChildProcess producer = ChildProcess.java(CrashRingPeer.class, "haltBeforePublish", file.toString(),
                Long.toString(seed), Integer.toString(published), "80"))
            {
                assertEquals(137, producer.waitFor(30, TimeUnit.SECONDS), producer::output);
            }
            final Collector collector = new Collector(seed);
            in.read(collector);
            in.read(collector);
            assertEquals(published, collector.seqs.size(), "only the published messages: " + collector.seqs);

            final SimpleIpcRingBuffer restarted = attach(segment, QueueId.TO_GUEST); // must not refuse
            final UnsafeBuffer scratch = new UnsafeBuffer(new byte[1024]);
            for (long seq = published; seq < published + 30; seq++)
            {
                write(restarted, scratch, seed, seq);
            }
            while (in.read(collector) > 0)
            {
                assertTrue(collector.seqs.size() <= published + 30);
            }
            for (int i = 0; i < published + 30; i++)
            {
                assertEquals(i, collector.seqs.get(i));
            }
            assertEquals(published + 30, collector.seqs.size());
            assertEquals(restarted.producerPosition(), in.consumerPosition());
        }
    }

    /**
     * The two stores of a publish cannot both be hit by a SIGKILL on purpose, so this test leaves the segment in the
     * state each crash point would: after {@code pendingLimit} (first header not yet written), and after the first
     * header (writePos not yet stored), with a header-polling consumer that has read the batch or not.
     */
    @ParameterizedTest(name = "first header written {0}, consumer read the batch {1}")
    @CsvSource({"false, false", "true, false", "true, true"})
    void aPublishInterruptedBetweenItsStoresIsCompletedByTheNextProducer(
        final boolean headerWritten, final boolean consumerRead)
    {
        final long seed = 9;
        try (SharedSegment segment = TestSegments.create(file, 4096))
        {
            final SimpleIpcRingBuffer dead = attach(segment, QueueId.TO_GUEST);
            final SimpleIpcRingBuffer in = attach(segment, QueueId.TO_GUEST).trustShmipcWriter(true);
            final UnsafeBuffer scratch = new UnsafeBuffer(new byte[1024]);
            final Collector collector = new Collector(seed);
            write(dead, scratch, seed, 0);
            assertEquals(1, in.read(collector));
            final long writePos = dead.producerPosition();
            for (long seq = 1; seq <= 5; seq++)
            {
                assertTrue(
                    dead.append(scratch, 0, PeerMessages.encode(scratch, 0, seed, seq, CrashRingPeer.MAX_EXTRA)));
            }
            final int firstOffset = (int)(writePos % dead.capacity());
            dead.publish();
            final AtomicBufferView queue = new AtomicBufferView(dead);
            queue.putLong(WRITE_POS_OFFSET, writePos); // the store that did not happen
            if (!headerWritten)
            {
                queue.putLong(HEADER_LENGTH + firstOffset, 0L);
            }
            if (!headerWritten)
            {
                assertEquals(0, in.read(collector), "nothing is visible before the first header");
            }
            else if (consumerRead)
            {
                assertEquals(5, in.read(collector));
                assertTrue(in.consumerPosition() > in.producerPosition());
            }

            final SimpleIpcRingBuffer restarted = attach(segment, QueueId.TO_GUEST); // must not refuse
            final SimpleIpcRingBuffer ruleReader = attach(segment, QueueId.TO_GUEST);
            write(restarted, scratch, seed, 6);
            while (in.read(collector) > 0)
            {
                assertTrue(collector.seqs.size() <= 7);
            }
            assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L, 6L), collector.seqs, "the batch once, then the new message");
            assertEquals(restarted.producerPosition(), in.consumerPosition());
            assertEquals(0, ruleReader.read(collector));
        }
    }

    /**
     * A producer that appended a batch while its consumer read writePos wrote the batch's headers in place (nothing
     * held back). When the consumer asked meanwhile, the publish that answers it records that batch from the header in
     * place. Here the producer dies after the answer and before writePos: the consumer, now polling headers, reads the
     * batch beyond writePos, and the next producer adopts it instead of refusing the queue or overwriting it.
     */
    @Test
    void aBatchAppendedBeforeTheConsumerAskedIsRecordedByThePublishThatAnswers()
    {
        final long seed = 11;
        try (SharedSegment segment = TestSegments.create(file, 4096))
        {
            final SimpleIpcRingBuffer dead = attach(segment, QueueId.TO_GUEST); // the consumer reads writePos
            final UnsafeBuffer scratch = new UnsafeBuffer(new byte[1024]);
            for (long seq = 0; seq < 5; seq++)
            {
                assertTrue(
                    dead.append(scratch, 0, PeerMessages.encode(scratch, 0, seed, seq, CrashRingPeer.MAX_EXTRA)));
            }
            final SimpleIpcRingBuffer in = attach(segment, QueueId.TO_GUEST).trustShmipcWriter(true);
            final long writePos = dead.producerPosition();
            dead.publish();
            final AtomicBufferView queue = new AtomicBufferView(dead);
            assertEquals(CONSUMER_POLLS_HEADERS, queue.getInt(CONSUMER_MODE_OFFSET), "answered at once");
            queue.putLong(WRITE_POS_OFFSET, writePos); // the store that did not happen

            final Collector collector = new Collector(seed);
            assertEquals(0, in.read(collector), "the answer is read with writePos, which covers nothing");
            assertEquals(5, in.read(collector), "then the batch, by its headers");
            final SimpleIpcRingBuffer restarted = attach(segment, QueueId.TO_GUEST); // must not refuse
            write(restarted, scratch, seed, 5);
            while (in.read(collector) > 0)
            {
                assertTrue(collector.seqs.size() <= 6);
            }
            assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L), collector.seqs, "the batch once, then the new message");
            assertEquals(restarted.producerPosition(), in.consumerPosition());
        }
    }

    @Test
    void positionsNearTheTopOfTheRangeAreRejectedNotWrapped()
    {
        try (SharedSegment segment = TestSegments.create(file, 4096))
        {
            final SimpleIpcRingBuffer ring = attach(segment, QueueId.TO_GUEST);
            final AtomicBufferView queue = new AtomicBufferView(ring);
            final long writePos = Long.MAX_VALUE;
            final long readPos = writePos - 16; // readPos on a padding block at the end of the data area
            final int offset = (int)(readPos % 4096);
            queue.putLong(HEADER_LENGTH + offset, (4096 - offset - 8) | ((long)MAGIC_PADDING << 32));
            queue.putLong(READ_POS_OFFSET, readPos);
            queue.putLong(WRITE_POS_OFFSET, writePos);
            final CorruptQueueException attach = assertThrows(CorruptQueueException.class,
                () -> attach(segment, QueueId.TO_GUEST));
            assertTrue(attach.getMessage().contains(Long.toString(writePos)), attach.getMessage());
            final CorruptQueueException read = assertThrows(CorruptQueueException.class,
                () -> ring.read((t, b, i, l) -> fail("delivered a message beyond writePos")));
            assertTrue(read.getMessage().contains(Long.toString(writePos)), read.getMessage());
            assertEquals(readPos, ring.consumerPosition(), "readPos untouched");

            // Just inside the range, a padding block that runs past writePos.
            queue.putLong(WRITE_POS_OFFSET, MAX_POSITION - 8);
            queue.putLong(READ_POS_OFFSET, MAX_POSITION - 16);
            final int nearOffset = (int)((MAX_POSITION - 16) % 4096);
            queue.putLong(HEADER_LENGTH + nearOffset, (4096 - nearOffset - 8) | ((long)MAGIC_PADDING << 32));
            final SimpleIpcRingBuffer near = attach(segment, QueueId.TO_GUEST);
            assertThrows(CorruptQueueException.class, () -> near.read((t, b, i, l) -> fail("beyond writePos")));
            assertTrue(near.consumerPosition() >= 0);
        }
    }

    /** Producers killed at random moments; one consumer in this JVM reads throughout. */
    @ParameterizedTest(name = "header polling {0}")
    @ValueSource(booleans = {false, true})
    @Timeout(120)
    void killedProducersLoseNothingTheyPublished(final boolean trust) throws Exception
    {
        final SplittableRandom random = new SplittableRandom(SEED);
        try (SharedSegment segment = TestSegments.create(file, 16 * 1024))
        {
            final SimpleIpcRingBuffer in = attach(segment, QueueId.TO_GUEST).trustShmipcWriter(trust);
            final long[] next = new long[ROUNDS + 1];
            final String[] failure = new String[1];
            final MessageHandler checker = (type, buffer, index, length) ->
            {
                final long seq = buffer.getLong(index, ByteOrder.LITTLE_ENDIAN);
                final int run = (int)(seq >>> CrashRingPeer.RUN_SHIFT);
                final long n = seq & ((1L << CrashRingPeer.RUN_SHIFT) - 1);
                if (failure[0] == null && (run > ROUNDS || n != next[run]))
                {
                    failure[0] = "run " + run + ": expected message " + (run > ROUNDS ? "?" : next[run]) + ", got " + n;
                }
                if (failure[0] == null)
                {
                    failure[0] = PeerMessages.verify(buffer, index, length, SEED, seq, CrashRingPeer.MAX_EXTRA);
                }
                if (run <= ROUNDS)
                {
                    next[run] = n + 1;
                }
            };
            for (int run = 0; run <= ROUNDS; run++)
            {
                final boolean last = run == ROUNDS;
                final Path progressFile = progressFile();
                final MappedByteBuffer progress = CrashRingPeer.mapProgress(progressFile);
                try (ChildProcess producer = ChildProcess.java(CrashRingPeer.class, "produce", file.toString(),
                    progressFile.toString(), Integer.toString(run), Long.toString(SEED), last ? "20000" : "100000000"))
                {
                    final long started = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                    while (!last && progress.getLong(0) == 0 && producer.isAlive() && System.nanoTime() - started < 0)
                    {
                        in.read(checker);
                        Thread.yield();
                    }
                    final long killAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(random.nextInt(500));
                    while (last ? producer.isAlive() : System.nanoTime() - killAt < 0)
                    {
                        if (in.read(checker) == 0)
                        {
                            Thread.yield();
                        }
                        assertNull(failure[0], () -> failure[0] + " (seed " + SEED + ")");
                    }
                    if (last)
                    {
                        assertEquals(0, producer.waitFor(30, TimeUnit.SECONDS), producer::output);
                    }
                    else
                    {
                        producer.kill9();
                    }
                }
                while (in.read(checker) > 0)
                {
                    assertNull(failure[0], () -> failure[0] + " (seed " + SEED + ")");
                }
                final long publishedByRun = progress.getLong(0);
                final int r = run;
                assertTrue(next[run] >= publishedByRun, () -> "run " + r + " published " + publishedByRun +
                    " messages but only " + next[r] + " arrived (seed " + SEED + ")");
                assertTrue(publishedByRun > 0 || next[run] > 0, "run " + run + " wrote something");
            }
            assertEquals(20000, next[ROUNDS], "the last producer's messages all arrived");
        }
    }

    /**
     * Consumers killed at random moments, some in the middle of a batch; one producer in this JVM writes throughout.
     */
    @ParameterizedTest(name = "header polling {0}")
    @ValueSource(booleans = {false, true})
    @Timeout(120)
    void killedConsumersResumeWhereTheirLastBatchWasCommitted(final boolean trust) throws Exception
    {
        final SplittableRandom random = new SplittableRandom(SEED + 1);
        final long total = 2_000_000_000L;
        try (SharedSegment segment = TestSegments.create(file, 16 * 1024))
        {
            final SimpleIpcRingBuffer out = attach(segment, QueueId.TO_GUEST);
            final AtomicBoolean stop = new AtomicBoolean();
            final AtomicLong written = new AtomicLong();
            final Thread producer = new Thread(() ->
            {
                final UnsafeBuffer scratch = new UnsafeBuffer(new byte[1024]);
                long seq = 0;
                while (!stop.get())
                {
                    final int length = PeerMessages.encode(scratch, 0, SEED, seq, CrashRingPeer.MAX_EXTRA);
                    if (out.write(SimpleIpcRingBuffer.MSG_TYPE_ID, scratch, 0, length))
                    {
                        written.set(++seq);
                    }
                    else
                    {
                        LockSupport.parkNanos(50_000);
                    }
                }
            }, "crash-test-producer");
            producer.start();
            try
            {
                long committedBefore = 0;
                long deliveredBefore = 0;
                for (int round = 0; round <= ROUNDS; round++)
                {
                    final boolean last = round == ROUNDS;
                    final Path progressFile = progressFile();
                    final MappedByteBuffer progress = CrashRingPeer.mapProgress(progressFile);
                    final long target = last ? deliveredBefore + 20_000 : total;
                    try (ChildProcess consumer = ChildProcess.java(CrashRingPeer.class, "consume", file.toString(),
                        progressFile.toString(), Long.toString(SEED), Long.toString(target), trust ? "trust" : "rule"))
                    {
                        if (last)
                        {
                            assertEquals(0, consumer.waitFor(60, TimeUnit.SECONDS), consumer::output);
                        }
                        else
                        {
                            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                            while (progress.getLong(8) <= deliveredBefore && consumer.isAlive() &&
                                System.nanoTime() - deadline < 0)
                            {
                                Thread.sleep(5);
                            }
                            Thread.sleep(random.nextInt(500));
                            consumer.kill9();
                        }
                        final long first = progress.getLong(0);
                        final long delivered = progress.getLong(8);
                        final long committed = progress.getLong(16);
                        final int r = round;
                        assertEquals(0, progress.getLong(24), () -> "round " + r + ": a wrong message: " +
                            consumer.output() + " (seed " + SEED + ")");
                        assertTrue(first >= 0, () -> "round " + r + " read nothing: " + consumer.output());
                        final long c = committedBefore;
                        final long d = deliveredBefore;
                        assertTrue(first >= committedBefore && first <= deliveredBefore, () -> "round " + r +
                            " started at message " + first + ": the one before committed " + c + " and was handed " +
                            d + " (seed " + SEED + ")");
                        assertTrue(committed <= delivered);
                        committedBefore = committed;
                        deliveredBefore = delivered;
                    }
                }
            }
            finally
            {
                stop.set(true);
                producer.join(10_000);
            }
            assertTrue(written.get() > 20_000);
        }
    }

    /** Writes straight into a ring's queue memory, to set up the state a crash would leave. */
    private static final class AtomicBufferView
    {
        private final AtomicBuffer buffer;

        AtomicBufferView(final SimpleIpcRingBuffer ring)
        {
            this.buffer = ring.buffer();
        }

        void putLong(final int index, final long value)
        {
            buffer.putLongVolatile(index, value);
        }

        int getInt(final int index)
        {
            return buffer.getIntVolatile(index);
        }
    }
}
