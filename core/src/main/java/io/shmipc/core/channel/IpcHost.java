package io.shmipc.core.channel;

import io.shmipc.core.ring.CorruptQueueException;
import io.shmipc.core.segment.SegmentException;
import io.shmipc.core.segment.SharedSegment;
import io.shmipc.affinity.Placement;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentInvoker;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Request/response calls over a {@link HostChannel}: the host gives each request a new id (1, 2, 3, ...), the
 * request's encoder writes it into the message, and the response that carries it, read by the {@link Correlation}
 * the host was started with, completes the call. The payload protocol is the caller's: for SimpleIPC's FlatBuffers
 * {@code ipc.Message} pass {@code IpcMessages::reqId} and encode with {@code IpcMessages.encode...}.
 * <p>
 * <b>Calls.</b> Each call takes a slot of a preallocated table ({@link ChannelConfig#callSlots()}), so a
 * synchronous {@link #call(RequestEncoder, ResponseHandler, Duration)} allocates nothing in steady state; when
 * every slot is taken, calls are refused with {@link IllegalStateException} until answers free them. A call not
 * answered within its timeout fails with {@link TimeoutException} and frees its slot. Responses whose id is
 * unknown, or belongs to a call that already timed out, or that the correlation cannot read, are counted
 * ({@link #unknownResponses()}, {@link #expiredResponses()}, {@link #malformedResponses()}), never delivered to
 * another call.
 * <p>
 * <b>Threads.</b> Every method is thread safe in every mode (in {@link WriteMode#CALLER} callers take turns
 * writing under a lock; in {@link ReadMode#CALLER} a waiting caller reads for the others). A guest that dies makes
 * calls time out; the host keeps running.
 */
public final class IpcHost implements AutoCloseable
{
    /**
     * Encodes one request into a buffer the host lends the calling thread.
     */
    @FunctionalInterface
    public interface RequestEncoder
    {
        /**
         * @param buffer a buffer of the calling thread, reused across calls, that grows as it is written: write
         *               the request from index 0.
         * @param reqId  the id the request must carry (for {@code ipc.Message}, its {@code req_id}).
         * @return the length of the request written.
         */
        int encode(MutableDirectBuffer buffer, long reqId);
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
         * @param buffer holds the response from {@code index}.
         * @param index  where the response starts.
         * @param length of the response.
         */
        void onResponse(DirectBuffer buffer, int index, int length);
    }

    /**
     * The read mode of a host whose config gives none: its calling threads read the responses (leader/follower),
     * so a synchronous call waits on the peer's semaphore itself instead of being woken by a reader thread.
     */
    public static final ReadMode READ_MODE_DEFAULT = ReadMode.CALLER;

    private static final ThreadLocal<ExpandableArrayBuffer> REQUESTS =
        ThreadLocal.withInitial(() -> new ExpandableArrayBuffer(256));

    private final ChannelConfig config;
    private final Correlation correlation;
    private final CallSlots calls;
    private final AtomicLong nextReqId = new AtomicLong(1);
    private final AtomicLong unknownResponses = new AtomicLong();
    private final AtomicLong expiredResponses = new AtomicLong();
    private final AtomicLong malformedResponses = new AtomicLong();
    private final HostChannel channel;
    private final ChannelSide side;

    private IpcHost(final ChannelConfig config, final Correlation correlation)
    {
        this.config = config;
        this.correlation = Objects.requireNonNull(correlation, "correlation");
        this.calls = new CallSlots(config.callSlots());
        this.channel = new HostChannel(config, this::onResponse, null, this::onReaderFailure, this::expireCalls,
            config.readModeOr(READ_MODE_DEFAULT));
        this.side = channel.side();
    }

    /**
     * Create the channel and start serving calls.
     *
     * @param config      the channel's configuration.
     * @param correlation reads the id a response carries.
     * @return the running host.
     * @throws SegmentException                     if a live host holds the channel, or the segment cannot be made.
     * @throws io.shmipc.signals.NamedSignalException if a semaphore cannot be created.
     */
    public static IpcHost start(final ChannelConfig config, final Correlation correlation)
    {
        return new IpcHost(config, correlation);
    }

    /**
     * The reader (or a caller-mode read) failed: no response can arrive any more, so every pending call fails now
     * with the reason, and later calls fail at once.
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
     * Send a request and return at once. The future completes with the response message (a little-endian heap
     * buffer the caller owns), or exceptionally with {@link TimeoutException} after
     * {@link ChannelConfig#callTimeout()}, or with {@link IllegalStateException} if the request could not be written
     * in that time or the host closed. An adapter over the call slots: it allocates the future and the response's copy.
     * The deadline is the conductor's to enforce, about every 100 ms (so a call fails up to about 100 ms after it; in
     * {@link ThreadingMode#INVOKER}, when the application invokes): no timer task per call. A timed-out future's
     * callbacks run on the conductor's thread, so keep them short. Cancelling the future frees its slot at once.
     * <p>
     * In {@link ReadMode#CALLER} (this host's default) a thread that waits on the future ({@code get}, {@code join})
     * reads responses while it waits, as {@link #call} does; a future nobody waits on (callbacks only) is completed
     * by the conductor's read, within about 100 ms, or by any call or {@link #poll()} in between.
     *
     * @param encoder writes the request with the given id.
     * @return the pending response.
     */
    public CompletableFuture<ByteBuffer> callAsync(final RequestEncoder encoder)
    {
        return callAsync(encoder, config.callTimeout());
    }

    /**
     * As {@link #callAsync(RequestEncoder)} with an explicit timeout.
     *
     * @param encoder writes the request with the given id.
     * @param timeout how long to wait for the response.
     * @return the pending response.
     */
    public CompletableFuture<ByteBuffer> callAsync(final RequestEncoder encoder, final Duration timeout)
    {
        final CompletableFuture<ByteBuffer> future = side.callerReads() ?
            new ReadingFuture(side, config.name()) : new CompletableFuture<>();
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
        future.whenComplete((response, error) ->
        {
            if (error != null)
            {
                calls.abandon(slot, reqId); // the application cancelled it, or failed it itself
            }
        });
        return future;
    }

    /** The conductor's timer: asynchronous calls past their deadline fail with a {@link TimeoutException}. */
    private void expireCalls()
    {
        calls.expireAsync(System.nanoTime(), config.name());
    }

    /**
     * {@link ReadMode#CALLER}: a future whose waiting threads read the responses (leader/follower, as {@link #call}),
     * so {@code get} and {@code join} need no reader thread.
     */
    private static final class ReadingFuture extends CompletableFuture<ByteBuffer> implements ChannelSide.Completion
    {
        private static final long SLICE_NS = TimeUnit.SECONDS.toNanos(1);

        private final ChannelSide side;
        private final String channel;

        ReadingFuture(final ChannelSide side, final String channel)
        {
            this.side = side;
            this.channel = channel;
        }

        public ByteBuffer get() throws InterruptedException, ExecutionException
        {
            while (!isDone())
            {
                readUntil(System.nanoTime() + SLICE_NS);
                if (Thread.interrupted())
                {
                    throw new InterruptedException("waiting for a response on " + channel);
                }
            }
            return super.get();
        }

        public ByteBuffer get(final long timeout, final TimeUnit unit)
            throws InterruptedException, ExecutionException, TimeoutException
        {
            final long deadline = System.nanoTime() + unit.toNanos(timeout);
            while (!isDone() && System.nanoTime() - deadline < 0)
            {
                readUntil(deadline);
                if (Thread.interrupted())
                {
                    throw new InterruptedException("waiting for a response on " + channel);
                }
            }
            return super.get(0, TimeUnit.NANOSECONDS);
        }

        public ByteBuffer join()
        {
            while (!isDone())
            {
                readUntil(System.nanoTime() + SLICE_NS);
            }
            return super.join();
        }

        private void readUntil(final long deadline)
        {
            try
            {
                side.pollUntil(this, deadline);
            }
            catch (final IllegalStateException closed)
            {
                completeExceptionally(closed); // the host closed: no one will read this response any more
            }
        }
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
        CallSlots.Slot slot = calls.acquire(reqId, future, timeoutNs);
        for (int tries = 1; null == slot && tries < calls.size() && calls.inFlight() < calls.size(); tries++)
        {
            reqId = nextReqId.getAndIncrement();
            slot = calls.acquire(reqId, future, timeoutNs);
        }
        if (slot == null)
        {
            throw new IllegalStateException("host of " + config.name() + " has its " + calls.size() +
                " call slots in use: wait for answers, or raise ChannelConfig.callSlots");
        }
        final ExpandableArrayBuffer buffer = REQUESTS.get();
        final int length;
        try
        {
            length = encoder.encode(buffer, reqId);
            if (length <= 0 || length > buffer.capacity())
            {
                throw new IllegalArgumentException("request encoder of " + config.name() + " returned length " +
                    length + ": must be 1.." + buffer.capacity() + ", the bytes it wrote from index 0");
            }
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
        if (!channel.send(buffer, 0, length, timeoutNs))
        {
            if (calls.abandon(slot, reqId))
            {
                throw new IllegalStateException("request " + reqId + " of channel " + config.name() +
                    " could not be written within " + Duration.ofNanos(timeoutNs) + ": the guest is not reading");
            }
        }
        if (channel.isClosed())
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
     * @param encoder writes the request with the given id.
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
     * @param encoder writes the request with the given id.
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
     * On the reading thread: the correlation reads the id on the mapped queue (no copy), and the call's slot gets
     * the only copy of the response.
     */
    private void onResponse(final int msgTypeId, final DirectBuffer buffer, final int index, final int length)
    {
        final long reqId;
        try
        {
            reqId = correlation.correlationId(buffer, index, length);
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
     * @throws IllegalStateException if the host has a reader thread, another thread reads, or it is closed.
     */
    public int poll()
    {
        return channel.poll();
    }

    /** @return responses whose id this host never issued. */
    public long unknownResponses()
    {
        return unknownResponses.get();
    }

    /** @return responses that came after their call had timed out (or twice). */
    public long expiredResponses()
    {
        return expiredResponses.get();
    }

    /** @return responses the correlation could not read an id from. */
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
        return channel.guestAlive();
    }

    /** @return errors reported to the error handler (see {@link HostChannel#errorCount()}). */
    public long errorCount()
    {
        return channel.errorCount();
    }

    /**
     * @return what stopped the host's reader (e.g. a {@link CorruptQueueException}), or null if it has not failed.
     * Once it has failed, calls fail at once with an {@link IllegalStateException} whose cause it is.
     */
    public Throwable failure()
    {
        return channel.failure();
    }

    /** @return why the host stopped serving calls by itself (its reader failed), or null while it serves. */
    public String stopReason()
    {
        return channel.stopReason();
    }

    /** @return the raw channel the calls travel on. */
    public HostChannel channel()
    {
        return channel;
    }

    /** @return the mapped segment, for inspection. */
    public SharedSegment segment()
    {
        return channel.segment();
    }

    /**
     * {@link ThreadingMode#INVOKER}: see {@link HostChannel#invoker()}.
     *
     * @return the invoker of the host's agents.
     * @throws IllegalStateException in the other threading modes.
     */
    public AgentInvoker invoker()
    {
        return channel.invoker();
    }

    /**
     * {@link ThreadingMode#INVOKER}: see {@link HostChannel#agent()}.
     *
     * @return the host's agents as one agent.
     * @throws IllegalStateException in the other threading modes.
     */
    public Agent agent()
    {
        return channel.agent();
    }

    /** @return where the writer and reader threads run. */
    public List<Placement> placements()
    {
        return channel.placements();
    }

    /** @return the configuration. */
    public ChannelConfig config()
    {
        return config;
    }

    /**
     * Close the channel ({@link HostChannel#close()}), then fail every pending call with
     * {@link IllegalStateException}. Idempotent; safe from another thread (a shutdown hook) while threads call.
     */
    public void close()
    {
        try
        {
            channel.close();
        }
        finally
        {
            calls.failAll(new IllegalStateException("host of " + config.name() + " closed"));
        }
    }

    private void checkCalls()
    {
        if (channel.isClosed())
        {
            throw new IllegalStateException("host of " + config.name() + " is closed");
        }
        final Throwable failure = side.failure();
        if (failure != null)
        {
            throw readerFailed(failure);
        }
    }

    @Override
    public String toString()
    {
        return "IpcHost{" + config.name() + ", pending=" + calls.inFlight() + ", unknown=" + unknownResponses +
            ", expired=" + expiredResponses + '}';
    }

    /**
     * For tests and diagnostics, {@link ReadMode#CALLER}.
     *
     * @return responses the conductor read because no calling thread was reading.
     */
    long responsesReadByConductor()
    {
        return side.messagesReadByConductor();
    }
}
