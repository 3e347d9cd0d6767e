package io.shmipc.bridge;

import io.shmipc.core.channel.ChannelConfig;
import io.shmipc.core.channel.IpcGuest;
import io.shmipc.core.channel.ThreadingMode;
import io.shmipc.core.segment.QueueId;
import io.shmipc.core.segment.SegmentException;
import io.shmipc.core.segment.SharedSegment;
import io.shmipc.core.ring.SimpleIpcDescriptor;
import io.shmipc.core.channel.WriteMode;
import io.shmipc.signals.NamedSignalException;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.ControlledMessageHandler;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The bridge on the host's machine: it attaches to the local channel as its guest ({@link IpcGuest}), forwards every
 * request block over the Aeron publication and writes every response that comes back into the local
 * {@code fromGuest} queue (posting {@code NAME_RESP} as the spec says, through {@link IpcGuest#respond}).
 * <p>
 * <b>Runs.</b> Each attachment to the local channel is a run with a random 64-bit id that every request carries; a
 * response is written only if it carries the current run's id. When the local host goes away or is restarted on the
 * same name, the bridge attaches again (a new run), so responses to the old host's requests are never written into
 * the new host's queue (they are counted as stale).
 */
public final class HostSideBridge extends Bridge
{
    /** Side name, in counters, thread names and the embedded driver's directory. */
    public static final String SIDE = "host-side";
    private static final Duration REATTACH_WAIT = Duration.ofMillis(100);

    private final Path file;
    private volatile IpcGuest guest;
    private volatile long run = BridgeFrame.NO_RUN;
    /** Agent thread only: the guest whose block is being forwarded, its toGuest queue and capacity. */
    private IpcGuest blockGuest;
    private AtomicBuffer blockQueue;
    private int blockCapacity;
    /**
     * Blocks of the host's ring before this position were taken by a host-side bridge that died before storing
     * readPos: the ring delivers them again, and they go out marked {@link BridgeFrame#REDELIVERED}.
     */
    private long redeliveredUntil;
    private long lastAttachAttempt;
    private boolean reportedGone;

    private HostSideBridge(final BridgeConfig config)
    {
        super(config, SIDE, BridgeFrame.KIND_REQUEST, BridgeFrame.KIND_RESPONSE);
        this.file = SharedSegment.shmPath(config.localName());
        try
        {
            attach(config.openTimeout());
        }
        catch (final SegmentException | NamedSignalException ex)
        {
            super.close();
            throw new BridgeException(BridgeException.NOT_FOUND, "host-side bridge: the local channel " +
                config.localName() + " is not there (no host created " + file + " within " + config.openTimeout() +
                "): " + ex.getMessage(), ex);
        }
        catch (final RuntimeException ex)
        {
            super.close();
            throw ex;
        }
        startAgent();
    }

    /**
     * Attach to the local channel (waiting up to {@link BridgeConfig#openTimeout()} for its host) and start bridging.
     *
     * @param config the bridge's configuration.
     * @return the running bridge.
     * @throws BridgeException with {@link BridgeException#NOT_FOUND} if the channel did not appear.
     */
    public static HostSideBridge start(final BridgeConfig config)
    {
        return new HostSideBridge(config);
    }

    private void attach(final Duration timeout)
    {
        final ChannelConfig channel = ChannelConfig.builder(config.localName())
            .writeMode(WriteMode.CALLER)              // responses are written by the agent thread itself
            .threadingMode(ThreadingMode.INVOKER)     // read by the agent too: a block waiting for Aeron is ABORTed
            .callTimeout(Duration.ofNanos(100_000))  // a full ring is ABORTed and polled again, not waited in
            .openTimeout(timeout)
            .build();
        run = newRunId();
        redeliveredUntil = redeliveredUntil(file);
        final IpcGuest attached = IpcGuest.startControlled(channel, this::onRequest);
        guest = attached;
        useLocal(attached.invoker(), attached.newInvokerIdle(idleFactory()));
        counters.localRuns.increment();
        reportedGone = false;
    }

    private ControlledMessageHandler.Action onRequest(
        final DirectBuffer buffer, final int index, final int length, final IpcGuest self)
    {
        if (self != blockGuest)
        {
            blockGuest = self; // a new attachment: its view of toGuest, made once (no allocation per block)
            blockQueue = self.segment().queueBuffer(QueueId.TO_GUEST);
            blockCapacity = self.segment().capacity();
        }
        final AtomicBuffer queue = blockQueue;
        // readPos is stored at the end of the reader's batch: during it, the header holds the batch's start.
        final int capacity = blockCapacity;
        final long readPos = queue.getLong(SimpleIpcDescriptor.READ_POS_OFFSET);
        final int blockOffset = index - SimpleIpcDescriptor.HEADER_LENGTH - SimpleIpcDescriptor.BLOCK_HEADER_LENGTH;
        final long position = readPos + Math.floorMod(blockOffset - (int)(readPos % capacity), capacity);
        return forward(buffer, index, length, run, position,
            position < redeliveredUntil ? BridgeFrame.REDELIVERED : 0);
    }

    /**
     * Before a new reader starts: the end of the blocks after readPos that a consumer marked consumed (it read
     * them and died before storing readPos), which the new reader will be handed again; 0 if there are none.
     */
    static long redeliveredUntil(final Path file)
    {
        final SharedSegment segment;
        try
        {
            segment = SharedSegment.open(file, true);
        }
        catch (final RuntimeException ex)
        {
            return 0; // not there yet: a new host, nothing to deliver again
        }
        try
        {
            final AtomicBuffer queue = segment.queueBuffer(QueueId.TO_GUEST);
            final int capacity = segment.capacity();
            long position = queue.getLongVolatile(SimpleIpcDescriptor.READ_POS_OFFSET);
            final long writePos = queue.getLongVolatile(SimpleIpcDescriptor.WRITE_POS_OFFSET);
            long until = 0;
            while (position < writePos && position >= 0)
            {
                final int offset = (int)(position % capacity);
                if (capacity - offset < SimpleIpcDescriptor.BLOCK_HEADER_LENGTH)
                {
                    position += capacity - offset; // skipped tail
                    continue;
                }
                final int block = SimpleIpcDescriptor.HEADER_LENGTH + offset;
                final int size = queue.getInt(block + SimpleIpcDescriptor.BLOCK_SIZE_OFFSET);
                final int magic = queue.getInt(block + SimpleIpcDescriptor.BLOCK_MAGIC_OFFSET);
                if ((magic & SimpleIpcDescriptor.MAGIC_CONSUMED_FLAG) == 0 || size < 0)
                {
                    break; // the first block not yet consumed: what follows is new
                }
                if ((magic & ~SimpleIpcDescriptor.MAGIC_CONSUMED_FLAG) == SimpleIpcDescriptor.MAGIC_PADDING)
                {
                    position += capacity - offset;
                    continue;
                }
                position += SimpleIpcDescriptor.blockLength(size);
                until = position;
            }
            return until;
        }
        catch (final RuntimeException ex)
        {
            return 0;
        }
        finally
        {
            segment.close();
        }
    }

    @Override
    boolean writeLocal(final DirectBuffer buffer, final int offset, final int length)
    {
        final IpcGuest current = guest;
        return current != null && current.respond(buffer, offset, length);
    }

    @Override
    boolean acceptIncoming(final long run, final long position, final boolean redelivered)
    {
        return run == this.run;
    }

    @Override
    int localDuty()
    {
        final IpcGuest current = guest;
        if (current != null && current.isRunning())
        {
            return 0;
        }
        if (current != null)
        {
            guest = null;
            useLocal(null, null);
            localRunEnded();
            if (!reportedGone && current.failure() != null)
            {
                errorHandler.onError(new BridgeException(BridgeException.FAILURE, "host-side bridge of " +
                    config.localName() + ": the local channel stopped: " + current.stopReason()));
            }
            reportedGone = true;
            current.close();
        }
        final long now = System.nanoTime();
        if (now - lastAttachAttempt < REATTACH_WAIT.toNanos())
        {
            return 0;
        }
        lastAttachAttempt = now;
        try
        {
            attach(REATTACH_WAIT);
            return 1;
        }
        catch (final SegmentException | NamedSignalException ex)
        {
            return 0; // no host yet: try again shortly
        }
    }

    /** @return the current local run's id (0 while detached). */
    public long run()
    {
        return guest != null ? run : BridgeFrame.NO_RUN;
    }

    /** @return true while attached to the local channel. */
    public boolean attached()
    {
        final IpcGuest current = guest;
        return current != null && current.isRunning();
    }

    @Override
    void closeLocal()
    {
        final IpcGuest current = guest;
        guest = null;
        if (current != null)
        {
            current.close();
        }
    }
}
