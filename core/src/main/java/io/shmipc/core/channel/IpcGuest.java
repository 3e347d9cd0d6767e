package io.shmipc.core.channel;

import io.shmipc.core.ring.CorruptQueueException;
import io.shmipc.core.ring.SimpleIpcDescriptor;
import io.shmipc.core.segment.FileProbe;
import io.shmipc.core.segment.Platform;
import io.shmipc.core.segment.QueueId;
import io.shmipc.core.segment.SegmentException;
import io.shmipc.core.segment.SegmentLayout;
import io.shmipc.core.segment.SegmentLock;
import io.shmipc.core.segment.SegmentNotInitialisedException;
import io.shmipc.core.segment.SegmentTruncatedException;
import io.shmipc.core.segment.SharedSegment;
import io.shmipc.affinity.Placement;
import io.shmipc.signals.NamedSignal;
import io.shmipc.signals.NamedSignals;
import io.shmipc.idle.IdleStrategyFactory;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentInvoker;
import org.agrona.concurrent.ControlledMessageHandler;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The guest side of a channel: it opens a channel a host created, reads requests from queue 0 ({@code toGuest},
 * waiting on {@code NAME_REQ}) and writes responses to queue 1 ({@code fromGuest}, posting {@code NAME_RESP}),
 * byte-compatible with the Go guest, so the C++ host or an {@link IpcHost} can call it.
 * <p>
 * <b>Start-up</b> waits, up to {@link ChannelConfig#openTimeout()}, for the segment file, its size, a non-zero
 * capacity and both semaphores, as the Go guest does. Attaching writes nothing to the queues.
 * <p>
 * <b>Requests</b> are handed to the {@link RequestHandler} on the reader thread, one at a time, in order; the
 * handler answers with {@link #respond} (from that thread or any other, later).
 * <p>
 * <b>A vanished host</b> stops the guest within {@link ChannelConfig#peerTimeout()} (a shmipc host holds a lock on
 * the segment while it lives, which the kernel drops when it dies, and keeps a heartbeat in the header of the queue
 * it reads) or within about 100 ms of its segment file being removed;
 * {@link #awaitStop} then returns and {@link #stopReason()} says why. Call {@link #close()} in any case.
 */
public final class IpcGuest implements AutoCloseable
{
    /**
     * Receives each request on the guest's reader thread.
     */
    @FunctionalInterface
    public interface RequestHandler
    {
        /**
         * @param buffer the mapped queue; the request is valid only until this method returns.
         * @param index  where the request starts in {@code buffer}.
         * @param length of the request.
         * @param guest  to {@link IpcGuest#respond} with.
         */
        void onRequest(DirectBuffer buffer, int index, int length, IpcGuest guest);
    }

    /**
     * Receives each request on the guest's reader thread, with Agrona's actions: {@code ABORT} leaves the request
     * in the queue to be handed again at the next read (nothing after it is read meanwhile, so the host meets
     * back-pressure), {@code BREAK} ends the batch, {@code COMMIT} stores the read position at once.
     */
    @FunctionalInterface
    public interface ControlledRequestHandler
    {
        /**
         * @param buffer the mapped queue; the request is valid only until this method returns.
         * @param index  where the request starts in {@code buffer}.
         * @param length of the request.
         * @param guest  to {@link IpcGuest#respond} with.
         * @return what to do with the request and the rest of the batch.
         */
        ControlledMessageHandler.Action onRequest(DirectBuffer buffer, int index, int length, IpcGuest guest);
    }

    private final ChannelConfig config;
    private final Path file;
    private final RequestHandler handler;
    private final ControlledRequestHandler controlledHandler;
    private final NamedSignal requestSignal;
    private final NamedSignal responseSignal;
    private final SharedSegment segment;
    private final ChannelSide side;
    private final long sendTimeoutNs;
    private final long attachedEpoch;
    /** The path's identity (device and inode) now, against the file the guest mapped; used by the conductor. */
    private final FileProbe fileProbe;
    private final long attachedDevice;
    private final long attachedInode;
    /** Whether the file the guest mapped is locked by its host; used by the conductor. */
    private final SegmentLock.Probe lockProbe;
    private volatile String stopReason;
    private volatile boolean hostRestarted;
    private volatile boolean closed;

    private IpcGuest(final ChannelConfig config, final RequestHandler handler,
        final ControlledRequestHandler controlledHandler)
    {
        Platform.requireLinux("IpcGuest");
        if (config.readMode() != ReadMode.READER_THREAD)
        {
            throw new IllegalArgumentException("a guest serves requests from its reader thread: read mode " +
                config.readMode() + " is for hosts");
        }
        this.config = config;
        this.handler = handler;
        this.controlledHandler = controlledHandler;
        this.file = SharedSegment.shmPath(config.name());
        this.sendTimeoutNs = config.callTimeout().toNanos();
        final long deadline = System.nanoTime() + config.openTimeout().toNanos();
        NamedSignal request = null;
        NamedSignal response = null;
        SharedSegment segment = null;
        SegmentLock.Probe lockProbe = null;
        try
        {
            segment = openReady(file, deadline);
            this.attachedEpoch = hostEpoch(segment);
            this.fileProbe = FileProbe.of(file);
            if (!fileProbe.refresh())
            {
                throw new SegmentException(file.toString(), "was removed while the guest attached");
            }
            this.attachedDevice = fileProbe.device();
            this.attachedInode = fileProbe.inode();
            lockProbe = SegmentLock.probe(file);
            request = NamedSignals.open(NamedSignals.requestSignalName(config.name()), remaining(deadline));
            response = NamedSignals.open(NamedSignals.responseSignalName(config.name()), remaining(deadline));
            this.side = new ChannelSide(config, segment, QueueId.FROM_GUEST, response, request,
                null != handler ? this::onRequest : null, null != handler ? null : this::onControlledRequest,
                this::hostAlive, null, null, ReadMode.READER_THREAD);
        }
        catch (final RuntimeException ex)
        {
            if (segment != null)
            {
                segment.close();
            }
            if (lockProbe != null)
            {
                lockProbe.close();
            }
            if (request != null)
            {
                request.close();
            }
            if (response != null)
            {
                response.close();
            }
            throw ex;
        }
        this.requestSignal = request;
        this.responseSignal = response;
        this.segment = segment;
        this.lockProbe = lockProbe;
        side.start();
    }

    /**
     * Open the channel (waiting for its host) and start serving requests.
     *
     * @param config  the channel's configuration (its name, timeouts, idle strategies, affinity).
     * @param handler answers requests.
     * @return the running guest.
     * @throws SegmentException                         if the segment did not appear or is invalid.
     * @throws io.shmipc.signals.SignalNotFoundException if a semaphore did not appear in time.
     */
    public static IpcGuest start(final ChannelConfig config, final RequestHandler handler)
    {
        return new IpcGuest(config, Objects.requireNonNull(handler, "handler"), null);
    }

    /**
     * As {@link #start(ChannelConfig, RequestHandler)}, with a handler that may leave a request in the queue
     * ({@code ABORT}) to be handed again at the next read: how a guest that forwards requests somewhere that can
     * push back (a bridge waiting for Aeron) keeps its thread free meanwhile.
     *
     * @param config  the channel's configuration.
     * @param handler answers requests.
     * @return the running guest.
     * @throws SegmentException                         if the segment did not appear or is invalid.
     * @throws io.shmipc.signals.SignalNotFoundException if a semaphore did not appear in time.
     */
    public static IpcGuest startControlled(final ChannelConfig config, final ControlledRequestHandler handler)
    {
        return new IpcGuest(config, null, Objects.requireNonNull(handler, "handler"));
    }

    /**
     * Open the segment once its host has finished initialising it: a shmipc host makes the host epoch odd while it
     * re-initialises a segment (its size may change), so an odd epoch means "open again shortly".
     */
    private static SharedSegment openReady(final Path file, final long deadline)
    {
        while (true)
        {
            final SharedSegment segment = SharedSegment.open(file, false, remaining(deadline));
            if (segment.layout() != SegmentLayout.SIMPLE_IPC)
            {
                segment.close();
                throw new SegmentException(file.toString(), "holds the " + segment.layout().label() +
                    " layout; channels speak " + SegmentLayout.SIMPLE_IPC.label());
            }
            final long epoch = hostEpoch(segment);
            if ((epoch & 1) == 0)
            {
                return segment;
            }
            segment.close();
            if (System.nanoTime() - deadline >= 0)
            {
                throw new SegmentNotInitialisedException(file.toString(), "its host has been re-initialising it " +
                    "(host epoch " + epoch + " at offset " + SimpleIpcDescriptor.HOST_EPOCH_OFFSET + " is odd) for " +
                    "longer than the open timeout");
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
    }

    private static long hostEpoch(final SharedSegment segment)
    {
        return segment.queueBuffer(QueueId.TO_GUEST).getLongVolatile(SimpleIpcDescriptor.HOST_EPOCH_OFFSET);
    }

    private static Duration remaining(final long deadline)
    {
        return Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
    }

    private void onRequest(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
    {
        handler.onRequest(buffer, index, length, this);
    }

    private ControlledMessageHandler.Action onControlledRequest(
        final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
    {
        return controlledHandler.onRequest(buffer, index, length, this);
    }

    /**
     * Write a response, waiting up to the call timeout for room. Thread safe (in {@link WriteMode#CALLER} mode the
     * calling thread writes, under a lock, its write combined with others waiting for it; from the reader thread, in
     * the handler, a response takes no thread hop and is published with the others of the batch read when the
     * handler of the batch's last request returns, at most 16 held back).
     *
     * @return false if there was no room in time (the host is not reading).
     * @throws IllegalArgumentException if longer than the queue's maxMsgLength.
     */
    public boolean respond(final DirectBuffer buffer, final int offset, final int length)
    {
        checkOpen();
        return side.send(buffer, offset, length, sendTimeoutNs);
    }

    /**
     * As {@link #respond(DirectBuffer, int, int)} for the remaining bytes of a buffer (e.g. a finished
     * FlatBuffers builder's {@code dataBuffer()}).
     *
     * @return false if there was no room in time.
     */
    public boolean respond(final ByteBuffer message)
    {
        checkOpen();
        return side.send(message, sendTimeoutNs);
    }

    private void checkOpen()
    {
        if (closed)
        {
            throw new IllegalStateException("guest of " + config.name() + " is closed");
        }
    }

    private boolean hostAlive()
    {
        if (closed)
        {
            return false;
        }
        if (!fileProbe.refresh())
        {
            stopReason = "the host removed the segment " + file;
            return false;
        }
        if (fileProbe.device() != attachedDevice || fileProbe.inode() != attachedInode)
        {
            stopReason = "the segment " + file + " was replaced by a new file (a new host created it): open the " +
                "channel again to serve it";
            hostRestarted = true;
            return false;
        }
        final long epoch = side.toGuestHeaderWordFromReader(SimpleIpcDescriptor.HOST_EPOCH_OFFSET);
        if (epoch != attachedEpoch)
        {
            stopReason = "a new host re-initialised the segment " + file + " (host epoch " + attachedEpoch + " -> " +
                epoch + "): open the channel again to serve it";
            hostRestarted = true;
            return false;
        }
        if (lockProbe.isHeld())
        {
            return true;
        }
        final long heartbeat = side.peerHeartbeatFromReader();
        if (heartbeat != 0 && System.currentTimeMillis() - heartbeat > config.peerTimeout().toMillis())
        {
            stopReason = "no host holds the segment's lock and the host's heartbeat stopped " +
                (System.currentTimeMillis() - heartbeat) + " ms ago";
            return false;
        }
        return true;
    }

    /**
     * Wait until the guest stops: its host vanished, its reader failed, or it was closed.
     *
     * @return true if it stopped within the timeout.
     */
    public boolean awaitStop(final Duration timeout) throws InterruptedException
    {
        return side.awaitReaderTermination(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * @return why the guest stopped by itself, or null while it runs or after {@link #close()}.
     */
    public String stopReason()
    {
        final Throwable failure = side.failure();
        return failure != null ? "the reader failed: " + failure.getMessage() : stopReason;
    }

    /**
     * @return errors that stopped the reader or writer (0 or 1 today; a failure stops the guest).
     */
    public long errorCount()
    {
        return side.errorCount();
    }

    /**
     * @return what stopped the reader (e.g. a {@link CorruptQueueException} or {@link SegmentTruncatedException}),
     * or null if it has not failed.
     */
    public Throwable failure()
    {
        return side.failure();
    }

    /**
     * @return true if the guest stopped because a new host re-initialised its segment (the host was restarted on
     * the same name): open the channel again with a new guest to serve the new host.
     */
    public boolean hostRestarted()
    {
        return hostRestarted;
    }

    /** @return true while the reader (and writer) threads serve requests. */
    public boolean isRunning()
    {
        return !closed && side.isRunning();
    }

    /**
     * @return true if the host's reader heartbeat is fresh (a C++ host keeps none: false).
     * @throws IllegalStateException once the guest is closing or closed.
     */
    public boolean hostHeartbeatFresh()
    {
        checkOpen();
        return side.peerAlive();
    }

    /** @return the mapped segment, for inspection. */
    public SharedSegment segment()
    {
        return segment;
    }

    /**
     * {@link ThreadingMode#INVOKER}: an idle strategy for the application's duty cycle that invokes this guest, made
     * by {@code factory} with the guest's incoming signal ({@code NAME_REQ}) and the request queue's sleep handshake,
     * as the reader thread's would be in the other modes: a {@code wait} strategy then blocks on the host's posts (and
     * drains the posts a C++/Go host leaves), the others ignore them. Not thread safe: one per invoking thread.
     *
     * @param factory e.g. {@code IdleStrategies.parse("wait:spins=100,timeout=200us")}.
     * @return a new idle strategy.
     * @throws IllegalStateException in the other threading modes.
     */
    public IdleStrategy newInvokerIdle(final IdleStrategyFactory factory)
    {
        return side.newInvokerIdle(factory);
    }

    /**
     * {@link ThreadingMode#INVOKER}: the invoker of this guest's agents (reader, writer, conductor), already started,
     * for the application to {@link AgentInvoker#invoke()} from its own duty cycle. Invoking after {@link #close()}
     * does nothing: the agents refuse to run.
     *
     * @return the invoker.
     * @throws IllegalStateException in the other threading modes.
     */
    public AgentInvoker invoker()
    {
        return side.invoker();
    }

    /**
     * {@link ThreadingMode#INVOKER}: the guest's agents as one {@link Agent}, to add to the application's own
     * {@link org.agrona.concurrent.CompositeAgent} (instead of using {@link #invoker()}; never both). The
     * application's runner calls its {@code onStart} and {@code onClose}; {@link #close()} stops it from working.
     *
     * @return the composite agent.
     * @throws IllegalStateException in the other threading modes.
     */
    public Agent agent()
    {
        return side.agent();
    }

    /** @return where the writer and reader threads run. */
    public List<Placement> placements()
    {
        return side.placements();
    }

    /**
     * Stop the threads, unmap, close the semaphores. The guest never removes the channel's files. Idempotent.
     */
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        boolean quiescent = false;
        try
        {
            quiescent = side.close();
        }
        finally
        {
            if (quiescent)
            {
                segment.close(); // else a thread may still touch it: keep the mapping rather than crash that thread
                lockProbe.close();
            }
            requestSignal.close();
            responseSignal.close();
        }
    }

    /** @return the side's shared machinery (for tests and diagnostics). */
    ChannelSide side()
    {
        return side;
    }

    @Override
    public String toString()
    {
        return "IpcGuest{" + config.name() + (stopReason != null ? ", stopped: " + stopReason : "") + '}';
    }
}
