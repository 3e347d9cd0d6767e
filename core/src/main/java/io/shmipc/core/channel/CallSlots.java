package io.shmipc.core.channel;

import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.locks.LockSupport;

/**
 * The calls a host has in flight: a preallocated, power-of-two table of slots indexed by {@code reqId & mask}, each
 * holding the call's state, its waiting thread and a buffer the response is copied into, so a synchronous call
 * allocates nothing once the slots' buffers have grown to the responses' size. A call whose slot is still taken by
 * an older call ({@code size} or more calls in flight) is refused: the table pushes back instead of growing.
 * <p>
 * States: {@link #FREE} -> {@link #CLAIMING} (a caller fills in its id) -> {@link #WAITING} (a caller took it)
 * -> {@link #FILLING} (the reader copies the response) -> {@link #DONE} -> {@link #FREE} (the caller consumed it);
 * or WAITING -> FREE (the caller timed out, and the late response is counted as expired); or WAITING ->
 * {@link #FAILED} (the reader failed or the host closed). Every transition out of WAITING is a compare-and-set, so a
 * response and a timeout never both win.
 */
final class CallSlots
{
    static final int FREE = 0;
    static final int WAITING = 1;
    static final int FILLING = 2;
    static final int DONE = 3;
    static final int FAILED = 4;
    static final int CLAIMING = 5;
    static final int ABANDONING = 6;

    /** One call in flight. */
    static final class Slot implements ChannelSide.Completion
    {
        private static final AtomicIntegerFieldUpdater<Slot> STATE =
            AtomicIntegerFieldUpdater.newUpdater(Slot.class, "state");

        volatile int state;
        volatile long reqId;
        volatile Thread waiter;
        /** Set only by {@code callAsync}: the adapter completed instead of a waiting thread. */
        volatile CompletableFuture<ByteBuffer> future;
        /**
         * An asynchronous call's deadline ({@link System#nanoTime()}), enforced by the conductor, and its timeout:
         * plain fields, written before {@link #state} becomes WAITING and read only after it is seen WAITING.
         */
        long deadlineNs;
        long timeoutNs;
        volatile Throwable failure;
        final ExpandableArrayBuffer response = new ExpandableArrayBuffer(128);
        int length;

        boolean compareAndSetState(final int expected, final int next)
        {
            return STATE.compareAndSet(this, expected, next);
        }

        /**
         * @return true once the call has an outcome (a response or a failure).
         */
        public boolean isDone()
        {
            final int s = state;
            return DONE == s || FAILED == s;
        }
    }

    private final Slot[] slots;
    private final int mask;
    private final AtomicInteger inFlight = new AtomicInteger();

    /**
     * @param size number of slots, a power of two.
     */
    CallSlots(final int size)
    {
        if (size < 1 || Integer.bitCount(size) != 1)
        {
            throw new IllegalArgumentException("call slots must be a power of two, was " + size);
        }
        slots = new Slot[size];
        for (int i = 0; i < size; i++)
        {
            slots[i] = new Slot();
        }
        mask = size - 1;
    }

    int size()
    {
        return slots.length;
    }

    /**
     * Take the slot of {@code reqId} for a call.
     *
     * @param future    the asynchronous call's future, or null for a synchronous call (whose caller keeps its own
     *                  deadline).
     * @param timeoutNs the asynchronous call's timeout, from now.
     * @return the slot, or null if an older call still holds it (the table is full there).
     */
    Slot acquire(final long reqId, final CompletableFuture<ByteBuffer> future, final long timeoutNs)
    {
        final Slot slot = slots[(int)reqId & mask];
        if (slot.state != FREE || !slot.compareAndSetState(FREE, CLAIMING))
        {
            return null;
        }
        slot.reqId = reqId;
        slot.timeoutNs = timeoutNs;
        slot.deadlineNs = null == future ? 0 : System.nanoTime() + timeoutNs;
        slot.future = future;
        slot.failure = null;
        slot.waiter = null;
        inFlight.incrementAndGet();
        slot.state = WAITING;
        return slot;
    }

    /**
     * The caller is done with its slot (it consumed the response, or failed).
     */
    void release(final Slot slot)
    {
        slot.future = null;
        slot.waiter = null;
        slot.state = FREE;
        inFlight.decrementAndGet();
    }

    /**
     * The caller gives up waiting (timeout, interrupt), if its call {@code reqId} still holds the slot.
     *
     * @return true if it did, false if the response or a failure came first (the caller must then take it), or
     * the slot already serves a newer call.
     */
    boolean abandon(final Slot slot, final long reqId)
    {
        if (!slot.compareAndSetState(WAITING, ABANDONING))
        {
            return false;
        }
        if (slot.reqId != reqId)
        {
            slot.state = WAITING; // a newer call's: leave it
            return false;
        }
        slot.future = null;
        slot.waiter = null;
        inFlight.decrementAndGet();
        slot.state = FREE;
        return true;
    }

    /**
     * Fail, with a {@link TimeoutException}, every asynchronous call whose deadline has passed: the conductor's
     * timer, about every 100 ms, so such a call fails up to about 100 ms after its deadline. (One timer per host
     * instead of a {@code CompletableFuture.orTimeout} task per call: those went through one scheduler queue under
     * one lock shared by every calling thread and the reader.) A response that comes later is counted as expired.
     *
     * @return how many calls it failed.
     */
    int expireAsync(final long nowNs, final String channel)
    {
        if (inFlight.get() == 0)
        {
            return 0;
        }
        int expired = 0;
        for (final Slot slot : slots)
        {
            if (slot.state == WAITING && null != slot.future && nowNs - slot.deadlineNs >= 0 &&
                slot.compareAndSetState(WAITING, ABANDONING))
            {
                // ABANDONING is ours: nobody else writes the slot until we leave it
                final CompletableFuture<ByteBuffer> future = slot.future;
                if (null == future || nowNs - slot.deadlineNs < 0)
                {
                    slot.state = WAITING; // a newer call took the slot meanwhile
                    continue;
                }
                final long reqId = slot.reqId;
                final long timeoutNs = slot.timeoutNs;
                slot.future = null;
                slot.waiter = null;
                inFlight.decrementAndGet();
                slot.state = FREE;
                future.completeExceptionally(new TimeoutException("no response to call " + reqId + " on " + channel +
                    " within " + Duration.ofNanos(timeoutNs)));
                expired++;
            }
        }
        return expired;
    }

    /**
     * Reader side: hand a response to its call.
     *
     * @return true if a call was waiting for it; false if none was (unknown id, timed out, or answered twice).
     */
    boolean complete(final long reqId, final DirectBuffer source, final int index, final int length)
    {
        final Slot slot = slots[(int)reqId & mask];
        while (true)
        {
            final int state = slot.state;
            if (slot.reqId != reqId || (state != WAITING && state != ABANDONING))
            {
                return false;
            }
            if (state == WAITING && slot.compareAndSetState(WAITING, FILLING))
            {
                break;
            }
            Thread.onSpinWait(); // an abandon in progress settles in a few instructions
        }
        if (slot.reqId != reqId) // the slot went to a newer call between the two reads
        {
            slot.state = WAITING;
            return false;
        }
        final CompletableFuture<ByteBuffer> future = slot.future;
        if (future != null)
        {
            final byte[] copy = new byte[length]; // the async adapter's allocation: the caller owns this buffer
            source.getBytes(index, copy);
            release(slot);
            future.complete(ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN));
            return true;
        }
        slot.response.putBytes(0, source, index, length);
        slot.length = length;
        slot.state = DONE;
        final Thread waiter = slot.waiter;
        if (waiter != null)
        {
            LockSupport.unpark(waiter);
        }
        return true;
    }

    /**
     * Fail every call in flight (the reader failed, or the host closes).
     */
    void failAll(final Throwable failure)
    {
        for (final Slot slot : slots)
        {
            if (slot.state == WAITING && slot.compareAndSetState(WAITING, FILLING))
            {
                final CompletableFuture<ByteBuffer> future = slot.future;
                if (future != null)
                {
                    release(slot);
                    future.completeExceptionally(failure);
                    continue;
                }
                slot.failure = failure;
                slot.state = FAILED;
                final Thread waiter = slot.waiter;
                if (waiter != null)
                {
                    LockSupport.unpark(waiter);
                }
            }
        }
    }

    /**
     * @return calls in flight.
     */
    int inFlight()
    {
        return inFlight.get();
    }
}
