package io.shmipc.core.channel;

import io.shmipc.core.ring.SimpleIpcRingBuffer;
import io.shmipc.signals.NamedSignal;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentTerminationException;
import org.agrona.concurrent.ControlledMessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The writer duty of one channel side. Application threads {@link #offer} messages into an in-process
 * {@link ManyToOneRingBuffer}; each {@link #doWork()} appends everything waiting to the shared queue with
 * {@link SimpleIpcRingBuffer#append}, publishes the batch with one store of {@code writePos}, and posts the peer's
 * semaphore at most once per batch, and only when {@link SimpleIpcRingBuffer#readerNeedsWakeUp()} says the reader
 * may be blocked (a C++/Go reader: always).
 * <p>
 * Offering is thread safe, lock-free and allocation-free; {@code doWork} runs on one thread at a time (its runner's,
 * the shared runner's, or the application's invoker).
 */
final class WriterAgent implements Agent, ControlledMessageHandler
{
    private static final long PEER_FULL_PARK_NS = TimeUnit.MICROSECONDS.toNanos(20);

    private final String roleName;
    private final SimpleIpcRingBuffer ring;
    private final NamedSignal peerSignal;
    private final ManyToOneRingBuffer handoff;
    private final HandoffWakeup wakeup;
    private final int maxMessageLength;
    private final boolean ownThread;
    private final ReaderAgent.FailureSink failureSink;
    private volatile boolean running = true;
    private long batches;
    private long posts;

    /**
     * @param wakeTarget posted when a message is offered while the thread that runs this agent may be blocked: the
     *                   agent's own in-process semaphore (null) for a dedicated thread, or the named semaphore a
     *                   shared thread blocks on.
     * @param ownThread  true when the agent has a thread of its own, which may then park briefly while the peer's
     *                   queue is full (a shared or invoked agent returns at once instead).
     * @param failureSink told of a failure of the shared queue (corrupt, truncated), which stops the writer.
     */
    WriterAgent(
        final String channel,
        final SimpleIpcRingBuffer ring,
        final NamedSignal peerSignal,
        final int handoffCapacity,
        final NamedSignal wakeTarget,
        final boolean ownThread,
        final ReaderAgent.FailureSink failureSink)
    {
        this.failureSink = failureSink;
        this.roleName = "shmipc-writer-" + channel;
        this.ring = ring;
        this.peerSignal = peerSignal;
        this.ownThread = ownThread;
        this.handoff = new ManyToOneRingBuffer(new UnsafeBuffer(
            ByteBuffer.allocateDirect(handoffCapacity + RingBufferDescriptor.TRAILER_LENGTH)));
        this.wakeup = new HandoffWakeup("handoff of " + channel, handoff, wakeTarget);
        this.maxMessageLength = Math.min(ring.maxMsgLength(), handoff.maxMsgLength());
    }

    private IllegalArgumentException tooLong(final int length)
    {
        final int handoffMax = handoff.maxMsgLength();
        if (length > ring.maxMsgLength())
        {
            return new IllegalArgumentException("message of " + length + " bytes exceeds the " + ring.maxMsgLength() +
                " bytes a block of " + ring.name() + " can hold (its capacity less the 8-byte header)");
        }
        final long enough = Long.highestOneBit(length - 1L) << 4; // the power of two whose eighth holds length
        return new IllegalArgumentException("message of " + length + " bytes exceeds the " + handoffMax +
            " bytes the writer thread's hand-off queue carries (handoffCapacity " + handoff.capacity() + " / 8): " +
            (enough <= Integer.MAX_VALUE ? "raise ChannelConfig.handoffCapacity to " + enough + ", or " : "") +
            "use WriteMode.CALLER");
    }

    /**
     * @return the in-process signal and sleep guard of the handoff, for the idle strategy of a dedicated thread.
     */
    HandoffWakeup wakeup()
    {
        return wakeup;
    }

    /**
     * Hand a message to the writer. Thread safe, lock-free, allocation-free.
     *
     * @return false if the handoff queue is full now (back-pressure) or the writer has stopped.
     * @throws IllegalArgumentException if the message is longer than the shared queue or the hand-off queue carries,
     *                                  naming the limit that applies.
     */
    boolean offer(final DirectBuffer buffer, final int offset, final int length)
    {
        if (length > maxMessageLength)
        {
            throw tooLong(length);
        }
        if (!running || !handoff.write(1, buffer, offset, length))
        {
            return false;
        }
        wakeup.afterAppend();
        return true;
    }

    /**
     * @return messages waiting in the handoff, in bytes.
     */
    int pending()
    {
        return handoff.size();
    }

    boolean isRunning()
    {
        return running;
    }

    /**
     * Refuse new messages from now on; what was offered before is still written by later duty cycles.
     */
    void stopAccepting()
    {
        running = false;
    }

    public int doWork()
    {
        final int appended;
        try
        {
            appended = handoff.controlledRead(this);
            if (ring.publish())
            {
                batches++;
                if (ring.readerNeedsWakeUp())
                {
                    posts++;
                    peerSignal.post();
                }
            }
        }
        catch (final RuntimeException | InternalError ex)
        {
            running = false;
            throw new AgentTerminationException(failureSink.fail(ex), true);
        }
        if (appended == 0 && ownThread && handoff.size() > 0)
        {
            // The shared queue is full: its reader frees room without signalling us, so poll gently.
            LockSupport.parkNanos(PEER_FULL_PARK_NS);
        }
        return appended;
    }

    public Action onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
    {
        return ring.append(buffer, index, length) ? Action.CONTINUE : Action.ABORT;
    }

    public String roleName()
    {
        return roleName;
    }

    @Override
    public String toString()
    {
        return "WriterAgent{" + roleName + ", batches=" + batches + ", posts=" + posts + '}';
    }
}
