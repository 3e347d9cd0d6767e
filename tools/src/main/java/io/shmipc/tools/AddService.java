package io.shmipc.tools;

import com.google.flatbuffers.FlatBufferBuilder;
import io.shmipc.schemas.IpcMessages;
import ipc.AddRequest;
import ipc.Message;
import ipc.Payload;

import java.nio.ByteBuffer;

/**
 * The benchmark guest's answers (spec section 6): {@code AddRequest{x,y}} gets {@code AddResponse{x+y}} and
 * {@code MyRandRequest} gets {@code MyRandResponse{0.12345}}, both with the request's {@code req_id}.
 * Stateless and thread safe; each caller passes its own builder.
 */
final class AddService
{
    /** The constant the original's guest answers every MyRandRequest with. */
    static final double RAND_RESULT = 0.12345;

    private AddService()
    {
    }

    /**
     * @param request the request bytes from {@code position()} to {@code limit()} (little-endian); not modified.
     * @param builder the calling thread's builder, cleared by this method.
     * @return the response (the builder's buffer, valid until it is reused), or null when the bytes are not a
     * valid {@code Message} or carry a payload other than AddRequest or MyRandRequest.
     */
    static ByteBuffer answer(final ByteBuffer request, final FlatBufferBuilder builder)
    {
        if (!IpcMessages.isPlausibleMessage(request))
        {
            return null;
        }
        final Message message = Message.getRootAsMessage(request.slice().order(java.nio.ByteOrder.LITTLE_ENDIAN));
        switch (message.payloadType())
        {
            case Payload.AddRequest:
                final AddRequest add = (AddRequest)message.payload(new AddRequest());
                return IpcMessages.encodeAddResponse(builder, message.reqId(),
                    null == add ? 0.0 : add.x() + add.y());
            case Payload.MyRandRequest:
                return IpcMessages.encodeMyRandResponse(builder, message.reqId(), RAND_RESULT);
            default:
                return null;
        }
    }
}
