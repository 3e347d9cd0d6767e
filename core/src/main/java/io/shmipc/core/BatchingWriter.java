package io.shmipc.core;

import io.shmipc.idle.IdleStrategies;
import io.shmipc.idle.NamedSignal;
import org.agrona.DirectBuffer;
import org.agrona.ErrorHandler;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.ControlledMessageHandler;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.nio.ByteBuffer;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The dedicated writer of one channel side. Application threads {@link #offer} messages into an in-process
 * {@link ManyToOneRingBuffer}; the writer thread appends everything waiting to the shared queue with
 * {@link SimpleIpcRingBuffer#append}, publishes the batch with one store of {@code writePos}, and posts the peer's
 * semaphore at most once per batch, and only when {@link SimpleIpcRingBuffer#readerNeedsWakeUp()} says the reader
 * may be asleep (always, for a C++/Go reader). When the shared queue is full, the remaining messages stay in the
 * handoff queue until the reader makes room: nothing is dropped.
 */
final class BatchingWriter implements ControlledMessageHandler, AutoCloseable
{
    private static final long PEER_FULL_PARK_NS = TimeUnit.MICROSECONDS.toNanos(20);

    private final String channel;
    private final SimpleIpcRingBuffer ring;
    private final ErrorHandler onFailure;
    private final NamedSignal peerSignal;
    private final ManyToOneRingBuffer handoff;
    private final HandoffWakeup wakeup;
    private final IdleStrategy idle;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile Throwable failure;
    private long batches;
    private long posts;

    BatchingWriter(
        final String channel,
        final SimpleIpcRingBuffer ring,
        final NamedSignal peerSignal,
        final int handoffCapacity,
        final String idleSpec,
        final ThreadFactory threadFactory,
        final ErrorHandler onFailure)
    {
        this.channel = channel;
        this.onFailure = onFailure;
        this.ring = ring;
        this.peerSignal = peerSignal;
        this.handoff = new ManyToOneRingBuffer(new UnsafeBuffer(
            ByteBuffer.allocateDirect(handoffCapacity + RingBufferDescriptor.TRAILER_LENGTH)));
        this.wakeup = new HandoffWakeup("handoff of " + channel, handoff);
        this.idle = IdleStrategies.parse(idleSpec).newStrategy(wakeup, wakeup);
        this.thread = threadFactory.newThread(this::run);
        this.thread.setDaemon(true);
    }

    /**
     * Start the thread; once, after the owner is fully constructed.
     */
    void start()
    {
        thread.start();
    }

    /**
     * Hand a message to the writer thread. Thread safe, lock-free, allocation-free.
     *
     * @return false if the handoff queue is full now (back-pressure) or the writer has stopped.
     * @throws IllegalArgumentException if the message is longer than the shared queue's maxMsgLength.
     */
    boolean offer(final DirectBuffer buffer, final int offset, final int length)
    {
        if (length > ring.maxMsgLength())
        {
            throw new IllegalArgumentException("message of " + length + " bytes exceeds maxMsgLength " +
                ring.maxMsgLength() + " of " + ring.name());
        }
        if (!running || !handoff.write(1, buffer, offset, length))
        {
            return false;
        }
        wakeup.afterAppend();
        return true;
    }

    /**
     * @return the failure that stopped the writer thread, or null.
     */
    Throwable failure()
    {
        return failure;
    }

    boolean isRunning()
    {
        return running && thread.isAlive();
    }

    Thread thread()
    {
        return thread;
    }

    boolean isAlive()
    {
        return thread.isAlive();
    }

    private void run()
    {
        try
        {
            while (running)
            {
                final int appended = handoff.controlledRead(this);
                if (ring.publish())
                {
                    batches++;
                    if (ring.readerNeedsWakeUp())
                    {
                        posts++;
                        peerSignal.post();
                    }
                }
                if (appended == 0 && handoff.size() > 0)
                {
                    // The shared queue is full: its reader frees room without signalling us, so poll gently.
                    LockSupport.parkNanos(PEER_FULL_PARK_NS);
                }
                else
                {
                    idle.idle(appended);
                }
            }
        }
        catch (final Throwable t)
        {
            failure = t;
            running = false;
            onFailure.onError(t);
        }
    }

    public Action onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
    {
        return ring.append(buffer, index, length) ? Action.CONTINUE : Action.ABORT;
    }

    /**
     * Stop the thread after it has written what it can: it is given up to a second while the messages handed to it
     * keep going out, and 50 ms once they stop (the peer makes no room: it may never).
     */
    public void close()
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        long stalledSince = System.nanoTime();
        int lastSize = handoff.size();
        while (lastSize > 0 && thread.isAlive() && System.nanoTime() - deadline < 0 &&
            System.nanoTime() - stalledSince < TimeUnit.MILLISECONDS.toNanos(50))
        {
            Thread.yield();
            final int size = handoff.size();
            if (size < lastSize)
            {
                stalledSince = System.nanoTime();
            }
            lastSize = size;
        }
        running = false;
        wakeup.post();
        try
        {
            thread.join(5000);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString()
    {
        return "BatchingWriter{" + channel + ", batches=" + batches + ", posts=" + posts + '}';
    }
}
