package io.shmipc.core.channel;

import io.shmipc.core.ring.SimpleIpcDescriptor;
import io.shmipc.core.segment.QueueId;
import io.shmipc.schemas.IpcMessages;
import ipc.AddResponse;
import ipc.Message;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.TimeoutException;

/**
 * A host JVM for tests: {@code HostMain NAME PENDING} starts a host, sends PENDING AddRequests nobody answers yet,
 * prints "ready", and keeps running until killed (at most two minutes). {@code HostMain NAME calls} calls
 * {@code add(n, 1)} one after another, prints "served" after the first right answer, and exits 1 on a wrong one.
 */
final class HostMain
{
    private HostMain()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final ChannelConfig config = ChannelConfig.builder(args[0]).capacity(64 * 1024).unlinkOnClose(false).build();
        if ("calls".equals(args[1]))
        {
            callForever(config);
            return;
        }
        try (IpcHost host = IpcHost.start(config, IpcMessages::reqId))
        {
            final int pending = Integer.parseInt(args[1]);
            for (int i = 0; i < pending; i++)
            {
                host.callAsync((b, id) -> IpcMessages.encodeAddRequest(b, id, 1, 2), Duration.ofMinutes(5));
            }
            final long deadline = System.nanoTime() + 10_000_000_000L;
            while (pending > 0 && host.segment().queueBuffer(QueueId.TO_GUEST)
                .getLongVolatile(SimpleIpcDescriptor.WRITE_POS_OFFSET) == 0 && System.nanoTime() - deadline < 0)
            {
                Thread.sleep(1);
            }
            System.out.println("ready");
            System.out.flush();
            Thread.sleep(120_000);
        }
    }

    private static void callForever(final ChannelConfig config) throws Exception
    {
        try (IpcHost host = IpcHost.start(config, IpcMessages::reqId))
        {
            final long deadline = System.nanoTime() + 120_000_000_000L;
            boolean served = false;
            for (long n = 0; System.nanoTime() - deadline < 0; n++)
            {
                final long x = n;
                final ByteBuffer response;
                try
                {
                    response = host.call((b, id) -> IpcMessages.encodeAddRequest(b, id, x, 1), Duration.ofSeconds(1));
                }
                catch (final TimeoutException ex)
                {
                    continue; // the guest is not there yet
                }
                final Message message = Message.getRootAsMessage(response);
                final double result = ((AddResponse)message.payload(new AddResponse())).result();
                if (result != x + 1)
                {
                    System.out.println("wrong result " + result + " for " + x + " + 1");
                    System.exit(1);
                }
                if (!served)
                {
                    served = true;
                    System.out.println("served");
                    System.out.flush();
                }
            }
        }
    }
}
