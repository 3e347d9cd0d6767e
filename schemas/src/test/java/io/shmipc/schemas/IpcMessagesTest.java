package io.shmipc.schemas;

import com.google.flatbuffers.FlatBufferBuilder;
import com.sun.management.ThreadMXBean;
import ipc.AddRequest;
import ipc.AddResponse;
import ipc.Message;
import ipc.MyRandRequest;
import ipc.MyRandResponse;
import ipc.Payload;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class IpcMessagesTest
{
    private final FlatBufferBuilder builder = new FlatBufferBuilder(16);

    @Test
    void addRequestRoundTripsThroughGeneratedClasses()
    {
        final ByteBuffer bytes = copy(IpcMessages.encodeAddRequest(builder, 42, 1.5, -2.25));

        assertEquals(42, IpcMessages.reqId(bytes));
        assertEquals(Payload.AddRequest, IpcMessages.payloadType(bytes));
        final Message message = Message.getRootAsMessage(bytes);
        assertEquals(42, message.reqId());
        assertEquals(Payload.AddRequest, message.payloadType());
        final AddRequest request = (AddRequest)message.payload(new AddRequest());
        assertEquals(1.5, request.x());
        assertEquals(-2.25, request.y());
        assertEquals("{\"req_id\":42,\"payload_type\":\"AddRequest\",\"payload\":{\"x\":1.5,\"y\":-2.25}}",
            IpcMessages.describe(bytes));
    }

    @Test
    void directBufferEncodersWriteTheBuilderBytesAndReqIdReadsThemInPlace()
    {
        final ExpandableArrayBuffer dst = new ExpandableArrayBuffer(8); // grows to fit
        final int length = IpcMessages.encodeAddRequest(dst, 42, 1.5, -2.25);
        final ByteBuffer expected = copy(IpcMessages.encodeAddRequest(builder, 42, 1.5, -2.25));
        assertEquals(expected.remaining(), length);
        final byte[] written = new byte[length];
        dst.getBytes(0, written);
        assertEquals(expected, ByteBuffer.wrap(written));

        // In place at an offset, as a ring hands a response to a correlation: same answers as the ByteBuffer form.
        final UnsafeBuffer ring = new UnsafeBuffer(new byte[length + 24]);
        ring.putBytes(16, written);
        assertEquals(42, IpcMessages.reqId(ring, 16, length));
        assertTrue(IpcMessages.isPlausibleMessage(ring, 16, length));
        assertThrows(IllegalArgumentException.class, () -> IpcMessages.reqId(ring, 16, 3), "3 bytes hold no root");
        assertFalse(IpcMessages.isPlausibleMessage(ring, 16, length - 4));

        assertEquals(7, IpcMessages.reqId(dst, 0, IpcMessages.encodeAddResponse(dst, 7, 3.5)));
        assertEquals(3.5, IpcMessages.result(dst, 0, IpcMessages.encodeAddResponse(dst, 7, 3.5)));
        assertEquals(0.0, IpcMessages.result(dst, 0, IpcMessages.encodeAddResponse(dst, 7, 0)), "absent = 0");
        assertThrows(IllegalArgumentException.class, () -> IpcMessages.result(ring, 16, length), "a request");
        assertEquals(9, IpcMessages.reqId(dst, 0, IpcMessages.encodeMyRandRequest(dst, 9)));
        final int rand = IpcMessages.encodeMyRandResponse(dst, 10, 0.25);
        final byte[] randBytes = new byte[rand];
        dst.getBytes(0, randBytes);
        assertEquals(0.25, IpcMessages.result(dst, 0, rand));
        assertEquals(0.25, ((MyRandResponse)Message.getRootAsMessage(ByteBuffer.wrap(randBytes)
            .order(ByteOrder.LITTLE_ENDIAN)).payload(new MyRandResponse())).result());
    }

    @Test
    void addResponseRoundTripsThroughGeneratedClasses()
    {
        final ByteBuffer bytes = copy(IpcMessages.encodeAddResponse(builder, 7, 3.5));

        assertEquals(7, IpcMessages.reqId(bytes));
        assertEquals(Payload.AddResponse, IpcMessages.payloadType(bytes));
        final Message message = Message.getRootAsMessage(bytes);
        assertEquals(3.5, ((AddResponse)message.payload(new AddResponse())).result());
        assertEquals("{\"req_id\":7,\"payload_type\":\"AddResponse\",\"payload\":{\"result\":3.5}}",
            IpcMessages.describe(bytes));
    }

    @Test
    void myRandRequestRoundTripsThroughGeneratedClasses()
    {
        final ByteBuffer bytes = copy(IpcMessages.encodeMyRandRequest(builder, 3));

        assertEquals(3, IpcMessages.reqId(bytes));
        assertEquals(Payload.MyRandRequest, IpcMessages.payloadType(bytes));
        final Message message = Message.getRootAsMessage(bytes);
        assertNotNull(message.payload(new MyRandRequest()), "MyRandRequest{} is an empty table, but it is present");
        assertEquals("{\"req_id\":3,\"payload_type\":\"MyRandRequest\",\"payload\":{}}", IpcMessages.describe(bytes));
    }

    @Test
    void myRandResponseRoundTripsThroughGeneratedClasses()
    {
        final ByteBuffer bytes = copy(IpcMessages.encodeMyRandResponse(builder, 3, 0.12345));

        assertEquals(3, IpcMessages.reqId(bytes));
        assertEquals(Payload.MyRandResponse, IpcMessages.payloadType(bytes));
        final Message message = Message.getRootAsMessage(bytes);
        assertEquals(0.12345, ((MyRandResponse)message.payload(new MyRandResponse())).result());
        assertEquals("{\"req_id\":3,\"payload_type\":\"MyRandResponse\",\"payload\":{\"result\":0.12345}}",
            IpcMessages.describe(bytes));
    }

    @Test
    void reqIdIsAnUnsigned64BitValue()
    {
        final ByteBuffer bytes = copy(IpcMessages.encodeMyRandRequest(builder, -1L));

        assertEquals(-1L, IpcMessages.reqId(bytes));
        assertEquals("{\"req_id\":18446744073709551615,\"payload_type\":\"MyRandRequest\",\"payload\":{}}",
            IpcMessages.describe(bytes));
    }

    @Test
    void zeroFieldsAreOmittedLikeTheOtherBuildersAndReadBackAsZero()
    {
        final ByteBuffer bytes = copy(IpcMessages.encodeAddRequest(builder, 0, 0.0, 0.0));

        assertEquals(0, IpcMessages.reqId(bytes));
        assertEquals("{\"payload_type\":\"AddRequest\",\"payload\":{}}", IpcMessages.describe(bytes));
        final AddRequest request = (AddRequest)Message.getRootAsMessage(bytes).payload(new AddRequest());
        assertEquals(0.0, request.x());
        assertEquals(0.0, request.y());
    }

    @Test
    void sizesAndTextMatchTheMessagesDecodedFromALiveSegment()
    {
        // Spec section 8: the first blocks of queue 0 and queue 1 of a live C++/Go pair.
        ByteBuffer bytes = IpcMessages.encodeAddRequest(builder, 1, 0.0, 0.0);
        assertEquals(48, bytes.remaining());
        assertEquals("{\"req_id\":1,\"payload_type\":\"AddRequest\",\"payload\":{}}", IpcMessages.describe(bytes));

        bytes = IpcMessages.encodeAddRequest(builder, 6, 1.0, 2.0);
        assertEquals(72, bytes.remaining());
        assertEquals("{\"req_id\":6,\"payload_type\":\"AddRequest\",\"payload\":{\"x\":1.0,\"y\":2.0}}",
            IpcMessages.describe(bytes));

        bytes = IpcMessages.encodeAddResponse(builder, 8, 3.0);
        assertEquals(64, bytes.remaining());
        assertEquals("{\"req_id\":8,\"payload_type\":\"AddResponse\",\"payload\":{\"result\":3.0}}",
            IpcMessages.describe(bytes));
    }

    @Test
    void encodingReusesTheBuilderAndReturnsItsBuffer()
    {
        final ByteBuffer first = IpcMessages.encodeAddRequest(builder, 1, 1.0, 2.0);
        final byte[] expected = bytesOf(first);
        final ByteBuffer grown = IpcMessages.encodeAddRequest(builder, 2, 3.0, 4.0);
        assertSame(builder.dataBuffer(), grown, "the message is the builder's own buffer, not a copy");

        for (int i = 0; i < 100; i++)
        {
            IpcMessages.encodeMyRandResponse(builder, i, i);
        }
        final ByteBuffer again = IpcMessages.encodeAddRequest(builder, 1, 1.0, 2.0);
        assertEquals(ByteBuffer.wrap(expected), again, "a cleared builder encodes the same bytes again");
        assertEquals(ByteOrder.LITTLE_ENDIAN, again.order());
    }

    @Test
    void encodingWithAWarmBuilderDoesNotAllocate()
    {
        final ThreadMXBean threads = (ThreadMXBean)ManagementFactory.getThreadMXBean();
        final long threadId = Thread.currentThread().getId();
        long sink = 0;
        for (int i = 0; i < 20_000; i++)
        {
            sink += encodeAll(i);
        }

        final long before = threads.getThreadAllocatedBytes(threadId);
        for (int i = 0; i < 10_000; i++)
        {
            sink += encodeAll(i);
        }
        final long allocated = threads.getThreadAllocatedBytes(threadId) - before;

        assertTrue(sink > 0);
        // 40,000 encodes: one 16-byte object each would be 640,000 bytes; allow only measurement noise.
        assertTrue(allocated < 10_000, "encoding allocated " + allocated + " bytes for 40,000 messages");
    }

    @Test
    void readingLeavesTheCallersBufferAloneAndIgnoresItsByteOrder()
    {
        final ByteBuffer message = IpcMessages.encodeAddRequest(builder, 6, 1.0, 2.0);
        final int length = message.remaining();
        final String expected = IpcMessages.describe(message);

        // As a ring block would hold it: behind an 8-byte header, in a big-endian direct buffer.
        final ByteBuffer block = ByteBuffer.allocateDirect(8 + length + 16).order(ByteOrder.BIG_ENDIAN);
        block.position(8);
        block.put(message.duplicate());
        block.limit(8 + length).position(8);

        assertEquals(6, IpcMessages.reqId(block));
        assertEquals(Payload.AddRequest, IpcMessages.payloadType(block));
        assertTrue(IpcMessages.isPlausibleMessage(block));
        assertEquals(expected, IpcMessages.describe(block));
        assertEquals(8, block.position());
        assertEquals(8 + length, block.limit());
        assertEquals(ByteOrder.BIG_ENDIAN, block.order());
    }

    @Test
    void unknownPayloadTypeIsNotAMessageButReadersStillReturnTheRawType()
    {
        final ByteBuffer bytes = copy(IpcMessages.encodeAddResponse(builder, 8, 3.0));
        final int typeByte = indexOfPayloadType(bytes);
        bytes.put(typeByte, (byte)9);

        assertEquals(9, IpcMessages.payloadType(bytes));
        assertEquals(8, IpcMessages.reqId(bytes));
        assertFalse(IpcMessages.isPlausibleMessage(bytes));
        assertNull(IpcMessages.describe(bytes));
    }

    @Test
    void payloadTypeNoneDescribesWithoutAPayload()
    {
        final ByteBuffer bytes = copy(IpcMessages.encodeAddResponse(builder, 8, 3.0));
        bytes.put(indexOfPayloadType(bytes), Payload.NONE);

        assertEquals(Payload.NONE, IpcMessages.payloadType(bytes));
        assertEquals("{\"req_id\":8,\"payload_type\":\"NONE\"}", IpcMessages.describe(bytes));
    }

    @Test
    void readersRejectARootOffsetOutsideTheBytesWithTheWindowInTheMessage()
    {
        final ByteBuffer bytes = copy(IpcMessages.encodeAddRequest(builder, 6, 1.0, 2.0));
        bytes.putInt(0, 1000);

        final IllegalArgumentException reqId =
            assertThrows(IllegalArgumentException.class, () -> IpcMessages.reqId(bytes));
        assertTrue(reqId.getMessage().contains("[0, 72)"), reqId.getMessage());
        assertThrows(IllegalArgumentException.class, () -> IpcMessages.payloadType(bytes));
        assertThrows(IllegalArgumentException.class, () -> IpcMessages.reqId(ByteBuffer.allocate(3)));
        assertNull(IpcMessages.describe(bytes));
        assertNull(IpcMessages.describe(ByteBuffer.allocate(0)));
    }

    @Test
    void everyTruncationOfEveryMessageIsRejected()
    {
        for (final ByteBuffer message : allKinds())
        {
            final int length = message.remaining();
            for (int cut = 0; cut < length; cut++)
            {
                final ByteBuffer truncated = message.duplicate().order(ByteOrder.LITTLE_ENDIAN);
                truncated.limit(cut);
                assertNull(IpcMessages.describe(truncated),
                    "prefix of " + cut + "/" + length + " bytes of " + IpcMessages.describe(message));
                assertFalse(IpcMessages.isPlausibleMessage(truncated));
                assertReadersThrowOnlyIllegalArgument(truncated);
            }
        }
    }

    @Test
    void everySingleByteCorruptionIsEitherRejectedOrReadableByTheGeneratedClasses()
    {
        for (final ByteBuffer message : allKinds())
        {
            for (int index = 0; index < message.remaining(); index++)
            {
                for (int value = 0; value < 256; value++)
                {
                    final ByteBuffer corrupt = message.duplicate().order(ByteOrder.LITTLE_ENDIAN);
                    corrupt.put(index, (byte)value);
                    assertConsistent(corrupt, "byte " + index + " set to " + value);
                }
            }
        }
    }

    @Test
    void randomBytesNeverMakeTheReadersThrowAnythingButIllegalArgument()
    {
        final long seed = System.nanoTime();
        final Random random = new Random(seed);
        for (int i = 0; i < 200_000; i++)
        {
            final byte[] bytes = new byte[random.nextInt(97)];
            random.nextBytes(bytes);
            if (random.nextBoolean() && bytes.length >= 4)
            {
                // Small root offsets make it past the first check far more often than random ones.
                bytes[0] = (byte)(random.nextInt(bytes.length) & ~3);
                bytes[1] = bytes[2] = bytes[3] = 0;
            }
            final ByteBuffer buffer = ByteBuffer.wrap(bytes);
            assertConsistent(buffer, "seed " + seed + ", iteration " + i);
        }
    }

    private static void assertConsistent(final ByteBuffer buffer, final String what)
    {
        final String text;
        try
        {
            text = IpcMessages.describe(buffer);
        }
        catch (final RuntimeException ex)
        {
            throw new AssertionError("describe threw for " + what, ex);
        }
        assertEquals(null != text, IpcMessages.isPlausibleMessage(buffer), what);
        assertReadersThrowOnlyIllegalArgument(buffer);
        if (null != text)
        {
            // What the helper accepts, the generated accessors must be able to read without leaving the bytes.
            final ByteBuffer bounded = ByteBuffer.wrap(bytesOf(buffer));
            try
            {
                final Message message = Message.getRootAsMessage(bounded);
                assertEquals(IpcMessages.reqId(buffer), message.reqId(), what);
                switch (message.payloadType())
                {
                    case Payload.AddRequest:
                        final AddRequest add = (AddRequest)message.payload(new AddRequest());
                        if (null != add)
                        {
                            add.x();
                            add.y();
                        }
                        break;
                    case Payload.AddResponse:
                        final AddResponse sum = (AddResponse)message.payload(new AddResponse());
                        if (null != sum)
                        {
                            sum.result();
                        }
                        break;
                    case Payload.MyRandResponse:
                        final MyRandResponse rand = (MyRandResponse)message.payload(new MyRandResponse());
                        if (null != rand)
                        {
                            rand.result();
                        }
                        break;
                    default:
                        break;
                }
            }
            catch (final IndexOutOfBoundsException ex)
            {
                throw new AssertionError("accepted as " + text + " but unreadable: " + what, ex);
            }
        }
    }

    private static void assertReadersThrowOnlyIllegalArgument(final ByteBuffer buffer)
    {
        final int position = buffer.position();
        final int limit = buffer.limit();
        for (int reader = 0; reader < 2; reader++)
        {
            try
            {
                if (0 == reader)
                {
                    IpcMessages.reqId(buffer);
                }
                else
                {
                    IpcMessages.payloadType(buffer);
                }
            }
            catch (final IllegalArgumentException expected)
            {
                assertTrue(expected.getMessage().startsWith("not an ipc.Message"), expected.getMessage());
            }
            catch (final RuntimeException ex)
            {
                fail("reader threw " + ex + " instead of IllegalArgumentException", ex);
            }
        }
        assertEquals(position, buffer.position());
        assertEquals(limit, buffer.limit());
    }

    private ByteBuffer[] allKinds()
    {
        return new ByteBuffer[]
        {
            copy(IpcMessages.encodeAddRequest(builder, 1, 0.0, 0.0)),
            copy(IpcMessages.encodeAddRequest(builder, 6, 1.0, 2.0)),
            copy(IpcMessages.encodeAddResponse(builder, 8, 3.0)),
            copy(IpcMessages.encodeMyRandRequest(builder, 9)),
            copy(IpcMessages.encodeMyRandResponse(builder, 10, 0.12345)),
        };
    }

    private long encodeAll(final int i)
    {
        long total = IpcMessages.encodeAddRequest(builder, i, i, 2.0).remaining();
        total += IpcMessages.encodeAddResponse(builder, i, i + 2.0).remaining();
        total += IpcMessages.encodeMyRandRequest(builder, i).remaining();
        total += IpcMessages.encodeMyRandResponse(builder, i, 0.12345).remaining();
        return total;
    }

    /** Finds the payload_type byte by flipping candidates until payloadType() reports the change. */
    private static int indexOfPayloadType(final ByteBuffer bytes)
    {
        final byte original = IpcMessages.payloadType(bytes);
        for (int i = 0; i < bytes.limit(); i++)
        {
            if (bytes.get(i) == original)
            {
                bytes.put(i, (byte)(original + 1));
                final boolean found = IpcMessages.payloadType(bytes) == original + 1;
                bytes.put(i, original);
                if (found)
                {
                    return i;
                }
            }
        }
        throw new AssertionError("payload_type byte not found");
    }

    private static byte[] bytesOf(final ByteBuffer buffer)
    {
        final byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }

    private static ByteBuffer copy(final ByteBuffer buffer)
    {
        return ByteBuffer.wrap(bytesOf(buffer)).order(ByteOrder.LITTLE_ENDIAN);
    }
}
