package io.shmipc.benchmarks;

import io.shmipc.core.channel.ChannelConfig;
import io.shmipc.core.channel.IpcGuest;
import io.shmipc.core.channel.WriteMode;
import io.shmipc.idle.IdleStrategies;
import io.shmipc.schemas.AddService;
import io.shmipc.tools.SideCpus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * The guest process of {@code bench calls}, started by the parent; not meant to be run by hand. Answers like the Go
 * guest ({@link AddService}) from its reader thread, and exits when the host removes the channel.
 */
@Command(name = "calls-guest", hidden = true, description = "internal: the guest of bench calls")
final class CallsGuestCommand implements Callable<Integer>
{
    @Option(names = "--name", required = true)
    String name;

    @Option(names = "--idle", defaultValue = "wait")
    String idle;

    @Option(names = "--writer-idle", defaultValue = "wait")
    String writerIdle;

    @Option(names = "--write-mode", defaultValue = "CALLER")
    WriteMode writeMode;

    @Option(names = SideCpus.OPTION, defaultValue = SideCpus.DEFAULT)
    String cpus;

    @Option(names = "--max-life-ns", defaultValue = "600000000000")
    long maxLifeNanos;

    private final AddService service = new AddService();
    private final byte[] copy = new byte[1024];
    private final ByteBuffer view = ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN);

    /**
     * {@inheritDoc}
     */
    public Integer call() throws Exception
    {
        final ChannelConfig config = ChannelConfig.builder(name)
            .readerIdle(idle)
            .writerIdle(writerIdle)
            .writeMode(writeMode)
            .openTimeout(Duration.ofSeconds(30))
            .build();
        // The reader inherits the CPUs.
        SideCpus.pinProcess(cpus, SideCpus.Side.GUEST, IdleStrategies.holdsCpu(config.readerIdleFactory()));
        try (IpcGuest guest = IpcGuest.start(config, (buffer, index, length, self) ->
        {
            buffer.getBytes(index, copy, 0, length);
            view.limit(length).position(0);
            final ByteBuffer response = service.answer(view);
            if (null != response)
            {
                self.respond(response);
            }
        }))
        {
            guest.awaitStop(Duration.ofNanos(maxLifeNanos));
        }
        return 0;
    }
}
