package io.shmipc.core.channel;

import io.shmipc.core.ring.SimpleIpcRingBuffer;
import io.shmipc.signals.NamedSignal;
import org.agrona.DirectBuffer;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

/**
 * The writer of {@link WriteMode#CALLER}: every calling thread writes into the shared queue itself, with no thread
 * hand-off, and under contention the writes are combined (flat combining). A thread that takes the write lock
 * writes its own message, then every message other threads left while it held the lock, and publishes them all
 * with one release store of writePos and at most one signal. A thread that finds the lock taken leaves its message
 * in its own request record (reused, so a write allocates nothing after a thread's first) on a lock-free stack and
 * waits, spinning briefly and then yielding its CPU, until the lock holder has written it, or takes the lock itself
 * when it is free. Uncontended, a write costs the lock's compare-and-set and release more than the ring's own write.
 * <p>
 * <b>Deferred publication.</b> Between {@link #beginBatch()} and {@link #endBatch()} the thread that called
 * {@code beginBatch} (a reader thread answering the batch it has just read) appends its messages without publishing
 * them, up to {@link #DEFER_LIMIT} at a time; {@code endBatch} publishes them with one store and one signal. Messages
 * of other threads combined meanwhile are published at once.
 * <p>
 * <b>Errors.</b> An exception while writing another thread's message (an oversize message, a corrupt queue, a fault
 * on a truncated mapping) is handed to that thread, which throws it; the lock holder goes on with the others.
 * <p>
 * Thread safe: any number of threads may call {@link #write}.
 */
final class CombiningWriter
{
    /** Most messages the batch thread appends before it publishes anyway. */
    static final int DEFER_LIMIT = 16;

    private static final int SPINS_BEFORE_YIELD = 64;

    private static final int IDLE = 0;
    private static final int PENDING = 1;
    private static final int WRITTEN = 2;
    private static final int NO_ROOM = 3;
    private static final int FAILED = 4;

    /** One thread's message waiting for the lock holder. Fields other than state are written before the push. */
    private static final class Request
    {
        volatile int state = IDLE;
        Request next;
        DirectBuffer buffer;
        int offset;
        int length;
        /** The outcome the lock holder found, published in {@link #state} once the batch is out. */
        int outcome;
        Throwable failure;
    }

    private final SimpleIpcRingBuffer ring;
    private final NamedSignal signal;
    private final BooleanSupplier closing;
    private final AtomicBoolean lock = new AtomicBoolean();
    private final AtomicReference<Request> waiting = new AtomicReference<>();
    private final ThreadLocal<Request> requests = ThreadLocal.withInitial(Request::new);
    /** The thread between beginBatch and endBatch, or null. Only that thread writes it. */
    private Thread batchThread;
    /** Messages appended and not yet published by the batch thread; guarded by {@link #lock}. */
    private int deferred;

    /**
     * @param ring    the queue written, producer side.
     * @param signal  posted after a publish when {@link SimpleIpcRingBuffer#readerNeedsWakeUp()} says so.
     * @param closing true once the channel closes: a write waiting for room gives up.
     */
    CombiningWriter(final SimpleIpcRingBuffer ring, final NamedSignal signal, final BooleanSupplier closing)
    {
        this.ring = ring;
        this.signal = signal;
        this.closing = closing;
    }

    /**
     * Write one message, waiting up to {@code timeoutNs} for room in the queue.
     *
     * @return true once the message is published (or, on the batch thread, appended for {@link #endBatch()}); false
     * if there was no room in time or the channel is closing.
     * @throws IllegalArgumentException if the message is longer than the queue's maxMsgLength.
     * @throws RuntimeException         what the ring threw (corrupt queue, truncated mapping); an
     *                                  {@link InternalError} as such.
     */
    boolean write(final DirectBuffer buffer, final int offset, final int length, final long timeoutNs)
    {
        if (lock.compareAndSet(false, true))
        {
            return writeAndCombine(buffer, offset, length, timeoutNs);
        }
        final Request request = requests.get();
        request.buffer = buffer;
        request.offset = offset;
        request.length = length;
        request.failure = null;
        request.state = PENDING;
        push(request);
        int idles = 0;
        int state;
        while (PENDING == (state = request.state))
        {
            if (!lock.get() && lock.compareAndSet(false, true))
            {
                // Still pending with the lock held: the request is on the stack (a holder that took it sets its
                // state before it lets go), so combining now writes it.
                combineAndRelease(false);
                continue;
            }
            idle(idles++);
        }
        request.buffer = null;
        request.state = IDLE;
        if (WRITTEN == state)
        {
            return true;
        }
        if (FAILED == state)
        {
            throw rethrow(request.failure);
        }
        // NO_ROOM: the holder could not wait for room on this thread's deadline; wait for it here.
        final long deadline = System.nanoTime() + timeoutNs;
        while (!lock.compareAndSet(false, true))
        {
            if (closing.getAsBoolean() || System.nanoTime() - deadline >= 0)
            {
                return false;
            }
            idle(idles++);
        }
        return writeAndCombine(buffer, offset, length, deadline - System.nanoTime());
    }

    /**
     * Start deferring the calling thread's messages (see the class comment). Only one thread at a time may batch.
     */
    void beginBatch()
    {
        batchThread = Thread.currentThread();
    }

    /**
     * Publish what the calling thread deferred since {@link #beginBatch()}, with one store and at most one signal,
     * and stop deferring.
     */
    void endBatch()
    {
        batchThread = null;
        if (0 == deferred)
        {
            return; // read without the lock: only the batch thread (this one) makes it non-zero
        }
        int idles = 0;
        while (!lock.compareAndSet(false, true))
        {
            idle(idles++);
        }
        combineAndRelease(true);
    }

    /**
     * For tests and diagnostics.
     *
     * @return true while a thread holds the write lock.
     */
    boolean lockHeld()
    {
        return lock.get();
    }

    /**
     * For tests and diagnostics.
     *
     * @return true while a message waits for the lock holder.
     */
    boolean hasWaiting()
    {
        return waiting.get() != null;
    }

    /**
     * Holding the lock: append the holder's message (waiting up to {@code timeoutNs} for room, the clock read only
     * then), combine the others, publish, release.
     */
    private boolean writeAndCombine(final DirectBuffer buffer, final int offset, final int length, final long timeoutNs)
    {
        boolean written = false;
        boolean publish = true;
        try
        {
            if (!ring.append(buffer, offset, length))
            {
                final long deadline = System.nanoTime() + timeoutNs;
                do
                {
                    publishAndSignal(); // the wrap's padding, and what was appended before, must go out to free room
                    if (closing.getAsBoolean() || System.nanoTime() - deadline >= 0)
                    {
                        return false;
                    }
                    Thread.onSpinWait();
                }
                while (!ring.append(buffer, offset, length));
            }
            written = true;
            if (Thread.currentThread() == batchThread && ++deferred < DEFER_LIMIT)
            {
                publish = false;
            }
            return true;
        }
        finally
        {
            combine(publish || !written);
            lock.set(false);
        }
    }

    /** Holding the lock: combine, publish, release. */
    private void combineAndRelease(final boolean publish)
    {
        try
        {
            combine(publish);
        }
        finally
        {
            lock.set(false);
        }
    }

    /**
     * Holding the lock: append every waiting message, publish (always when any was waiting) and only then tell their
     * threads, so a thread told "written" knows its message is visible to the reader.
     */
    private void combine(final boolean publish)
    {
        // A read first: the uncontended write costs no atomic exchange.
        final Request batch = null == waiting.get() ? null : waiting.getAndSet(null);
        Throwable publishFailure = null;
        for (Request request = batch; request != null; request = request.next)
        {
            try
            {
                request.outcome = ring.append(request.buffer, request.offset, request.length) ? WRITTEN : NO_ROOM;
            }
            catch (final RuntimeException | Error ex)
            {
                request.failure = ex;
                request.outcome = FAILED;
            }
        }
        if (publish || batch != null)
        {
            try
            {
                publishAndSignal();
            }
            catch (final RuntimeException | Error ex)
            {
                publishFailure = ex;
            }
        }
        Request request = batch;
        while (request != null)
        {
            final Request next = request.next; // read before the state: once told, its thread may push it again
            request.next = null;
            if (publishFailure != null && FAILED != request.outcome)
            {
                request.failure = publishFailure;
                request.outcome = FAILED;
            }
            request.state = request.outcome;
            request = next;
        }
        if (publishFailure != null)
        {
            throw rethrow(publishFailure);
        }
    }

    private void publishAndSignal()
    {
        deferred = 0;
        if (ring.publish() && ring.readerNeedsWakeUp())
        {
            signal.post();
        }
    }

    private void push(final Request request)
    {
        Request head;
        do
        {
            head = waiting.get();
            request.next = head;
        }
        while (!waiting.compareAndSet(head, request));
    }

    /** Spin briefly, then give the CPU to whoever holds the lock or has work: never a spinning thread too many. */
    private static void idle(final int idles)
    {
        if (idles < SPINS_BEFORE_YIELD)
        {
            Thread.onSpinWait();
        }
        else
        {
            Thread.yield();
        }
    }

    private static RuntimeException rethrow(final Throwable failure)
    {
        if (failure instanceof RuntimeException)
        {
            return (RuntimeException)failure;
        }
        if (failure instanceof Error)
        {
            throw (Error)failure;
        }
        return new IllegalStateException(failure);
    }
}
