package io.shmipc.core.ring;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * The deterministic test traffic shared by the Java peers and the C peer ({@code src/test/c/simpleipc_peer.c}):
 * message {@code seq} of a run with {@code seed} has a length of {@code 12 + mix % (maxExtra + 1)} bytes, starts
 * with {@code seq} (u64), continues with {@code (byte)((mix >>> 8 * (i % 8)) ^ i)} and ends with the FNV-1a 32-bit
 * hash of everything before it, where {@code mix = splitmix64(seed ^ seq * 0x9E3779B97F4A7C15)}.
 */
final class PeerMessages
{
    private PeerMessages()
    {
    }

    static long mix(final long seed, final long seq)
    {
        long z = (seed ^ (seq * 0x9E3779B97F4A7C15L)) + 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    static int length(final long seed, final long seq, final int maxExtra)
    {
        return 12 + (int)Long.remainderUnsigned(mix(seed, seq), maxExtra + 1);
    }

    static int encode(
        final MutableDirectBuffer buffer, final int index, final long seed, final long seq, final int maxExtra)
    {
        final int length = length(seed, seq, maxExtra);
        final long mix = mix(seed, seq);
        buffer.putLong(index, seq, ByteOrder.LITTLE_ENDIAN);
        for (int i = 8; i < length - 4; i++)
        {
            buffer.putByte(index + i, (byte)((mix >>> (8 * (i & 7))) ^ i));
        }
        buffer.putInt(index + length - 4, fnv1a(buffer, index, length - 4), ByteOrder.LITTLE_ENDIAN);
        return length;
    }

    /**
     * @return null if the message is the expected one, else what is wrong.
     */
    static String verify(
        final DirectBuffer buffer, final int index, final int length, final long seed, final long seq,
        final int maxExtra)
    {
        final int expectedLength = length(seed, seq, maxExtra);
        if (length != expectedLength)
        {
            return "message " + seq + ": length " + length + ", expected " + expectedLength;
        }
        final long foundSeq = buffer.getLong(index, ByteOrder.LITTLE_ENDIAN);
        if (foundSeq != seq)
        {
            return "expected message " + seq + ", found sequence number " + foundSeq;
        }
        final long mix = mix(seed, seq);
        for (int i = 8; i < length - 4; i++)
        {
            if (buffer.getByte(index + i) != (byte)((mix >>> (8 * (i & 7))) ^ i))
            {
                return "message " + seq + ": wrong byte at " + i;
            }
        }
        if (buffer.getInt(index + length - 4, ByteOrder.LITTLE_ENDIAN) != fnv1a(buffer, index, length - 4))
        {
            return "message " + seq + ": checksum mismatch";
        }
        return null;
    }

    static int fnv1a(final DirectBuffer buffer, final int index, final int length)
    {
        int hash = 0x811C9DC5;
        for (int i = 0; i < length; i++)
        {
            hash ^= buffer.getByte(index + i) & 0xFF;
            hash *= 0x01000193;
        }
        return hash;
    }
}
