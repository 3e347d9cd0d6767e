package io.shmipc.benchmarks;

import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.nio.ByteBuffer;
import java.util.function.LongUnaryOperator;

import static io.shmipc.core.ring.SimpleIpcDescriptor.CAPACITY_OFFSET;
import static io.shmipc.core.ring.SimpleIpcDescriptor.CONSUMER_MODE_OFFSET;
import static io.shmipc.core.ring.SimpleIpcDescriptor.CONSUMER_POLLS_HEADERS;
import static io.shmipc.core.ring.SimpleIpcDescriptor.HEADER_LENGTH;

/**
 * One variant of {@code bench one-thread}: one ring, written then read by the calling thread in bursts of
 * {@link #BURST} messages, the loop of JMH's {@code RingThroughputBenchmark.writeThenRead}. Each variant is loaded in a
 * class loader of its own ({@link OneThreadCommand}), so its loop has its own JIT profile, and the command calls it
 * through a JDK interface. It names no shmipc class but by its name (the layout constants are compiled in), so it
 * also drives another build's ring from {@code --baseline-jar}, old package names included.
 */
public final class OneThreadRing implements LongUnaryOperator
{
    /** Messages written before they are read back. */
    static final int BURST = 16;

    /** The shmipc ring, its consumer reading writePos (the SimpleIPC v1 rule). */
    static final String SHMIPC = "shmipc";

    /**
     * The shmipc ring, its consumer polling block headers ({@code trustShmipcWriter}): its producer then also clears
     * the header slot after each block and records each publish, which is what this variant costs more.
     */
    static final String SHMIPC_HEADERS = "shmipc-headers";

    /** Data capacity of each ring: a power of two, so Agrona's ring can have it too. */
    static final int CAPACITY = 64 * 1024;

    /** The shmipc ring's class, by the package names it has had. */
    static final String[] SHMIPC_RING_CLASSES =
        {"io.shmipc.core.ring.SimpleIpcRingBuffer", "io.shmipc.core.SimpleIpcRingBuffer"};

    private final RingBuffer ring;
    private final UnsafeBuffer message;
    private final int length;
    private final Handler handler = new Handler();

    /** Counts the bytes and reads every payload's first word, as JMH's {@code CountingHandler} does. */
    static final class Handler implements MessageHandler
    {
        long bytes;
        long sum;

        public void onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
        {
            bytes += length;
            sum += buffer.getLong(index);
        }
    }

    /**
     * @param kind         {@link #SHMIPC}, {@link #SHMIPC_HEADERS} or {@code agrona}.
     * @param messageBytes payload length, at least 8.
     * @throws IllegalArgumentException for another kind.
     * @throws IllegalStateException    if the shmipc ring class cannot be found or built (or, for
     *                                  {@link #SHMIPC_HEADERS}, has no header polling).
     */
    public OneThreadRing(final String kind, final int messageBytes)
    {
        length = messageBytes;
        message = new UnsafeBuffer(new byte[messageBytes]);
        message.setMemory(0, messageBytes, (byte)7);
        if ("agrona".equals(kind))
        {
            ring = new OneToOneRingBuffer(aligned(CAPACITY + RingBufferDescriptor.TRAILER_LENGTH));
        }
        else if (SHMIPC.equals(kind) || SHMIPC_HEADERS.equals(kind))
        {
            final boolean pollHeaders = SHMIPC_HEADERS.equals(kind);
            final UnsafeBuffer queue = aligned(HEADER_LENGTH + CAPACITY);
            queue.putLongVolatile(CAPACITY_OFFSET, CAPACITY);
            ring = shmipcRing(queue, pollHeaders);
            if (pollHeaders)
            {
                burst(); // the first publish answers the ask; from the next read on the consumer polls headers
                if (CONSUMER_POLLS_HEADERS != queue.getIntVolatile(CONSUMER_MODE_OFFSET))
                {
                    throw new IllegalStateException(kind + ": the ring did not agree to header polling (mode " +
                        queue.getIntVolatile(CONSUMER_MODE_OFFSET) + ")");
                }
            }
        }
        else
        {
            throw new IllegalArgumentException("no such ring: " + kind);
        }
    }

    private static UnsafeBuffer aligned(final int length)
    {
        return new UnsafeBuffer(ByteBuffer.allocateDirect(length + 64).alignedSlice(64), 0, length);
    }

    private static RingBuffer shmipcRing(final UnsafeBuffer queue, final boolean pollHeaders)
    {
        final ClassLoader loader = OneThreadRing.class.getClassLoader();
        for (final String name : SHMIPC_RING_CLASSES)
        {
            final Class<?> type;
            try
            {
                type = Class.forName(name, true, loader);
            }
            catch (final ClassNotFoundException ex)
            {
                continue;
            }
            try
            {
                final Object ring = type.getConstructor(AtomicBuffer.class, String.class).newInstance(queue, "bench");
                if (pollHeaders)
                {
                    // the same instance consumes: it asks, and the first publish answers
                    type.getMethod("trustShmipcWriter", boolean.class).invoke(ring, true);
                }
                return (RingBuffer)ring;
            }
            catch (final ReflectiveOperationException ex)
            {
                throw new IllegalStateException("cannot build " + name + ": " + ex, ex);
            }
        }
        throw new IllegalStateException("no shmipc ring class (" + String.join(", ", SHMIPC_RING_CLASSES) + ")");
    }

    /**
     * Run bursts for at least the given time.
     *
     * @param nanos how long.
     * @return messages written and read.
     */
    public long applyAsLong(final long nanos)
    {
        final long end = System.nanoTime() + nanos;
        long messages = 0;
        do
        {
            for (int i = 0; i < 64; i++)
            {
                burst();
            }
            messages += 64 * BURST;
        }
        while (System.nanoTime() - end < 0);
        return messages;
    }

    /**
     * @return the bytes read plus the sum of the payloads' first words (keeps the reads).
     */
    public long checksum()
    {
        return handler.bytes + handler.sum;
    }

    private void burst()
    {
        final RingBuffer ring = this.ring;
        for (int i = 0; i < BURST; i++)
        {
            if (!ring.write(1, message, 0, length))
            {
                throw new IllegalStateException("ring full: the bench reads everything it writes");
            }
        }
        int read = 0;
        while (read < BURST)
        {
            read += ring.read(handler);
        }
    }
}
