package io.shmipc.core;

import com.google.flatbuffers.FlatBufferBuilder;
import io.shmipc.schemas.IpcMessages;
import ipc.AddRequest;
import ipc.Message;
import ipc.Payload;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;

/**
 * A guest JVM for tests, with the Go guest's behaviour: AddRequest{x,y} is answered with AddResponse{x+y},
 * MyRandRequest with MyRandResponse{0.12345}; a request whose x is negative is not answered (for timeout tests).
 * {@code AddGuestMain NAME READER_IDLE [trust]}: prints "ready" when serving, exits 0 when the host goes away.
 */
final class AddGuestMain
{
    private AddGuestMain()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final ChannelConfig config = ChannelConfig.builder(args[0])
            .readerIdle(args.length > 1 ? args[1] : "wait")
            .trustPeer(args.length > 2 && "trust".equals(args[2]))
            .writerIdle("wait")
            .openTimeout(Duration.ofSeconds(20))
            .peerTimeout(Duration.ofSeconds(2))
            .build();
        final FlatBufferBuilder builder = new FlatBufferBuilder(128);
        final byte[] copy = new byte[4096];
        try (IpcGuest guest = IpcGuest.start(config, (buffer, index, length, self) ->
        {
            buffer.getBytes(index, copy, 0, length);
            final ByteBuffer request = ByteBuffer.wrap(copy, 0, length).order(ByteOrder.LITTLE_ENDIAN);
            final Message message = Message.getRootAsMessage(request);
            final long reqId = message.reqId();
            if (message.payloadType() == Payload.AddRequest)
            {
                final AddRequest add = (AddRequest)message.payload(new AddRequest());
                if (add.x() >= 0)
                {
                    self.respond(IpcMessages.encodeAddResponse(builder, reqId, add.x() + add.y()));
                }
            }
            else if (message.payloadType() == Payload.MyRandRequest)
            {
                self.respond(IpcMessages.encodeMyRandResponse(builder, reqId, 0.12345));
            }
        }))
        {
            System.out.println("ready");
            System.out.flush();
            guest.awaitStop(Duration.ofMinutes(2));
            System.out.println("stopped: " + guest.stopReason());
        }
    }
}
