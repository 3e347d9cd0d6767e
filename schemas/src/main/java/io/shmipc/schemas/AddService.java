package io.shmipc.schemas;

import com.google.flatbuffers.FlatBufferBuilder;
import ipc.AddRequest;
import ipc.Message;
import ipc.Payload;

import java.nio.ByteBuffer;

/**
 * The original benchmark's guest (spec section 6, the Go guest's behaviour): {@code AddRequest{x,y}} gets
 * {@code AddResponse{x+y}} and {@code MyRandRequest} gets {@code MyRandResponse{0.12345}}, both with the request's
 * {@code req_id}. The one implementation of it, used by {@code shmipc guest}, {@code bench calls} and the tests.
 * <p>
 * An instance keeps its builder and flyweights, so answering allocates nothing: use one per thread; it is not
 * thread safe.
 */
public final class AddService
{
    /** The constant the original's guest answers every MyRandRequest with. */
    public static final double RAND_RESULT = 0.12345;

    private final FlatBufferBuilder builder = new FlatBufferBuilder(128);
    private final Message message = new Message();
    private final AddRequest add = new AddRequest();

    /**
     * @param request the request bytes from {@code position()} to {@code limit()}; its byte order is set to
     *                little-endian (as flatbuffers does), its position and limit are not changed.
     * @return the response, in this service's buffer and valid until its next call, or null when the bytes are not
     * a valid {@code Message} (see {@link IpcMessages#isPlausibleMessage}) or carry a payload other than AddRequest
     * or MyRandRequest.
     */
    public ByteBuffer answer(final ByteBuffer request)
    {
        if (!IpcMessages.isPlausibleMessage(request))
        {
            return null;
        }
        Message.getRootAsMessage(request, message);
        switch (message.payloadType())
        {
            case Payload.AddRequest:
                final AddRequest addRequest = (AddRequest)message.payload(add);
                return IpcMessages.encodeAddResponse(builder, message.reqId(),
                    null == addRequest ? 0.0 : addRequest.x() + addRequest.y());
            case Payload.MyRandRequest:
                return IpcMessages.encodeMyRandResponse(builder, message.reqId(), RAND_RESULT);
            default:
                return null;
        }
    }
}
