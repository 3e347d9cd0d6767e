package io.shmipc.benchmarks;

import io.shmipc.core.ring.SimpleIpcRingBuffer;
import io.shmipc.core.segment.QueueId;
import io.shmipc.core.segment.SegmentLayout;
import io.shmipc.core.segment.SharedSegment;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Write-then-read throughput of one ring in one thread, over a mapped file in {@code /dev/shm}: our SimpleIPC v1
 * ring against Agrona's {@code OneToOneRingBuffer} in the same run. Each invocation writes a burst of
 * {@link #BURST} messages and reads them back with one {@code read}, so the score is per message. Run with
 * {@code -prof gc} to see the allocation per message (the goal is 0).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
@State(Scope.Thread)
public class RingThroughputBenchmark
{
    /** Messages per invocation. */
    public static final int BURST = 16;

    /** Data capacity of each ring: a power of two so Agrona's ring can have it too. */
    private static final int CAPACITY = 64 * 1024;

    @Param({"shmipc", "agrona"})
    public String ring;

    @Param({"32", "256", "1024"})
    public int messageBytes;

    private Path file;
    private SharedSegment segment;
    private RingBuffer ringBuffer;
    /** The same ring as {@link #ringBuffer} when it is shmipc's (batch append and publish), else null. */
    private SimpleIpcRingBuffer batchRing;
    private UnsafeBuffer message;
    private CountingHandler handler;

    /** A non-capturing handler kept in a field: a lambda capturing a local would allocate per read. */
    static final class CountingHandler implements MessageHandler
    {
        Blackhole blackhole;
        long bytes;

        public void onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
        {
            bytes += length;
            blackhole.consume(buffer.getLong(index));
        }
    }

    @Setup
    public void setUp(final Blackhole blackhole)
    {
        file = SharedSegment.SHM_DIRECTORY.resolve("shmipc-bench-" + ProcessHandle.current().pid() + "-" + ring);
        final SegmentLayout layout = "agrona".equals(ring) ? SegmentLayout.AGRONA : SegmentLayout.SIMPLE_IPC;
        segment = SharedSegment.create(file, CAPACITY, layout, SharedSegment.DEFAULT_PERMISSIONS);
        ringBuffer = segment.ring(QueueId.TO_GUEST);
        batchRing = ringBuffer instanceof SimpleIpcRingBuffer ? (SimpleIpcRingBuffer)ringBuffer : null;
        message = new UnsafeBuffer(new byte[messageBytes]);
        message.setMemory(0, messageBytes, (byte)7);
        handler = new CountingHandler();
        handler.blackhole = blackhole;
    }

    @TearDown
    public void tearDown() throws IOException
    {
        segment.close();
        Files.deleteIfExists(file);
    }

    @Benchmark
    @OperationsPerInvocation(BURST)
    public int writeThenRead()
    {
        final RingBuffer ringBuffer = this.ringBuffer;
        final UnsafeBuffer message = this.message;
        final int length = messageBytes;
        for (int i = 0; i < BURST; i++)
        {
            if (!ringBuffer.write(1, message, 0, length))
            {
                throw new IllegalStateException("ring full: the benchmark reads everything it writes");
            }
        }
        int read = 0;
        while (read < BURST)
        {
            read += ringBuffer.read(handler);
        }
        return read;
    }

    /**
     * Batch publishing: the burst is appended and published with one release store of writePos (shmipc's
     * {@code append} + {@code publish}, what a channel's writer does for a batch). Agrona's ring has no batch
     * publish, so for {@code agrona} this is the same one-write-per-message loop as {@link #writeThenRead()}: the
     * reference a batch is compared with, in the same run.
     */
    @Benchmark
    @OperationsPerInvocation(BURST)
    public int batchThenRead()
    {
        final UnsafeBuffer message = this.message;
        final int length = messageBytes;
        if (batchRing != null)
        {
            final SimpleIpcRingBuffer ring = batchRing;
            for (int i = 0; i < BURST; i++)
            {
                if (!ring.append(message, 0, length))
                {
                    throw new IllegalStateException("ring full: the benchmark reads everything it writes");
                }
            }
            ring.publish();
        }
        else
        {
            final RingBuffer ringBuffer = this.ringBuffer;
            for (int i = 0; i < BURST; i++)
            {
                if (!ringBuffer.write(1, message, 0, length))
                {
                    throw new IllegalStateException("ring full: the benchmark reads everything it writes");
                }
            }
        }
        int read = 0;
        while (read < BURST)
        {
            read += ringBuffer.read(handler);
        }
        return read;
    }
}
