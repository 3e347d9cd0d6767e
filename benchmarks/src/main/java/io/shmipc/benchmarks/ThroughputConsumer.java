package io.shmipc.benchmarks;

import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;

abstract class ThroughputConsumerPad1
{
    byte p000, p001, p002, p003, p004, p005, p006, p007, p008, p009, p010, p011, p012, p013, p014, p015;
    byte p016, p017, p018, p019, p020, p021, p022, p023, p024, p025, p026, p027, p028, p029, p030, p031;
    byte p032, p033, p034, p035, p036, p037, p038, p039, p040, p041, p042, p043, p044, p045, p046, p047;
    byte p048, p049, p050, p051, p052, p053, p054, p055, p056, p057, p058, p059, p060, p061, p062, p063;
}

/** The fields the hot loop writes, between two pads. */
abstract class ThroughputConsumerHotFields extends ThroughputConsumerPad1
{
    long messages;
    /** Messages read by reads that stopped at {@link #BATCH}: with a backlog waiting. */
    long backlogged;
    long bytes;
    long checksum;
}

abstract class ThroughputConsumerPad2 extends ThroughputConsumerHotFields
{
    byte p100, p101, p102, p103, p104, p105, p106, p107, p108, p109, p110, p111, p112, p113, p114, p115;
    byte p116, p117, p118, p119, p120, p121, p122, p123, p124, p125, p126, p127, p128, p129, p130, p131;
    byte p132, p133, p134, p135, p136, p137, p138, p139, p140, p141, p142, p143, p144, p145, p146, p147;
    byte p148, p149, p150, p151, p152, p153, p154, p155, p156, p157, p158, p159, p160, p161, p162, p163;
}

/**
 * The consumer of the throughput benchmark, which also drives it: it starts the producer, counts what it reads
 * during the warm-up and the measurement, and tells the producer to stop. Reads in batches of up to {@value #BATCH}
 * messages (counting those of batches that reached it: {@link #backlogged()}) and copies each payload out, as a
 * consumer that decodes it would, so every byte really crosses between the cores; busy-spins on an empty ring (100%
 * of a core). It is its own handler, so polling allocates nothing. Single-threaded.
 */
final class ThroughputConsumer extends ThroughputConsumerPad2 implements MessageHandler
{
    /** Most messages one read takes, as the layout's floor ({@link LayoutFloor#BATCH}). */
    static final int BATCH = LayoutFloor.BATCH;

    private final RingBuffer ring;
    private final UnsafeBuffer copy = new UnsafeBuffer(new byte[PingPongCommand.MAX_SIZE]);
    private final ControlFile control;
    private final long timeoutNanos;

    ThroughputConsumer(final RingBuffer ring, final ControlFile control, final long timeoutNanos)
    {
        this.ring = ring;
        this.control = control;
        this.timeoutNanos = timeoutNanos;
    }

    /**
     * {@inheritDoc}
     */
    public void onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
    {
        ++messages;
        bytes += length;
        buffer.getBytes(index, copy, 0, length);
        checksum += copy.getLong(length - 8);
    }

    /**
     * Warm up, measure, stop the producer.
     *
     * @param clock measures the measurement phase (wall and this thread's CPU).
     * @return {messages, payload bytes} read during the measurement.
     * @throws IllegalStateException if nothing arrives for {@code timeoutNanos}.
     */
    long[] run(final RunLength run, final PhaseClock clock)
    {
        control.phase(ControlFile.WARMUP);
        phase(run, true);
        final long messagesBefore = messages;
        final long bytesBefore = bytes;
        control.phase(ControlFile.MEASURE);
        clock.start();
        phase(run, false);
        clock.stop();
        control.phase(ControlFile.DONE);
        return new long[]{messages - messagesBefore, bytes - bytesBefore};
    }

    /**
     * @return messages read by {@link #slice} calls in reads that stopped at {@value #BATCH}: the consumer was behind.
     */
    long backlogged()
    {
        return backlogged;
    }

    /**
     * Round method: read for {@code count} messages, or for {@code nanos} when count is 0.
     *
     * @return messages read.
     * @throws IllegalStateException if nothing arrives for the timeout.
     */
    long slice(final long count, final long nanos)
    {
        final RingBuffer ring = this.ring;
        final long start = System.nanoTime();
        final long first = messages;
        long lastProgress = start;
        long now = start;
        while (count > 0 ? messages - first < count : now - start < nanos)
        {
            final int read = ring.read(this, BATCH);
            now = System.nanoTime();
            if (read > 0)
            {
                lastProgress = now;
                if (BATCH == read)
                {
                    backlogged += read;
                }
            }
            else
            {
                Thread.onSpinWait();
                if (now - lastProgress > timeoutNanos)
                {
                    throw new IllegalStateException("throughput consumer: nothing arrived for " +
                        Durations.format(timeoutNanos) + " (is the producer alive?)");
                }
            }
        }
        return messages - first;
    }

    private void phase(final RunLength run, final boolean warmup)
    {
        final RingBuffer ring = this.ring;
        final long start = System.nanoTime();
        final long first = messages;
        long lastProgress = start;
        long now = start;
        while (!(warmup ?
            run.warmupDone(messages - first, now - start) : run.measureDone(messages - first, now - start)))
        {
            final int read = ring.read(this, BATCH);
            now = System.nanoTime();
            if (read > 0)
            {
                lastProgress = now;
                control.progress(messages - first);
            }
            else
            {
                Thread.onSpinWait();
                if (now - lastProgress > timeoutNanos)
                {
                    throw new IllegalStateException("throughput consumer: nothing arrived for " +
                        Durations.format(timeoutNanos) + " (is the producer alive?)");
                }
            }
        }
    }
}
