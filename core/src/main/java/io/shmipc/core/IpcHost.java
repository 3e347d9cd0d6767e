package io.shmipc.core;

import com.google.flatbuffers.FlatBufferBuilder;
import io.shmipc.affinity.Placement;
import io.shmipc.schemas.IpcMessages;
import io.shmipc.signals.NamedSignal;
import io.shmipc.signals.NamedSignals;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentInvoker;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The host side of a channel: it creates the channel, sends requests to the guest on queue 0 ({@code toGuest},
 * posting {@code NAME_REQ}) and reads responses from queue 1 ({@code fromGuest}, waiting on {@code NAME_RESP}),
 * byte-compatible with the C++ host, so a Go guest or an {@link IpcGuest} can answer.
 * <p>
 * <b>Start-up</b>, in the original's order: create both semaphores (draining counts a previous run left), create
 * the segment file, take its lock, size it and initialise both queue headers. A segment left by a dead run is
 * re-initialised in place, so its stale requests are never delivered; a segment whose lock a live shmipc host holds
 * is refused with {@link SegmentException}. New files and semaphores get the configured mode (0600 by default).
 * <p>
 * <b>Calls.</b> With {@link #start(ChannelConfig)} every message is a FlatBuffers {@code ipc.Message}: the host
 * gives each request a new {@code req_id} (1, 2, 3, ...), and completes the call whose id the response carries.
 * A call not answered within its timeout fails with {@link TimeoutException} and its slot is freed. Responses whose
 * id is unknown, or belongs to a call that already timed out, are counted ({@link #unknownResponses()},
 * {@link #expiredResponses()}), never silently dropped. With {@link #start(ChannelConfig, MessageHandler)} the
 * channel carries raw bytes: {@link #send} writes them and every response goes to the handler, on the reader thread.
 * <p>
 * <b>Threads.</b> {@link #callAsync}, {@link #call}, {@link #poll} and {@link #send} are thread safe in every mode
 * (in {@link WriteMode#CALLER} senders take turns under a lock; in {@link ReadMode#CALLER} callers take turns
 * reading for each other). A guest that dies makes calls time out; the host keeps running.
 */
public final class IpcHost implements AutoCloseable
{
    /**
     * Encodes one request into a builder the host lends the calling thread.
     */
    @FunctionalInterface
    public interface RequestEncoder
    {
        /**
         * @param builder a cleared builder of the calling thread, reused across calls.
         * @param reqId   the id the request must carry as {@code Message.req_id}.
         * @return the finished message, e.g. {@code builder.dataBuffer()} after {@code finish}.
         */
        ByteBuffer encode(FlatBufferBuilder builder, long reqId);
    }

    /**
     * Receives the response of a synchronous call on the calling thread, as a view of the call's own buffer: valid
     * only until this method returns. Keep one instance (a field), not a capturing lambda per call, for a call
     * that allocates nothing.
     */
    @FunctionalInterface
    public interface ResponseHandler
    {
        /**
         * @param buffer holds the response, a FlatBuffers {@code ipc.Message}, from {@code index}.
         * @param index  where the response starts.
         * @param length of the response.
         */
        void onResponse(DirectBuffer buffer, int index, int length);
    }

    private static final ThreadLocal<FlatBufferBuilder> BUILDERS = ThreadLocal.withInitial(() -> new FlatBufferBuilder(256));

    private final ChannelConfig config;
    private final Path file;
    private final NamedSignal requestSignal;
    private final NamedSignal responseSignal;
    private final SegmentLock lock;
    private final SharedSegment segment;
    private final ChannelSide side;
    private final MessageHandler rawHandler;
    private final CallSlots calls;
    /** The reader's copy of the response it is looking at, so its req_id can be read without allocating. */
    private byte[] scratch = new byte[256];
    private ByteBuffer scratchView = ByteBuffer.wrap(scratch).order(ByteOrder.LITTLE_ENDIAN);
    private final AtomicLong nextReqId = new AtomicLong(1);
    private final AtomicLong unknownResponses = new AtomicLong();
    private final AtomicLong expiredResponses = new AtomicLong();
    private final AtomicLong malformedResponses = new AtomicLong();
    private volatile boolean closed;

    private IpcHost(final ChannelConfig config, final MessageHandler rawHandler)
    {
        Platform.requireLinux("IpcHost");
        this.config = config;
        this.rawHandler = rawHandler;
        this.calls = new CallSlots(config.callSlots());
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
            segment = SharedSegment.initialiseFile(file, config.capacity(), SegmentLayout.SIMPLE_IPC, config.permissions());
            this.side = new ChannelSide(config, segment, QueueId.TO_GUEST, request, response, this::onResponse, null,
                this::onReaderFailure);
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
            final org.agrona.concurrent.AtomicBuffer queue = old.queueBuffer(QueueId.TO_GUEST);
            final long peerTimeoutMs = config.peerTimeout().toMillis();
            if (!heartbeatFresh(queue.getLongVolatile(SimpleIpcDescriptor.CONSUMER_HEARTBEAT_OFFSET), peerTimeoutMs))
            {
                return;
            }
            queue.putLongVolatile(SimpleIpcDescriptor.HOST_EPOCH_OFFSET,
                SharedSegment.announcedEpoch(queue.getLongVolatile(SimpleIpcDescriptor.HOST_EPOCH_OFFSET)));
            final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(peerTimeoutMs + 200);
            while (heartbeatFresh(queue.getLongVolatile(SimpleIpcDescriptor.CONSUMER_HEARTBEAT_OFFSET), peerTimeoutMs) &&
                System.nanoTime() - deadline < 0)
            {
                request.post(); // a reader blocked on the semaphore wakes and checks the epoch
                java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
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
     * The reader thread (or a caller-mode read) failed: no response can arrive any more, so every pending call
     * fails now with the reason, and later calls fail at once.
     */
    private void onReaderFailure(final Throwable failure)
    {
        calls.failAll(readerFailed(failure));
    }

    private IllegalStateException readerFailed(final Throwable failure)
    {
        return new IllegalStateException("host of " + config.name() + " cannot serve calls: " +
            failure.getMessage(), failure);
    }

    /**
     * Create the channel and start serving FlatBuffers calls.
     *
     * @param config the channel's configuration.
     * @return the running host.
     * @throws SegmentException                     if a live host holds the channel, or the segment cannot be made.
     * @throws io.shmipc.idle.NamedSignalException if a semaphore cannot be created.
     */
    public static IpcHost start(final ChannelConfig config)
    {
        return new IpcHost(config, null);
    }

    /**
     * Create the channel for raw bytes: {@link #send} writes, and every response is handed to {@code responses}
     * on the reader thread (the buffer is valid only during the call). No correlation, no allocation.
     *
     * @param config    the channel's configuration.
     * @param responses handler of every message from the guest.
     * @return the running host.
     */
    public static IpcHost start(final ChannelConfig config, final MessageHandler responses)
    {
        return new IpcHost(config, java.util.Objects.requireNonNull(responses, "responses"));
    }

    /**
     * Send a request and return at once. The future completes with the response message (a little-endian heap
     * buffer the caller owns), or exceptionally with {@link TimeoutException} after {@link ChannelConfig#callTimeout()},
     * or with {@link IllegalStateException} if the request could not be written in that time or the host closed.
     *
     * @param encoder writes the request with the given {@code req_id}.
     * @return the pending response.
     * @throws IllegalStateException if this host carries raw bytes or is closed.
     */
    public CompletableFuture<ByteBuffer> callAsync(final RequestEncoder encoder)
    {
        return callAsync(encoder, config.callTimeout());
    }

    /**
     * As {@link #callAsync(RequestEncoder)} with an explicit timeout.
     *
     * @param encoder writes the request with the given {@code req_id}.
     * @param timeout how long to wait for the response.
     * @return the pending response.
     */
    public CompletableFuture<ByteBuffer> callAsync(final RequestEncoder encoder, final Duration timeout)
    {
        checkOpen();
        if (rawHandler != null)
        {
            checkCalls();
        }
        final CompletableFuture<ByteBuffer> future = new CompletableFuture<>();
        final CallSlots.Slot slot;
        try
        {
            slot = request(encoder, future, timeout.toNanos());
        }
        catch (final IllegalStateException ex)
        {
            future.completeExceptionally(ex);
            return future;
        }
        final long reqId = slot.reqId;
        future.orTimeout(timeout.toNanos(), TimeUnit.NANOSECONDS).whenComplete((response, error) ->
        {
            if (error != null)
            {
                calls.abandon(slot, reqId);
            }
        });
        return future;
    }

    /**
     * Take a call slot and write the request; the caller bounds the wait for the response.
     *
     * @throws IllegalStateException if the host is closed or failed, every slot is taken, or the request could
     *                               not be written within the timeout (the slot is freed).
     */
    private CallSlots.Slot request(
        final RequestEncoder encoder, final CompletableFuture<ByteBuffer> future, final long timeoutNs)
    {
        checkCalls();
        // A slow call keeps its slot; the ids that map to it are skipped (ids need only be unique), and only when
        // every slot is taken does the table push back.
        long reqId = nextReqId.getAndIncrement();
        CallSlots.Slot slot = calls.acquire(reqId, future);
        for (int tries = 1; null == slot && tries < calls.size() && calls.inFlight() < calls.size(); tries++)
        {
            reqId = nextReqId.getAndIncrement();
            slot = calls.acquire(reqId, future);
        }
        if (slot == null)
        {
            throw new IllegalStateException("host of " + config.name() + " has its " + calls.size() +
                " call slots in use: wait for answers, or raise ChannelConfig.callSlots");
        }
        final FlatBufferBuilder builder = BUILDERS.get();
        builder.clear();
        final ByteBuffer request;
        try
        {
            request = encoder.encode(builder, reqId);
        }
        catch (final RuntimeException ex)
        {
            calls.abandon(slot, reqId);
            throw ex;
        }
        final Throwable failure = side.failure();
        if (failure != null)
        {
            calls.abandon(slot, reqId);
            throw readerFailed(failure); // failed while this call registered
        }
        if (!side.send(request, timeoutNs))
        {
            if (calls.abandon(slot, reqId))
            {
                throw new IllegalStateException("request " + reqId + " of channel " + config.name() +
                    " could not be written within " + Duration.ofNanos(timeoutNs) + ": the guest is not reading");
            }
        }
        if (closed)
        {
            calls.failAll(new IllegalStateException("host of " + config.name() + " closed"));
        }
        return slot;
    }

    /**
     * Send a request and wait for its response, handed to {@code handler} on this thread as a view of the call's
     * own buffer. Allocates nothing in steady state (with a reused encoder and handler, not capturing lambdas):
     * the call takes a preallocated slot, the response is copied into the slot's buffer, and the thread spins
     * briefly, then parks until the reader (or, in {@link ReadMode#CALLER}, this thread's own poll) completes it.
     *
     * @param encoder writes the request with the given {@code req_id}.
     * @param handler receives the response.
     * @param timeout how long to wait.
     * @throws TimeoutException      if no response came in time; the slot is freed and a late answer is counted
     *                               as expired.
     * @throws IllegalStateException if the request could not be written, every call slot is taken, the host's
     *                               reader failed (the cause) or the host closed.
     */
    public void call(final RequestEncoder encoder, final ResponseHandler handler, final Duration timeout)
        throws TimeoutException
    {
        final long timeoutNs = timeout.toNanos();
        final long deadline = System.nanoTime() + timeoutNs;
        final CallSlots.Slot slot = request(encoder, null, timeoutNs);
        final long reqId = slot.reqId;
        while (true)
        {
            await(slot, deadline);
            final int state = slot.state;
            if (CallSlots.DONE == state)
            {
                try
                {
                    handler.onResponse(slot.response, 0, slot.length);
                }
                finally
                {
                    calls.release(slot);
                }
                return;
            }
            if (CallSlots.FAILED == state)
            {
                final Throwable failure = slot.failure;
                calls.release(slot);
                throw failure instanceof IllegalStateException ? (IllegalStateException)failure :
                    new IllegalStateException("call on " + config.name() + " failed: " + failure, failure);
            }
            if (Thread.currentThread().isInterrupted() && calls.abandon(slot, reqId))
            {
                throw new IllegalStateException("interrupted waiting for a response on " + config.name());
            }
            if (System.nanoTime() - deadline >= 0 && calls.abandon(slot, reqId))
            {
                throw new TimeoutException("no response on " + config.name() + " within " + timeout);
            }
        }
    }

    /**
     * Wait until the slot is done or the deadline: poll in {@link ReadMode#CALLER}; otherwise spin a little, yield
     * a little, then park until the reader unparks this thread.
     */
    private void await(final CallSlots.Slot slot, final long deadline)
    {
        if (side.callerReads())
        {
            slot.waiter = Thread.currentThread(); // a leading caller unparks this one when it completes the call
            side.pollUntil(slot, deadline);
            return;
        }
        int spins = 0;
        while (!slot.isDone())
        {
            final long left = deadline - System.nanoTime();
            if (left <= 0 || Thread.currentThread().isInterrupted())
            {
                return;
            }
            if (spins < 200)
            {
                ++spins;
                Thread.onSpinWait();
            }
            else if (spins < 210)
            {
                ++spins;
                Thread.yield();
            }
            else
            {
                slot.waiter = Thread.currentThread();
                if (!slot.isDone())
                {
                    LockSupport.parkNanos(slot, left);
                }
            }
        }
    }

    /**
     * Send a request and wait for its response.
     *
     * @param encoder writes the request with the given {@code req_id}.
     * @param timeout how long to wait.
     * @return the response message (a little-endian heap buffer the caller owns: this convenience allocates it).
     * @throws TimeoutException      if no response came in time; the call's slot is freed.
     * @throws IllegalStateException if the request could not be written or the host closed.
     */
    public ByteBuffer call(final RequestEncoder encoder, final Duration timeout) throws TimeoutException
    {
        final ByteBuffer[] response = new ByteBuffer[1];
        call(encoder, (buffer, index, length) ->
        {
            final byte[] copy = new byte[length];
            buffer.getBytes(index, copy);
            response[0] = ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN);
        }, timeout);
        return response[0];
    }

    /**
     * Write raw bytes to the guest, waiting up to the call timeout for room.
     *
     * @return false if there was no room in time.
     * @throws IllegalArgumentException if longer than the queue's maxMsgLength.
     */
    public boolean send(final DirectBuffer buffer, final int offset, final int length)
    {
        checkOpen();
        return side.send(buffer, offset, length, config.callTimeout().toNanos());
    }

    private void onResponse(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
    {
        if (rawHandler != null)
        {
            rawHandler.onMessage(msgTypeId, buffer, index, length);
            return;
        }
        if (length > scratch.length)
        {
            scratch = new byte[Math.max(length, 2 * scratch.length)];
            scratchView = ByteBuffer.wrap(scratch).order(ByteOrder.LITTLE_ENDIAN);
        }
        buffer.getBytes(index, scratch, 0, length);
        scratchView.limit(length).position(0);
        final long reqId;
        try
        {
            reqId = IpcMessages.reqId(scratchView);
        }
        catch (final IllegalArgumentException ex)
        {
            malformedResponses.incrementAndGet();
            return;
        }
        if (!calls.complete(reqId, buffer, index, length))
        {
            if (reqId >= 1 && reqId < nextReqId.get())
            {
                expiredResponses.incrementAndGet();
            }
            else
            {
                unknownResponses.incrementAndGet();
            }
        }
    }

    /**
     * {@link ReadMode#CALLER}: read the responses that have arrived, on the calling thread, completing their calls.
     * {@link #call} does this while it waits; use it to complete {@link #callAsync} futures.
     *
     * @return responses read.
     * @throws IllegalStateException if the host has a reader thread, or another thread reads.
     */
    public int poll()
    {
        checkOpen();
        return side.poll();
    }

    /** @return responses whose {@code req_id} this host never issued. */
    public long unknownResponses()
    {
        return unknownResponses.get();
    }

    /** @return responses that came after their call had timed out (or twice). */
    public long expiredResponses()
    {
        return expiredResponses.get();
    }

    /** @return messages from the guest that are not a FlatBuffers {@code Message}. */
    public long malformedResponses()
    {
        return malformedResponses.get();
    }

    /** @return calls waiting for a response. */
    public int pendingCalls()
    {
        return calls.inFlight();
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
     * @return errors that stopped the reader or writer (0 or 1 today; a failure stops serving calls).
     */
    public long errorCount()
    {
        return side.errorCount();
    }

    /**
     * @return what stopped the host's reader (e.g. a {@link CorruptQueueException}), or null if it has not failed.
     * Once it has failed, calls fail at once with an {@link IllegalStateException} whose cause it is.
     */
    public Throwable failure()
    {
        return side.failure();
    }

    /**
     * @return why the host stopped serving calls by itself (its reader failed), or null while it serves.
     */
    public String stopReason()
    {
        final Throwable failure = side.failure();
        return failure != null ? "the reader failed: " + failure.getMessage() : null;
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
     * Stop the threads, fail pending calls, unmap, release the lock, close the semaphores, and (by default, see
     * {@link ChannelConfig#unlinkOnClose()}) remove the segment and the semaphores. Idempotent. Safe to call from
     * another thread (a shutdown hook) while a caller-mode thread writes or polls: that thread gets an
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
            final IllegalStateException closedException = new IllegalStateException("host of " + config.name() + " closed");
            calls.failAll(closedException);
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
        catch (final java.io.IOException ignore)
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

    private void checkCalls()
    {
        checkOpen();
        final Throwable failure = side.failure();
        if (failure != null)
        {
            throw readerFailed(failure);
        }
        if (rawHandler != null)
        {
            throw new IllegalStateException("channel " + config.name() + " carries raw bytes: use send()");
        }
    }

    @Override
    public String toString()
    {
        return "IpcHost{" + config.name() + ", pending=" + calls.inFlight() + ", unknown=" + unknownResponses +
            ", expired=" + expiredResponses + '}';
    }
}
