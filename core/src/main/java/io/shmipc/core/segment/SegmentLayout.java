package io.shmipc.core.segment;

import io.shmipc.core.ring.SimpleIpcDescriptor;
import io.shmipc.core.ring.SimpleIpcRingBuffer;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;

/**
 * The ring formats a segment can hold, each with its own rules for where the queues lie, how a new segment is
 * initialised, what an opened one must satisfy and which ring reads it: {@link SharedSegment} asks the layout and
 * never branches on it, so a new layout is one new constant here.
 * <p>
 * Both layouts keep the capacity of the first queue at {@link SimpleIpcDescriptor#CAPACITY_OFFSET} of the first
 * header, which is how an opened segment's capacity is found before its layout's rules are applied.
 */
public enum SegmentLayout
{
    /** The C++/Go SimpleIPC v1 layout, {@link SimpleIpcDescriptor}: interoperable with those peers. */
    SIMPLE_IPC("simpleipc-v1")
    {
        long segmentLength(final long capacity)
        {
            return SimpleIpcDescriptor.segmentLength(SimpleIpcDescriptor.checkSegmentCapacity(capacity));
        }

        long queueOffset(final QueueId queue, final int capacity)
        {
            return SimpleIpcDescriptor.queueOffset(queue, capacity);
        }

        long queueLength(final int capacity)
        {
            return SimpleIpcDescriptor.queueLength(capacity);
        }

        void initialise(final UnsafeBuffer buffer, final int capacity)
        {
            final int second = (int)SimpleIpcDescriptor.queueOffset(QueueId.FROM_GUEST, capacity);
            buffer.putLongVolatile(SimpleIpcDescriptor.CAPACITY_OFFSET, 0);
            // The first block header slot of each data area too: a consumer that trusts a shmipc producer polls it.
            buffer.putLong(SimpleIpcDescriptor.HEADER_LENGTH, 0L);
            buffer.putLong(second + SimpleIpcDescriptor.HEADER_LENGTH, 0L);
            buffer.setMemory(second, SimpleIpcDescriptor.HEADER_LENGTH, (byte)0);
            buffer.putLongRelease(second + SimpleIpcDescriptor.CAPACITY_OFFSET, capacity);
            final long epoch = buffer.getLongVolatile(SimpleIpcDescriptor.HOST_EPOCH_OFFSET);
            buffer.setMemory(0, SimpleIpcDescriptor.HEADER_LENGTH, (byte)0);
            buffer.putLong(SimpleIpcDescriptor.HOST_EPOCH_OFFSET, SharedSegment.readyEpoch(epoch));
            buffer.putLongRelease(SimpleIpcDescriptor.CAPACITY_OFFSET, capacity);
        }

        void validateMapped(final String description, final AtomicBuffer buffer, final int capacity)
        {
            final long offset = SimpleIpcDescriptor.queueOffset(QueueId.FROM_GUEST, capacity);
            final long second = buffer.getLongVolatile((int)offset + SimpleIpcDescriptor.CAPACITY_OFFSET);
            if (second != capacity)
            {
                throw new SegmentSizeMismatchException(description, "queue fromGuest at offset " + offset +
                    " has capacity " + second + " but queue toGuest has " + capacity);
            }
        }

        RingBuffer newRing(final AtomicBuffer queue, final String description)
        {
            return new SimpleIpcRingBuffer(queue, description);
        }

        QueueWalker newWalker(final AtomicBuffer queue, final String description)
        {
            return new QueueWalker.SimpleIpc(queue, description);
        }
    },

    /** Two Agrona {@link OneToOneRingBuffer}s, {@link AgronaSegmentDescriptor}: Java peers only. */
    AGRONA("agrona-one-to-one")
    {
        long segmentLength(final long capacity)
        {
            return AgronaSegmentDescriptor.segmentLength(AgronaSegmentDescriptor.checkCapacity(capacity));
        }

        long queueOffset(final QueueId queue, final int capacity)
        {
            return AgronaSegmentDescriptor.ringOffset(queue, capacity);
        }

        long queueLength(final int capacity)
        {
            return AgronaSegmentDescriptor.ringLength(capacity);
        }

        void initialise(final UnsafeBuffer buffer, final int capacity)
        {
            buffer.putLongRelease(AgronaSegmentDescriptor.CAPACITY_OFFSET, 0);
            buffer.setMemory(0, (int)AgronaSegmentDescriptor.segmentLength(capacity), (byte)0);
            buffer.putLong(AgronaSegmentDescriptor.MAGIC_OFFSET, AgronaSegmentDescriptor.MAGIC);
            buffer.putInt(AgronaSegmentDescriptor.VERSION_OFFSET, AgronaSegmentDescriptor.VERSION);
            buffer.putLongRelease(AgronaSegmentDescriptor.CAPACITY_OFFSET, capacity);
        }

        void validateMapped(final String description, final AtomicBuffer buffer, final int capacity)
        {
            // one capacity for both rings, already checked against the mapping's length
        }

        RingBuffer newRing(final AtomicBuffer queue, final String description)
        {
            return new OneToOneRingBuffer(queue);
        }

        QueueWalker newWalker(final AtomicBuffer queue, final String description)
        {
            return new QueueWalker.Agrona(queue, description);
        }
    };

    /** Bytes at the start of a segment that tell its layout and capacity. */
    static final int HEADER_LENGTH = SimpleIpcDescriptor.HEADER_LENGTH;

    /** Where both layouts keep the first queue's capacity. */
    static final int CAPACITY_OFFSET = SimpleIpcDescriptor.CAPACITY_OFFSET;

    private final String label;

    SegmentLayout(final String label)
    {
        this.label = label;
    }

    /**
     * @return name of the layout in the inspector's output.
     */
    public String label()
    {
        return label;
    }

    /**
     * The layout of the segment whose first {@link #HEADER_LENGTH} bytes these are: Agrona's if its magic is there,
     * else SimpleIPC v1 (which has no magic).
     */
    static SegmentLayout detect(final DirectBuffer header)
    {
        return header.getLong(AgronaSegmentDescriptor.MAGIC_OFFSET) == AgronaSegmentDescriptor.MAGIC ?
            AGRONA : SIMPLE_IPC;
    }

    /**
     * @return bytes a segment of this layout with this capacity per queue occupies.
     * @throws IllegalArgumentException if the capacity is out of range for the layout, naming it.
     */
    abstract long segmentLength(long capacity);

    /** @return where a queue's memory starts in the segment. */
    abstract long queueOffset(QueueId queue, int capacity);

    /** @return length of one queue's memory. */
    abstract long queueLength(int capacity);

    /**
     * Reset a segment's headers for a new run; the capacity is stored last, with release semantics, so a peer that
     * sees it non-zero sees the rest.
     */
    abstract void initialise(UnsafeBuffer buffer, int capacity);

    /**
     * Check what only a mapped segment shows (the second queue's header), after its capacity and length agreed.
     *
     * @throws SegmentSizeMismatchException naming the queue and both capacities.
     */
    abstract void validateMapped(String description, AtomicBuffer buffer, int capacity);

    /** @return a new ring over one queue's memory. */
    abstract RingBuffer newRing(AtomicBuffer queue, String description);

    /** @return a read-only walk of one queue's blocks by this layout's rules. */
    abstract QueueWalker newWalker(AtomicBuffer queue, String description);
}
