package io.shmipc.core;

import io.shmipc.affinity.AffinityPlan;
import io.shmipc.affinity.Placement;
import io.shmipc.idle.IdleStrategies;
import io.shmipc.idle.NamedSignal;
import org.agrona.DirectBuffer;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * What a host and a guest share: the two rings of the segment, the two signals, the writer (a batching writer
 * thread or the caller), the reader thread and the affinity plan of both threads. Package-private: users see
 * {@link IpcHost} and {@link IpcGuest}.
 */
final class ChannelSide
{
    private final ChannelConfig config;
    private final SharedSegment segment;
    private final SimpleIpcRingBuffer out;
    private final SimpleIpcRingBuffer in;
    private final NamedSignal outSignal;
    private final AffinityPlan plan;
    private final BatchingWriter writer;
    private final ChannelReader reader;
    private final MessageHandler handler;
    private final IdleStrategy callerIdle;
    private final NamedSignal inSignal;
    /** Caller-mode operations (caller writes, caller polls) in progress: the mapping must outlive them. */
    private final java.util.concurrent.atomic.AtomicInteger callersInside = new java.util.concurrent.atomic.AtomicInteger();
    private volatile boolean closing;
    private Thread pollingThread;
    private int polls;
    private final ThreadLocal<UnsafeBuffer> views = ThreadLocal.withInitial(UnsafeBuffer::new);
    private Thread callerThread;
    private final ErrorHandler failureListener;
    private final java.util.concurrent.atomic.AtomicLong errors = new java.util.concurrent.atomic.AtomicLong();
    private volatile Throwable failure;

    /**
     * @param outSignal       posted after publishing to {@code out}.
     * @param inSignal        the signal the reader blocks on.
     * @param failureListener told, once, of the failure that stops this side's reader or writer (on that thread);
     *                        may be null.
     */
    ChannelSide(
        final ChannelConfig config,
        final SharedSegment segment,
        final QueueId outQueue,
        final NamedSignal outSignal,
        final NamedSignal inSignal,
        final MessageHandler handler,
        final BooleanSupplier keepRunning,
        final ErrorHandler failureListener)
    {
        this.config = config;
        this.failureListener = failureListener;
        this.segment = segment;
        this.out = segment.simpleIpcRing(outQueue);
        this.in = segment.simpleIpcRing(outQueue == QueueId.TO_GUEST ? QueueId.FROM_GUEST : QueueId.TO_GUEST)
            .trustShmipcWriter(config.trustPeer());
        this.outSignal = outSignal;
        this.inSignal = inSignal;
        this.plan = AffinityPlan.builder(config.name())
            .role(ChannelConfig.WRITER_ROLE, config.writerAffinity())
            .role(ChannelConfig.READER_ROLE, config.readerAffinity())
            .resolve();
        BatchingWriter writer = null;
        try
        {
            if (config.writeMode() == WriteMode.WRITER_THREAD)
            {
                writer = new BatchingWriter(config.name(), out, outSignal, config.handoffCapacity(),
                    config.writerIdle(), plan.threadFactory(ChannelConfig.WRITER_ROLE), this::fail);
            }
            this.writer = writer;
            this.handler = handler;
            if (config.readMode() == ReadMode.READER_THREAD)
            {
                this.reader = new ChannelReader(in, segment, handler, inSignal, config.readerIdle(),
                    plan.threadFactory(ChannelConfig.READER_ROLE), () ->
                    {
                        segment.checkNotTruncated();
                        return keepRunning == null || keepRunning.getAsBoolean();
                    },
                    this::fail);
                this.callerIdle = null;
            }
            else
            {
                this.reader = null;
                this.callerIdle = IdleStrategies.parse(config.readerIdle()).newStrategy(inSignal, in);
            }
        }
        catch (final RuntimeException ex)
        {
            if (writer != null)
            {
                writer.close();
            }
            plan.close();
            throw ex;
        }
    }

    /**
     * Start the writer and reader threads. Called by the owner once it is fully constructed, since a message may
     * be waiting already and its handler may answer at once.
     */
    void start()
    {
        if (writer != null)
        {
            writer.start();
        }
        if (reader != null)
        {
            reader.start();
        }
        else
        {
            in.awake();
            in.consumerHeartbeatTime(System.currentTimeMillis());
        }
    }

    /**
     * {@link ReadMode#CALLER}: read what has arrived on the calling thread.
     *
     * @return messages handed to the handler.
     * @throws IllegalStateException if another thread has polled before, or the side has a reader thread.
     */
    int poll()
    {
        enter();
        try
        {
            return pollOnce();
        }
        finally
        {
            exit();
        }
    }

    /**
     * Record the failure that stops this side (the first one wins): a fault on a truncated mapping becomes a
     * {@link SegmentTruncatedException}. Counted, and passed to the failure listener.
     *
     * @return the failure as recorded.
     */
    private RuntimeException fail(final Throwable t)
    {
        final Throwable explained = segment.explainFault(t);
        errors.incrementAndGet();
        if (failure == null)
        {
            failure = explained;
            if (failureListener != null)
            {
                failureListener.onError(explained);
            }
        }
        return explained instanceof RuntimeException ? (RuntimeException)explained :
            new IllegalStateException("channel " + config.name() + " failed: " + explained, explained);
    }

    /**
     * @return errors that stopped this side's reader or writer, or a caller-mode read or write.
     */
    long errorCount()
    {
        return errors.get();
    }

    private int pollOnce()
    {
        final Thread current = Thread.currentThread();
        if (pollingThread != current)
        {
            if (reader != null)
            {
                throw new IllegalStateException("channel " + config.name() + " has a reader thread: read mode " +
                    "CALLER is needed to poll");
            }
            if (pollingThread != null)
            {
                throw new IllegalStateException("read mode CALLER of channel " + config.name() + " is for one " +
                    "thread: " + pollingThread.getName() + " reads, " + current.getName() + " tried too");
            }
            pollingThread = current;
        }
        final int read;
        try
        {
            read = in.read(handler, ChannelReader.BATCH_LIMIT);
        }
        catch (final RuntimeException | InternalError ex)
        {
            throw fail(ex);
        }
        if ((++polls & 0x3F) == 0)
        {
            in.consumerHeartbeatTime(System.currentTimeMillis());
        }
        return read;
    }

    /**
     * Register a caller-mode operation, or refuse it once closing has begun. The increment is a full fence before
     * the read of {@code closing}, and {@link #close()} sets {@code closing} before it reads the count, so either
     * the caller sees the close or the close waits for the caller: the mapping is never unmapped under a caller.
     */
    private void enter()
    {
        callersInside.incrementAndGet();
        if (closing)
        {
            callersInside.decrementAndGet();
            throw new IllegalStateException("channel " + config.name() + " is closed");
        }
    }

    private void exit()
    {
        callersInside.decrementAndGet();
    }

    /**
     * {@link ReadMode#CALLER}: poll on the calling thread, idling with the reader's strategy, until {@code done} or
     * the deadline ({@link System#nanoTime()}). With {@code wait}, the deadline may be overrun by one block timeout.
     */
    void pollUntil(final java.util.concurrent.Future<?> done, final long deadline)
    {
        enter();
        try
        {
            callerIdle.reset();
            while (!done.isDone())
            {
                if (closing)
                {
                    throw new IllegalStateException("channel " + config.name() + " closed while waiting for a response");
                }
                final int read = pollOnce();
                if (read == 0 && System.nanoTime() - deadline >= 0)
                {
                    return;
                }
                callerIdle.idle(read);
            }
        }
        finally
        {
            exit();
        }
    }

    boolean callerReads()
    {
        return reader == null;
    }

    /**
     * Send one message, waiting up to {@code timeoutNs} for room (in the handoff queue or, in caller mode, in the
     * shared queue).
     *
     * @return true if sent, false if there was no room in time or the side is closing.
     * @throws IllegalArgumentException if longer than the queue's maxMsgLength.
     * @throws IllegalStateException    in caller mode, when called from a second thread.
     */
    boolean send(final DirectBuffer buffer, final int offset, final int length, final long timeoutNs)
    {
        if (writer != null)
        {
            if (writer.offer(buffer, offset, length))
            {
                return true;
            }
            final long deadline = System.nanoTime() + timeoutNs;
            while (writer.isRunning() && System.nanoTime() - deadline < 0)
            {
                LockSupport.parkNanos(1000);
                if (writer.offer(buffer, offset, length))
                {
                    return true;
                }
            }
            return false;
        }
        return writeAsCaller(buffer, offset, length, timeoutNs);
    }

    boolean send(final ByteBuffer message, final long timeoutNs)
    {
        final UnsafeBuffer view = views.get();
        view.wrap(message, message.position(), message.remaining());
        return send(view, 0, message.remaining(), timeoutNs);
    }

    private boolean writeAsCaller(final DirectBuffer buffer, final int offset, final int length, final long timeoutNs)
    {
        enter();
        try
        {
            return writeOnce(buffer, offset, length, timeoutNs);
        }
        catch (final IllegalArgumentException | IllegalStateException ex)
        {
            throw ex; // the caller's mistake (oversize, second thread), not the channel's
        }
        catch (final RuntimeException | InternalError ex)
        {
            throw fail(ex);
        }
        finally
        {
            exit();
        }
    }

    private synchronized boolean writeOnce(
        final DirectBuffer buffer, final int offset, final int length, final long timeoutNs)
    {
        final Thread current = Thread.currentThread();
        if (callerThread == null)
        {
            callerThread = current;
        }
        else if (callerThread != current)
        {
            throw new IllegalStateException("write mode CALLER of channel " + config.name() + " is for one sending " +
                "thread: " + callerThread.getName() + " sends, " + current.getName() + " tried too");
        }
        final long deadline = System.nanoTime() + timeoutNs;
        while (!out.write(SimpleIpcRingBuffer.MSG_TYPE_ID, buffer, offset, length))
        {
            if (closing || System.nanoTime() - deadline >= 0)
            {
                return false;
            }
            Thread.onSpinWait();
        }
        if (out.readerNeedsWakeUp())
        {
            outSignal.post();
        }
        return true;
    }

    SharedSegment segment()
    {
        return segment;
    }

    /**
     * For this side's own reader thread, which {@link #close()} stops before anything is unmapped.
     *
     * @return the consumer heartbeat the peer keeps on the queue this side writes (epoch ms), 0 if it keeps none.
     */
    long peerHeartbeatFromReader()
    {
        return out.consumerHeartbeatTime();
    }

    /**
     * For this side's own reader thread: a header word of queue 0 (the host epoch).
     */
    long toGuestHeaderWordFromReader(final int offset)
    {
        return segment.queueBuffer(QueueId.TO_GUEST).getLongVolatile(offset);
    }

    /**
     * Any thread.
     *
     * @return true if the peer's heartbeat is fresh; false if it is stale or the peer keeps none (C++/Go).
     * @throws IllegalStateException once the side is closing: the mapping may be gone.
     */
    boolean peerAlive()
    {
        enter();
        try
        {
            final long heartbeat = out.consumerHeartbeatTime();
            return heartbeat != 0 && System.currentTimeMillis() - heartbeat <= config.peerTimeout().toMillis();
        }
        finally
        {
            exit();
        }
    }

    List<Placement> placements()
    {
        return plan.placements();
    }

    boolean isRunning()
    {
        return (reader == null || reader.isRunning()) && (writer == null || writer.isRunning());
    }

    /**
     * @return the failure that stopped this side's reader or writer (or a caller-mode read or write), or null.
     */
    Throwable failure()
    {
        return failure;
    }

    boolean awaitReaderTermination(final long timeout, final TimeUnit unit) throws InterruptedException
    {
        return reader == null || reader.awaitTermination(unit.toMillis(timeout));
    }

    /**
     * Stop the writer (after it has written what it can) and the reader, refuse new caller-mode operations and wait
     * (up to 5 s) for those in progress, release the CPUs. Does not unmap.
     *
     * @return true if no thread of this side can touch the mapping any more, so the owner may unmap it.
     */
    public boolean close()
    {
        closing = true;
        try
        {
            if (writer != null)
            {
                writer.close();
            }
        }
        finally
        {
            if (reader != null)
            {
                reader.close();
            }
            else
            {
                if (!segment.isTruncated())
                {
                    in.resetReaderState();
                }
            }
            plan.close();
        }
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (callersInside.get() > 0 && System.nanoTime() - deadline < 0)
        {
            inSignal.post(); // wakes a caller blocked on the semaphore, which then sees the close
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
        final boolean quiescent = callersInside.get() == 0 && (reader == null || !reader.isAlive()) &&
            (writer == null || !writer.isAlive());
        if (quiescent)
        {
            if (!segment.isTruncated())
            {
                in.consumerHeartbeatTime(0); // this side has left: its peer need not wait out the heartbeat timeout
            }
        }
        return quiescent;
    }
}
