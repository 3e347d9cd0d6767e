package io.shmipc.core.ring;

import io.shmipc.core.segment.QueueId;
import io.shmipc.core.segment.SharedSegment;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.locks.LockSupport;

/**
 * A producer or consumer of a ring that a crash test kills with SIGKILL at a random moment. It records its progress
 * in a small mapped file, with plain stores that survive the kill, so the test can check what the next process
 * resumes with:
 * <pre>
 *   CrashRingPeer produce SEGMENT PROGRESS RUN SEED COUNT        progress[0] = messages published by this run
 *   CrashRingPeer consume SEGMENT PROGRESS SEED COUNT rule|trust  progress[0] = first seq read (-1: none yet),
 *                                                                  progress[1] = seqs delivered to the handler,
 *                                                                  progress[2] = seqs whose read() returned,
 *                                                                  progress[3] = 1 if a message was wrong
 * </pre>
 * A producer writes messages numbered {@code RUN << 40 | n}; a consumer expects consecutive numbers. Exits 0 after
 * COUNT messages (a producer) or once it has read up to seq COUNT (a consumer), 1 on a wrong message. Two more
 * modes die at a chosen instruction with {@code Runtime.halt(137)}, which runs no finally block:
 * <pre>
 *   CrashRingPeer haltInHandler SEGMENT rule|trust N            reads, halting in the handler of the N-th message
 *   CrashRingPeer haltBeforePublish SEGMENT SEED PUBLISHED MORE  publishes PUBLISHED messages, appends MORE, halts
 * </pre>
 */
final class CrashRingPeer
{
    static final int MAX_EXTRA = 300;
    static final int RUN_SHIFT = 40;
    static final int PROGRESS_LENGTH = 64;

    private CrashRingPeer()
    {
    }

    static MappedByteBuffer mapProgress(final Path file)
    {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
            StandardOpenOption.WRITE))
        {
            final MappedByteBuffer map = channel.map(FileChannel.MapMode.READ_WRITE, 0, PROGRESS_LENGTH);
            map.order(ByteOrder.LITTLE_ENDIAN);
            return map;
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    public static void main(final String[] args)
    {
        final Path segmentFile = Path.of(args[1]);
        if ("haltInHandler".equals(args[0]))
        {
            haltInHandler(segmentFile, "trust".equals(args[2]), Integer.parseInt(args[3]));
            return;
        }
        if ("haltBeforePublish".equals(args[0]))
        {
            haltBeforePublish(
                segmentFile, Long.parseLong(args[2]), Integer.parseInt(args[3]), Integer.parseInt(args[4]));
            return;
        }
        final MappedByteBuffer progress = mapProgress(Path.of(args[2]));
        try (SharedSegment segment = SharedSegment.open(segmentFile, false, Duration.ofSeconds(20)))
        {
            if ("produce".equals(args[0]))
            {
                produce(segment, progress, Long.parseLong(args[3]), Long.parseLong(args[4]), Long.parseLong(args[5]));
            }
            else
            {
                System.exit(consume(segment, progress, Long.parseLong(args[3]), Long.parseLong(args[4]),
                    "trust".equals(args[5])));
            }
        }
    }

    private static void haltInHandler(final Path segmentFile, final boolean trust, final int haltOn)
    {
        final SharedSegment segment = SharedSegment.open(segmentFile, false, Duration.ofSeconds(20));
        final RingBuffer in = segment.ring(QueueId.TO_GUEST);
        if (in instanceof SimpleIpcRingBuffer)
        {
            ((SimpleIpcRingBuffer)in).trustShmipcWriter(trust);
        }
        final int[] seen = new int[1];
        in.read((msgTypeId, buffer, index, length) ->
        {
            if (++seen[0] == haltOn)
            {
                Runtime.getRuntime().halt(137);
            }
        });
        System.exit(3); // the handler did not see message haltOn
    }

    private static void haltBeforePublish(final Path segmentFile, final long seed, final int published, final int more)
    {
        final SharedSegment segment = SharedSegment.open(segmentFile, false, Duration.ofSeconds(20));
        final SimpleIpcRingBuffer out = segment.simpleIpcRing(QueueId.TO_GUEST);
        final UnsafeBuffer scratch = new UnsafeBuffer(new byte[4096]);
        for (int n = 0; n < published + more; n++)
        {
            final int length = PeerMessages.encode(scratch, 0, seed, n, MAX_EXTRA);
            if (!out.append(scratch, 0, length))
            {
                System.exit(3);
            }
            if (n + 1 == published)
            {
                out.publish();
            }
        }
        Runtime.getRuntime().halt(137);
    }

    /**
     * Batches of 1 to 40 appends, then one publish; now and then a single write or a claim.
     */
    private static void produce(
        final SharedSegment segment, final MappedByteBuffer progress, final long run, final long seed, final long count)
    {
        final SimpleIpcRingBuffer out = segment.simpleIpcRing(QueueId.TO_GUEST);
        final UnsafeBuffer scratch = new UnsafeBuffer(new byte[4096]);
        final SplittableRandom random = new SplittableRandom(seed ^ run);
        long n = 0;
        while (n < count)
        {
            final int batch = 1 + random.nextInt(40);
            final int kind = random.nextInt(10);
            for (int i = 0; i < batch && n < count; i++)
            {
                final long seq = (run << RUN_SHIFT) | n;
                final int length = PeerMessages.encode(scratch, 0, seed, seq, MAX_EXTRA);
                final boolean done;
                if (kind == 0)
                {
                    final int index = out.tryClaim(SimpleIpcRingBuffer.MSG_TYPE_ID, length);
                    done = index > 0;
                    if (done)
                    {
                        out.buffer().putBytes(index, scratch, 0, length);
                        out.commit(index);
                    }
                }
                else if (kind == 1)
                {
                    done = out.write(SimpleIpcRingBuffer.MSG_TYPE_ID, scratch, 0, length);
                }
                else
                {
                    done = out.append(scratch, 0, length);
                }
                if (!done)
                {
                    if (out.publish())
                    {
                        progress.putLong(0, n);
                    }
                    LockSupport.parkNanos(20_000);
                    i--;
                    continue;
                }
                n++;
            }
            if (out.publish() || kind <= 1)
            {
                progress.putLong(0, n);
            }
        }
        System.out.println("CrashRingPeer produce: " + n + " messages published");
    }

    private static int consume(
        final SharedSegment segment,
        final MappedByteBuffer progress,
        final long seed,
        final long count,
        final boolean trust)
    {
        final SimpleIpcRingBuffer in = segment.simpleIpcRing(QueueId.TO_GUEST).trustShmipcWriter(trust);
        progress.putLong(0, -1);
        final Checker checker = new Checker(progress, seed);
        final long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (checker.next < count)
        {
            final int read = in.read(checker, 1 + (int)Math.floorMod(checker.next, 50L));
            if (checker.failure != null)
            {
                System.err.println("CrashRingPeer consume: " + checker.failure);
                return 1;
            }
            if (read > 0)
            {
                progress.putLong(16, checker.next);
            }
            else
            {
                Thread.onSpinWait();
                if (System.nanoTime() - deadline > 0)
                {
                    System.err.println("CrashRingPeer consume: timed out at " + checker.next);
                    return 2;
                }
            }
        }
        System.out.println("CrashRingPeer consume: read up to " + checker.next);
        return 0;
    }

    /** Checks that messages come numbered consecutively and intact; spins about a microsecond on each. */
    static final class Checker implements MessageHandler
    {
        private final MappedByteBuffer progress;
        private final long seed;
        long next = -1;
        String failure;

        Checker(final MappedByteBuffer progress, final long seed)
        {
            this.progress = progress;
            this.seed = seed;
        }

        public void onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
        {
            final long seq = buffer.getLong(index, ByteOrder.LITTLE_ENDIAN);
            if (next < 0)
            {
                next = seq;
                progress.putLong(0, seq);
            }
            if (failure == null)
            {
                failure = seq != next ? "expected seq " + next + ", got " + seq :
                    PeerMessages.verify(buffer, index, length, seed, seq, MAX_EXTRA);
                if (failure != null)
                {
                    progress.putLong(24, 1);
                }
            }
            next = seq + 1;
            progress.putLong(8, next);
            final long until = System.nanoTime() + 1000;
            while (System.nanoTime() - until < 0)
            {
                Thread.onSpinWait();
            }
        }
    }
}
