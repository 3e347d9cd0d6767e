package io.shmipc.core.ring;

import io.shmipc.core.segment.QueueId;
import io.shmipc.core.segment.SharedSegment;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * One side of a duplex test run: writes {@code count} {@link PeerMessages} to its outgoing queue while it reads and
 * verifies {@code count} from its incoming queue, on one thread. Run in-process by a test, or as the main class of a
 * second JVM: {@code RingPeer FILE host|guest COUNT SEED MAX_EXTRA [trust]} exits 0 when every message arrived intact,
 * 1 on a wrong message, 2 on a timeout.
 */
final class RingPeer implements MessageHandler
{
    private final RingBuffer out;
    private final RingBuffer in;
    private final long count;
    private final long seed;
    private final int maxExtra;
    private final UnsafeBuffer scratch = new UnsafeBuffer(new byte[64 * 1024]);
    private long written;
    private long read;
    private String failure;

    RingPeer(final SharedSegment segment, final boolean host, final long count, final long seed, final int maxExtra)
    {
        this(segment, host, count, seed, maxExtra, false);
    }

    /**
     * @param trustWriter read by polling block headers (both peers are shmipc).
     */
    RingPeer(final SharedSegment segment, final boolean host, final long count, final long seed, final int maxExtra,
        final boolean trustWriter)
    {
        this.out = segment.ring(host ? QueueId.TO_GUEST : QueueId.FROM_GUEST);
        this.in = segment.simpleIpcRing(host ? QueueId.FROM_GUEST : QueueId.TO_GUEST).trustShmipcWriter(trustWriter);
        this.count = count;
        this.seed = seed;
        this.maxExtra = maxExtra;
    }

    /**
     * @return null when every message went out and every expected message came in intact, else the failure.
     */
    String run(final Duration timeout)
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        int idle = 0;
        while (written < count || read < count)
        {
            int work = 0;
            while (written < count)
            {
                final int length = PeerMessages.encode(scratch, 0, seed, written, maxExtra);
                if (!out.write(1, scratch, 0, length))
                {
                    break;
                }
                written++;
                work++;
            }
            work += in.read(this);
            if (failure != null)
            {
                return failure;
            }
            if (work == 0)
            {
                if (++idle > 100)
                {
                    LockSupport.parkNanos(1000);
                }
                else
                {
                    Thread.yield();
                }
                if ((idle & 0x3FF) == 0 && System.nanoTime() - deadline > 0)
                {
                    return "timed out after writing " + written + " and reading " + read + " of " + count;
                }
            }
            else
            {
                idle = 0;
            }
        }
        return null;
    }

    public void onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
    {
        if (failure == null)
        {
            failure = PeerMessages.verify(buffer, index, length, seed ^ 1, read, maxExtra);
        }
        read++;
    }

    /**
     * Seed of the traffic a side writes: the host writes with {@code seed}, the guest with {@code seed ^ 1}, so
     * each side checks the other's traffic.
     */
    static long writeSeed(final long seed, final boolean host)
    {
        return host ? seed : seed ^ 1;
    }

    public static void main(final String[] args)
    {
        final Path file = Path.of(args[0]);
        final boolean host = "host".equals(args[1]);
        final long count = Long.parseLong(args[2]);
        final long seed = Long.parseLong(args[3]);
        final int maxExtra = Integer.parseInt(args[4]);
        final boolean trustWriter = args.length > 5 && "trust".equals(args[5]);
        try (SharedSegment segment = SharedSegment.open(file, false, Duration.ofSeconds(20)))
        {
            final String failure = new RingPeer(segment, host, count, writeSeed(seed, host), maxExtra, trustWriter)
                .run(Duration.ofSeconds(60));
            if (failure != null)
            {
                System.err.println("RingPeer " + args[1] + ": " + failure);
                System.exit(failure.startsWith("timed out") ? 2 : 1);
            }
        }
        System.out.println("RingPeer " + args[1] + ": " + count + " messages each way verified");
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
    }
}
