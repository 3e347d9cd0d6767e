package io.shmipc.core;

import io.shmipc.schemas.IpcMessages;

import java.time.Duration;

/**
 * A host JVM for tests: {@code HostMain NAME PENDING} starts a host, sends PENDING AddRequests nobody answers yet,
 * prints "ready", and keeps running until killed (at most two minutes).
 */
final class HostMain
{
    private HostMain()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final ChannelConfig config = ChannelConfig.builder(args[0]).capacity(64 * 1024).unlinkOnClose(false).build();
        try (IpcHost host = IpcHost.start(config))
        {
            final int pending = Integer.parseInt(args[1]);
            for (int i = 0; i < pending; i++)
            {
                host.callAsync((b, id) -> IpcMessages.encodeAddRequest(b, id, 1, 2), Duration.ofMinutes(5));
            }
            final long deadline = System.nanoTime() + 10_000_000_000L;
            while (pending > 0 && host.segment().queueBuffer(QueueId.TO_GUEST)
                .getLongVolatile(SimpleIpcDescriptor.WRITE_POS_OFFSET) == 0 && System.nanoTime() < deadline)
            {
                Thread.sleep(1);
            }
            System.out.println("ready");
            System.out.flush();
            Thread.sleep(120_000);
        }
    }
}
