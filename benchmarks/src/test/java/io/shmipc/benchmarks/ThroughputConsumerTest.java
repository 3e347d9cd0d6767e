package io.shmipc.benchmarks;

import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ThroughputConsumerTest
{
    private static final long TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(5);

    private static RingBuffer ring()
    {
        return new OneToOneRingBuffer(
            new UnsafeBuffer(ByteBuffer.allocateDirect((1 << 16) + RingBufferDescriptor.TRAILER_LENGTH)));
    }

    private static void write(final RingBuffer ring, final int messages)
    {
        final UnsafeBuffer message = new UnsafeBuffer(new byte[32]);
        for (int i = 0; i < messages; i++)
        {
            message.putLong(0, i);
            if (!ring.write(1, message, 0, 32))
            {
                throw new IllegalStateException("ring full at " + i);
            }
        }
    }

    @Test
    void countsAsBehindOnlyTheMessagesOfReadsThatFoundAWholeBatchWaiting()
    {
        final RingBuffer ring = ring();
        final ThroughputConsumer consumer = new ThroughputConsumer(ring, null, TIMEOUT_NANOS);
        write(ring, ThroughputConsumer.BATCH + 44);
        assertEquals(ThroughputConsumer.BATCH + 44, consumer.slice(ThroughputConsumer.BATCH + 44, 0));
        assertEquals(ThroughputConsumer.BATCH, consumer.backlogged(), "the first read found a batch, the second 44");

        write(ring, 10);
        assertEquals(10, consumer.slice(10, 0));
        assertEquals(ThroughputConsumer.BATCH, consumer.backlogged(), "a consumer that keeps up is not behind");
    }
}
