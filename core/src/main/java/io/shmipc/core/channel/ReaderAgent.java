package io.shmipc.core.channel;

import io.shmipc.core.ring.SimpleIpcRingBuffer;
import io.shmipc.core.segment.SharedSegment;
import org.agrona.ErrorHandler;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentTerminationException;
import org.agrona.concurrent.ControlledMessageHandler;
import org.agrona.concurrent.MessageHandler;

/**
 * The reader duty of one channel side: reads its incoming queue in batches and hands each message to the handler
 * on the thread that runs the agent, and keeps the consumer heartbeat of the queue header fresh (about every 100 ms)
 * so the peer can tell this side is alive. What the handler writes through the side's caller-mode writer is
 * published once per batch read ({@link CombiningWriter#beginBatch()}). An exception from the handler is counted and
 * reported to the error handler, that message is skipped and reading goes on; only an
 * {@link AgentTerminationException} from the handler, a corrupt queue or {@link #requestStop} stops the reader.
 * Stopping resets the queue's reader state, so a C++/Go reader taking over is signalled again.
 * <p>
 * With a {@link ControlledMessageHandler} the queue is read with {@code controlledRead}: {@code ABORT} leaves the
 * message in the queue to be handed out again at the next duty cycle, {@code BREAK} ends the batch; a message whose
 * handler throws is skipped ({@code CONTINUE}).
 */
final class ReaderAgent implements Agent, MessageHandler
{
    /** Most messages handed out in one duty cycle. */
    static final int BATCH_LIMIT = 256;
    private static final long HEARTBEAT_INTERVAL_MS = 100;

    /** Told of the failure that stops the reader (it returns the exception to throw). */
    interface FailureSink
    {
        RuntimeException fail(Throwable failure);
    }

    private final String roleName;
    private final SimpleIpcRingBuffer ring;
    private final SharedSegment segment;
    private final MessageHandler handler;
    private final ControlledMessageHandler controlledHandler;
    private final ControlledMessageHandler controlledAdapter;
    private final ErrorHandler errorHandler;
    private final FailureSink failureSink;
    private final Runnable onStop;
    private final CombiningWriter batchWriter;
    /** This duty cycle's read has begun a batch of {@link #batchWriter} (the agent's thread only). */
    private boolean batching;
    private volatile String stopRequested;
    private long lastHeartbeat;
    private int busyRounds;

    /**
     * @param handler           of each message, or null when {@code controlledHandler} is given.
     * @param controlledHandler of each message with Agrona's actions, or null when {@code handler} is given.
     * @param errorHandler told of every exception of the handler (counted by it).
     * @param failureSink  told of the failure that stops the reader.
     * @param onStop       run once when the reader stops, on its thread.
     * @param batchWriter  the side's caller-mode writer, whose writes from the handler are published once per batch
     *                     read; null when the side has a writer thread.
     */
    ReaderAgent(
        final String channel,
        final SimpleIpcRingBuffer ring,
        final SharedSegment segment,
        final MessageHandler handler,
        final ControlledMessageHandler controlledHandler,
        final ErrorHandler errorHandler,
        final FailureSink failureSink,
        final Runnable onStop,
        final CombiningWriter batchWriter)
    {
        this.roleName = "shmipc-reader-" + channel;
        this.ring = ring;
        this.segment = segment;
        this.handler = handler;
        this.controlledHandler = controlledHandler;
        this.controlledAdapter = null != controlledHandler ? this::onControlledMessage : null;
        this.errorHandler = errorHandler;
        this.failureSink = failureSink;
        this.onStop = onStop;
        this.batchWriter = batchWriter;
    }

    /**
     * Ask the reader to stop at its next duty cycle (from any thread); the caller wakes it if it may be blocked.
     *
     * @param reason why, for the log of whoever reads it.
     */
    void requestStop(final String reason)
    {
        stopRequested = reason;
    }

    public void onStart()
    {
        // A shmipc reader that polls needs no post; it sets "sleeping" itself before it ever blocks.
        ring.awake();
        heartbeat(System.currentTimeMillis());
    }

    public int doWork()
    {
        final String stop = stopRequested;
        if (stop != null)
        {
            throw new AgentTerminationException(stop, true);
        }
        final int read;
        try
        {
            try
            {
                read = null != controlledAdapter ? ring.controlledRead(controlledAdapter, BATCH_LIMIT) :
                    ring.read(this, BATCH_LIMIT);
            }
            finally
            {
                if (batching)
                {
                    batching = false;
                    batchWriter.endBatch(); // the answers the handler wrote go out together
                }
            }
        }
        catch (final AgentTerminationException ex)
        {
            throw ex;
        }
        catch (final RuntimeException | InternalError ex)
        {
            throw new AgentTerminationException(failureSink.fail(ex), true);
        }
        if (read == 0 || ++busyRounds >= 1024)
        {
            busyRounds = 0;
            final long now = System.currentTimeMillis();
            if (now - lastHeartbeat >= HEARTBEAT_INTERVAL_MS)
            {
                heartbeat(now);
            }
        }
        return read;
    }

    private void heartbeat(final long now)
    {
        lastHeartbeat = now;
        ring.consumerHeartbeatTime(now);
    }

    private void beginBatch()
    {
        if (!batching && null != batchWriter)
        {
            batching = true; // begun with the batch's first message: an empty poll touches nothing of the writer's
            batchWriter.beginBatch();
        }
    }

    private ControlledMessageHandler.Action onControlledMessage(
        final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
    {
        beginBatch();
        try
        {
            return controlledHandler.onMessage(msgTypeId, buffer, index, length);
        }
        catch (final AgentTerminationException ex)
        {
            throw ex;
        }
        catch (final Throwable t)
        {
            errorHandler.onError(t);
            return ControlledMessageHandler.Action.CONTINUE;
        }
    }

    public void onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
    {
        beginBatch();
        try
        {
            handler.onMessage(msgTypeId, buffer, index, length);
        }
        catch (final AgentTerminationException ex)
        {
            throw ex;
        }
        catch (final Throwable t)
        {
            errorHandler.onError(t);
        }
    }

    public void onClose()
    {
        try
        {
            if (!segment.isTruncated())
            {
                ring.resetReaderState();
            }
        }
        finally
        {
            onStop.run();
        }
    }

    public String roleName()
    {
        return roleName;
    }
}
