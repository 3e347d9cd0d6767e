package io.shmipc.core.channel;

import io.shmipc.core.ring.CorruptQueueException;
import io.shmipc.core.ring.SimpleIpcDescriptor;
import io.shmipc.core.segment.Platform;
import io.shmipc.core.segment.QueueId;
import io.shmipc.core.segment.SegmentException;
import io.shmipc.core.segment.SegmentLayout;
import io.shmipc.core.segment.SegmentLock;
import io.shmipc.core.segment.SharedSegment;
import io.shmipc.affinity.Placement;
import io.shmipc.idle.IdleStrategyFactory;
import io.shmipc.signals.NamedSignal;
import io.shmipc.signals.NamedSignals;
import org.agrona.DirectBuffer;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentInvoker;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.ControlledMessageHandler;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.MessageHandler;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The host side of a channel carrying raw bytes: it creates the channel, writes messages to the guest on queue 0
 * ({@code toGuest}, posting {@code NAME_REQ}) and hands every message from queue 1 ({@code fromGuest}, waiting on
 * {@code NAME_RESP}) to a {@link MessageHandler}, byte-compatible with the C++ host, so a Go guest or an
 * {@link IpcGuest} can answer. It knows nothing of what the bytes mean: {@link IpcHost} layers request/response
 * calls on it.
 * <p>
 * <b>Start-up</b>, in the original's order: create both semaphores (draining counts a previous run left), create
 * the segment file, take its lock, size it and initialise both queue headers. A segment left by a dead run is
 * re-initialised in place, so its stale requests are never delivered; a segment whose lock a live shmipc host holds
 * is refused with {@link SegmentException}. New files and semaphores get the configured mode (0600 by default).
 * <p>
 * <b>Threads.</b> {@link #send} and {@link #poll} are thread safe in every mode (in {@link WriteMode#CALLER}
 * senders take turns under a lock; in {@link ReadMode#CALLER} pollers take turns). The handler runs on the thread
 * that reads: the reader agent's, or a polling caller's. A guest that dies leaves the host running.
 */
public final class HostChannel implements AutoCloseable
{
    private final ChannelConfig config;
    private final Path file;
    private final NamedSignal requestSignal;
    private final NamedSignal responseSignal;
    private final SegmentLock lock;
    private final SharedSegment segment;
    private final ChannelSide side;
    private volatile boolean closed;

    HostChannel(
        final ChannelConfig config,
        final MessageHandler handler,
        final ControlledMessageHandler controlledHandler,
        final ErrorHandler failureListener,
        final Runnable timers,
        final ReadMode readMode)
    {
        Platform.requireLinux("HostChannel");
        this.config = config;
        this.file = SharedSegment.shmPath(config.name());
        final String requestName = NamedSignals.requestSignalName(config.name());
        final String responseName = NamedSignals.responseSignalName(config.name());

        NamedSignal request = null;
        NamedSignal response = null;
        SegmentLock lock = null;
        SharedSegment segment = null;
        boolean ours = false;
        try
        {
            request = NamedSignals.create(requestName, config.mode());
            response = NamedSignals.create(responseName, config.mode());
            SharedSegment.createEmptyFile(file, config.permissions());
            lock = SegmentLock.tryAcquire(file);
            if (lock == null)
            {
                final List<Long> holders = SegmentLock.holders(file);
                throw new SegmentException(file.toString(), "a live host holds this channel" +
                    (holders.isEmpty() ? "" : " (pid " + holders + ")") + "; close it first, or pick another name");
            }
            ours = true;
            announceRestart(file, request, config);
            request.drain();
            response.drain();
            segment = SharedSegment.initialiseFile(
                file, config.capacity(), SegmentLayout.SIMPLE_IPC, config.permissions());
            this.side = new ChannelSide(config, segment, QueueId.TO_GUEST, request, response, handler,
                controlledHandler, null, timers, failureListener, readMode);
        }
        catch (final RuntimeException ex)
        {
            if (segment != null)
            {
                segment.close();
            }
            if (lock != null)
            {
                lock.close();
            }
            closeQuietly(request);
            closeQuietly(response);
            if (ours && config.unlinkOnClose())
            {
                unlink(file, requestName, responseName);
            }
            throw ex;
        }
        this.requestSignal = request;
        this.responseSignal = response;
        this.lock = lock;
        this.segment = segment;
        side.start();
    }

    /**
     * A dead host's segment may still be mapped by its shmipc guest, which would take this host's lock for its old
     * host's and write responses at its stale positions. If that guest's heartbeat is fresh, tell it to leave (an odd
     * host epoch, and posts to wake its reader) and wait, up to the peer timeout, until its heartbeat is withdrawn or
     * stale; only then is the segment re-initialised. A C++/Go guest keeps no heartbeat and reads no epoch.
     */
    private static void announceRestart(final Path file, final NamedSignal request, final ChannelConfig config)
    {
        final SharedSegment old;
        try
        {
            old = SharedSegment.open(file, false);
        }
        catch (final SegmentException ex)
        {
            return; // a new (empty) or unusable file: no guest can be attached to it
        }
        try
        {
            if (old.layout() != SegmentLayout.SIMPLE_IPC)
            {
                return;
            }
            final AtomicBuffer queue = old.queueBuffer(QueueId.TO_GUEST);
            final long peerTimeoutMs = config.peerTimeout().toMillis();
            if (!heartbeatFresh(queue.getLongVolatile(SimpleIpcDescriptor.CONSUMER_HEARTBEAT_OFFSET), peerTimeoutMs))
            {
                return;
            }
            queue.putLongVolatile(SimpleIpcDescriptor.HOST_EPOCH_OFFSET,
                SharedSegment.announcedEpoch(queue.getLongVolatile(SimpleIpcDescriptor.HOST_EPOCH_OFFSET)));
            final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(peerTimeoutMs + 200);
            while (heartbeatFresh(
                queue.getLongVolatile(SimpleIpcDescriptor.CONSUMER_HEARTBEAT_OFFSET), peerTimeoutMs) &&
                System.nanoTime() - deadline < 0)
            {
                request.post(); // a reader blocked on the semaphore wakes and checks the epoch
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
            }
        }
        finally
        {
            old.close();
        }
    }

    private static boolean heartbeatFresh(final long heartbeat, final long timeoutMs)
    {
        return heartbeat != 0 && System.currentTimeMillis() - heartbeat <= timeoutMs;
    }

    /**
     * Create the channel and start reading: every message from the guest is handed to {@code handler} on the
     * reading thread (the buffer is valid only during the call). No correlation, no copy, no allocation.
     *
     * @param config  the channel's configuration.
     * @param handler of every message from the guest.
     * @return the running host.
     * @throws SegmentException                     if a live host holds the channel, or the segment cannot be made.
     * @throws io.shmipc.signals.NamedSignalException if a semaphore cannot be created.
     */
    public static HostChannel start(final ChannelConfig config, final MessageHandler handler)
    {
        return new HostChannel(Objects.requireNonNull(config, "config"), Objects.requireNonNull(handler, "handler"),
            null, null, null, config.readModeOr(ReadMode.READER_THREAD));
    }

    /**
     * As {@link #start(ChannelConfig, MessageHandler)}, with Agrona's actions: a message the handler returns
     * {@code ABORT} for stays in the queue and is handed to it again at the next read (nothing after it is read
     * meanwhile, so a guest that keeps writing meets back-pressure); {@code BREAK} ends the batch; {@code COMMIT}
     * stores the read position at once. A handler that throws is counted and its message skipped.
     *
     * @param config  the channel's configuration.
     * @param handler of every message from the guest.
     * @return the running host.
     * @throws SegmentException                     if a live host holds the channel, or the segment cannot be made.
     * @throws io.shmipc.signals.NamedSignalException if a semaphore cannot be created.
     */
    public static HostChannel startControlled(final ChannelConfig config, final ControlledMessageHandler handler)
    {
        return new HostChannel(Objects.requireNonNull(config, "config"), null,
            Objects.requireNonNull(handler, "handler"), null, null, config.readModeOr(ReadMode.READER_THREAD));
    }

    /**
     * Write a message to the guest, waiting up to {@link ChannelConfig#callTimeout()} for room. Thread safe.
     *
     * @param buffer holds the message.
     * @param offset where it starts.
     * @param length of the message.
     * @return false if there was no room in time (the guest is not reading).
     * @throws IllegalArgumentException if longer than the largest message the channel carries.
     * @throws IllegalStateException    once the channel is closing or closed, or its reader failed.
     */
    public boolean send(final DirectBuffer buffer, final int offset, final int length)
    {
        return send(buffer, offset, length, config.callTimeout().toNanos());
    }

    /**
     * As {@link #send(DirectBuffer, int, int)}, waiting at most {@code timeoutNs} for room.
     *
     * @param buffer    holds the message.
     * @param offset    where it starts.
     * @param length    of the message.
     * @param timeoutNs how long to wait for room.
     * @return false if there was no room in time.
     */
    public boolean send(final DirectBuffer buffer, final int offset, final int length, final long timeoutNs)
    {
        checkOpen();
        return side.send(buffer, offset, length, timeoutNs);
    }

    /**
     * {@link ReadMode#CALLER}: read the messages that have arrived, on the calling thread, handing each to the
     * handler.
     *
     * @return messages read.
     * @throws IllegalStateException if the host has a reader thread, another thread reads, or it is closed.
     */
    public int poll()
    {
        checkOpen();
        return side.poll();
    }

    /**
     * @return true if a shmipc guest's reader heartbeat is fresh (a C++/Go guest keeps none: false).
     * @throws IllegalStateException once the host is closing or closed (the mapping may be gone).
     */
    public boolean guestAlive()
    {
        checkOpen();
        return side.peerAlive();
    }

    /**
     * @return errors reported to the error handler: handler exceptions, and the failure that stopped the reader.
     */
    public long errorCount()
    {
        return side.errorCount();
    }

    /**
     * @return what stopped the host's reader (e.g. a {@link CorruptQueueException}), or null if it has not failed.
     */
    public Throwable failure()
    {
        return side.failure();
    }

    /**
     * @return why the host stopped reading by itself (its reader failed), or null while it reads.
     */
    public String stopReason()
    {
        final Throwable failure = side.failure();
        return failure != null ? "the reader failed: " + failure.getMessage() : null;
    }

    /**
     * @return who reads the guest's messages: a reader thread, or the threads that {@link #poll()} (with the
     * conductor reading when none does).
     */
    public ReadMode readMode()
    {
        return side.callerReads() ? ReadMode.CALLER : ReadMode.READER_THREAD;
    }

    /** @return the channel machinery, for the request/response layer of this package. */
    ChannelSide side()
    {
        return side;
    }

    /** @return true once {@link #close()} has begun. */
    boolean isClosed()
    {
        return closed;
    }

    /** @return the mapped segment, for inspection. */
    public SharedSegment segment()
    {
        return segment;
    }

    /**
     * {@link ThreadingMode#INVOKER}: the invoker of this host's agents (reader, writer, conductor), already started,
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
     * {@link ThreadingMode#INVOKER}: an idle strategy for the application's duty cycle that invokes this host, made
     * by {@code factory} with this host's incoming signal and the incoming queue's sleep handshake, as the reader
     * thread's would be in the other modes: a {@code wait} strategy then blocks on the guest's posts (and drains the
     * posts a C++/Go guest leaves), the others ignore them. Not thread safe: one per invoking thread.
     *
     * @param factory e.g. {@code IdleStrategies.parse("wait:spins=100,timeout=200us")}.
     * @return a new idle strategy.
     * @throws IllegalStateException in the other threading modes, or in {@link ReadMode#CALLER}.
     */
    public IdleStrategy newInvokerIdle(final IdleStrategyFactory factory)
    {
        return side.newInvokerIdle(factory);
    }

    /**
     * {@link ThreadingMode#INVOKER}: the host's agents as one {@link Agent}, to add to the application's own
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

    /** @return the configuration. */
    public ChannelConfig config()
    {
        return config;
    }

    /**
     * Stop the agents, unmap, release the lock, close the semaphores, and (by default, see
     * {@link ChannelConfig#unlinkOnClose()}) remove the segment and the semaphores. Idempotent. Safe to call from
     * another thread (a shutdown hook) while other threads write or poll: that thread gets an
     * {@link IllegalStateException} and the mapping is removed only after it has left (or kept, if it has not left
     * within 5 s, since touching unmapped memory would crash the JVM).
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
            }
            if (config.unlinkOnClose())
            {
                unlink(file, requestSignal.name(), responseSignal.name());
            }
            lock.close();
            closeQuietly(requestSignal);
            closeQuietly(responseSignal);
        }
    }

    private static void unlink(final Path file, final String requestName, final String responseName)
    {
        try
        {
            Files.deleteIfExists(file);
        }
        catch (final IOException ignore)
        {
            // removed by someone else, or not ours to remove: nothing more to do
        }
        NamedSignals.unlink(requestName);
        NamedSignals.unlink(responseName);
    }

    private static void closeQuietly(final NamedSignal signal)
    {
        if (signal != null)
        {
            signal.close();
        }
    }

    private void checkOpen()
    {
        if (closed)
        {
            throw new IllegalStateException("host of " + config.name() + " is closed");
        }
    }

    @Override
    public String toString()
    {
        return "HostChannel{" + config.name() + '}';
    }
}
