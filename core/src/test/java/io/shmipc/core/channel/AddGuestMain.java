package io.shmipc.core.channel;

import io.shmipc.schemas.AddService;
import ipc.AddRequest;
import ipc.Message;
import ipc.Payload;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * A guest JVM for tests, with the Go guest's behaviour ({@link AddService}), except that an AddRequest whose x is
 * negative is not answered (for timeout tests).
 * {@code AddGuestMain NAME READER_IDLE [trust] [reattach] [work=MICROS] [threading=MODE]}: prints "ready" when
 * serving, exits 0 when
 * the host goes away. With {@code reattach} it opens the channel again when a new host re-initialised it (printing
 * "re-attached"), as {@code ./shmipc guest} does; {@code work=MICROS} spins that long on each request; with
 * {@code threading=invoker} the main thread drives the guest's invoker with a back-off idle strategy.
 */
final class AddGuestMain
{
    private AddGuestMain()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final List<String> flags = Arrays.asList(args).subList(Math.min(2, args.length), args.length);
        final boolean reattach = flags.contains("reattach");
        final long workNs = flags.stream().filter(f -> f.startsWith("work=")).mapToLong(f -> 1000L *
            Long.parseLong(f.substring(5))).findFirst().orElse(0);
        final ChannelConfig config = ChannelConfig.builder(args[0])
            .readerIdle(args.length > 1 ? args[1] : "wait")
            .trustPeer(flags.contains("trust"))
            .writerIdle("wait")
            .openTimeout(Duration.ofSeconds(20))
            .peerTimeout(Duration.ofSeconds(2))
            .threadingMode(flags.stream().filter(f -> f.startsWith("threading=")).findFirst()
                .map(f -> ThreadingMode.parse(f.substring(10), f)).orElse(null))
            .build();
        boolean again = true;
        boolean first = true;
        while (again)
        {
            again = serve(config, workNs, first) && reattach;
            first = false;
        }
    }

    /**
     * @return true if the guest stopped because a new host re-initialised the channel.
     */
    private static boolean serve(final ChannelConfig config, final long workNs, final boolean first) throws Exception
    {
        final AddService service = new AddService();
        final AddRequest add = new AddRequest();
        final byte[] copy = new byte[4096];
        try (IpcGuest guest = IpcGuest.start(config, (buffer, index, length, self) ->
        {
            final long until = System.nanoTime() + workNs;
            while (workNs > 0 && System.nanoTime() - until < 0)
            {
                Thread.onSpinWait();
            }
            buffer.getBytes(index, copy, 0, length);
            final ByteBuffer request = ByteBuffer.wrap(copy, 0, length).order(ByteOrder.LITTLE_ENDIAN);
            final Message message = Message.getRootAsMessage(request);
            final boolean unanswered = message.payloadType() == Payload.AddRequest && message.payload(add) != null &&
                add.x() < 0;
            final ByteBuffer response = unanswered ? null : service.answer(request);
            if (null != response)
            {
                self.respond(response);
            }
        }))
        {
            System.out.println(first ? "ready" : "re-attached");
            System.out.flush();
            if (config.threadingMode() == ThreadingMode.INVOKER)
            {
                final IdleStrategy idle = new BackoffIdleStrategy();
                final long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
                while (guest.isRunning() && System.nanoTime() - deadline < 0)
                {
                    idle.idle(guest.invoker().invoke());
                }
            }
            guest.awaitStop(Duration.ofMinutes(2));
            System.out.println("stopped: " + guest.stopReason());
            return guest.hostRestarted();
        }
    }
}
