package io.shmipc.schemas;

import com.google.flatbuffers.FlatBufferBuilder;
import ipc.AddResponse;
import ipc.Message;
import ipc.MyRandResponse;
import ipc.Payload;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class AddServiceTest
{
    private final FlatBufferBuilder builder = new FlatBufferBuilder(128);
    private final AddService service = new AddService();

    @Test
    void addRequestGetsTheSumWithItsRequestId()
    {
        final ByteBuffer request = framed(IpcMessages.encodeAddRequest(builder, 41, 1.5, 2.25));
        final int position = request.position();
        final int limit = request.limit();

        final Message response = Message.getRootAsMessage(service.answer(request));

        assertEquals(41, response.reqId());
        assertEquals(Payload.AddResponse, response.payloadType());
        assertEquals(3.75, ((AddResponse)response.payload(new AddResponse())).result());
        assertEquals(position, request.position(), "the request's position is kept");
        assertEquals(limit, request.limit(), "the request's limit is kept");
    }

    @Test
    void myRandRequestGetsTheOriginalsConstant()
    {
        final Message response =
            Message.getRootAsMessage(service.answer(framed(IpcMessages.encodeMyRandRequest(builder, 7))));

        assertEquals(7, response.reqId());
        assertEquals(Payload.MyRandResponse, response.payloadType());
        assertEquals(AddService.RAND_RESULT, ((MyRandResponse)response.payload(new MyRandResponse())).result());
    }

    @Test
    void eachAnswerIsRightAfterManyOthers()
    {
        for (int i = 0; i < 1000; i++)
        {
            final Message response =
                Message.getRootAsMessage(service.answer(framed(IpcMessages.encodeAddRequest(builder, i, i, 1))));
            assertEquals(i, response.reqId());
            assertEquals(i + 1.0, ((AddResponse)response.payload(new AddResponse())).result());
        }
    }

    @Test
    void responsesAndGarbageAreNotAnswered()
    {
        assertNull(service.answer(framed(IpcMessages.encodeAddResponse(builder, 1, 2.0))));
        assertNull(service.answer(framed(IpcMessages.encodeMyRandResponse(builder, 1, 2.0))));
        assertNull(service.answer(ByteBuffer.wrap(new byte[]{1, 2, 3}).order(ByteOrder.LITTLE_ENDIAN)));
        assertNull(service.answer(ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN)));
    }

    /** The encoded message copied into a larger buffer at a non-zero position, as a ring's copy may be. */
    private static ByteBuffer framed(final ByteBuffer encoded)
    {
        final ByteBuffer buffer = ByteBuffer.allocate(encoded.remaining() + 24).order(ByteOrder.LITTLE_ENDIAN);
        buffer.position(16);
        buffer.put(encoded.duplicate());
        buffer.limit(buffer.position()).position(16);
        return buffer;
    }
}
