package io.shmipc.core.segment;

import io.shmipc.core.ring.SimpleIpcDescriptor;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * Layout of a segment holding two Agrona {@link org.agrona.concurrent.ringbuffer.OneToOneRingBuffer}s, for peers
 * that are all Java. Little-endian.
 * <pre>
 *   0    u64 magic       {@link #MAGIC}, ASCII "SHMIPCAG": tells this layout from SimpleIPC v1, whose offset 0
 *                        is writePos
 *   8    u32 version     {@link #VERSION}
 *   12   60 bytes        zero
 *   72   u64 capacity    each ring's data capacity, a power of two; 0 means "not initialised yet" (as in SimpleIPC v1)
 *   80   48 bytes        zero
 *   128  ring 0 (toGuest):   capacity + Agrona's trailer ({@link RingBufferDescriptor#TRAILER_LENGTH})
 *   ...  ring 1 (fromGuest): capacity + trailer
 * </pre>
 * The creator writes the magic first and the capacity last, so a reader that sees a non-zero capacity sees the magic.
 */
final class AgronaSegmentDescriptor
{
    /** "SHMIPCAG" read as a little-endian u64. */
    public static final long MAGIC = 0x4741_4350_494D_4853L;

    /** Offset of {@link #MAGIC}. */
    public static final int MAGIC_OFFSET = 0;

    /** Offset of the u32 version. */
    public static final int VERSION_OFFSET = 8;

    /** Version of this layout. */
    public static final int VERSION = 1;

    /** Offset of the ring capacity (u64), the same place as in a SimpleIPC v1 queue header. */
    public static final int CAPACITY_OFFSET = SimpleIpcDescriptor.CAPACITY_OFFSET;

    /** Length of the file header; ring 0 starts here. */
    public static final int HEADER_LENGTH = 128;

    private AgronaSegmentDescriptor()
    {
    }

    /**
     * @param capacity of each ring's data area.
     * @return length of one ring, data and trailer.
     */
    public static long ringLength(final long capacity)
    {
        return capacity + RingBufferDescriptor.TRAILER_LENGTH;
    }

    /**
     * @param capacity of each ring's data area.
     * @return length of the whole segment.
     */
    public static long segmentLength(final long capacity)
    {
        return HEADER_LENGTH + 2 * ringLength(capacity);
    }

    /**
     * @param queue    which ring.
     * @param capacity of each ring's data area.
     * @return offset of the ring in the segment.
     */
    public static long ringOffset(final QueueId queue, final long capacity)
    {
        return HEADER_LENGTH + (queue == QueueId.TO_GUEST ? 0 : ringLength(capacity));
    }

    /**
     * Check a capacity can back an Agrona ring in one mapping.
     *
     * @param capacity to check.
     * @return the capacity as an int.
     * @throws IllegalArgumentException naming the capacity when it is not a power of two in range.
     */
    public static int checkCapacity(final long capacity)
    {
        if (capacity < 64 || capacity > (1 << 29) || Long.bitCount(capacity) != 1)
        {
            throw new IllegalArgumentException(
                "capacity " + capacity + " of an Agrona ring must be a power of two from 64 to " + (1 << 29));
        }
        return (int)capacity;
    }
}
