package io.shmipc.benchmarks;

import io.shmipc.affinity.CpuSet;
import io.shmipc.core.channel.ChannelConfig;
import io.shmipc.core.channel.IpcGuest;
import io.shmipc.core.channel.WriteMode;
import io.shmipc.schemas.AddService;
import io.shmipc.tools.SideCpus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * The guest process of {@code bench calls}, started by the parent; not meant to be run by hand. Answers like the Go
 * guest ({@link AddService}) from its reader thread, and exits when the host removes the channel. With
 * {@code --plan} it serves a sequence of channels instead (the round method), one after the other, each with its
 * own reader idle strategy and placement, and prints {@code served N} once the N-th (from 1) is closed.
 */
@Command(name = "calls-guest", hidden = true, description = "internal: the guest of bench calls")
final class CallsGuestCommand implements Callable<Integer>
{
    @Option(names = "--name")
    String name;

    /** Lines {@code name<TAB>idle}, served in order. */
    @Option(names = "--plan")
    Path plan;

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
        if ((null == name) == (null == plan))
        {
            throw new IllegalArgumentException("calls-guest: give --name or --plan");
        }
        if (null != name)
        {
            serve(name, idle);
            return 0;
        }
        final List<String> lines = Files.readAllLines(plan);
        for (int i = 0; i < lines.size(); i++)
        {
            final String[] fields = lines.get(i).split("\t");
            if (2 != fields.length)
            {
                throw new IllegalArgumentException(plan + ":" + (i + 1) + ": expected name<TAB>idle, got \"" +
                    lines.get(i) + "\"");
            }
            serve(fields[0], fields[1]);
            System.out.println("served " + (i + 1));
            System.out.flush();
        }
        return 0;
    }

    private void serve(final String channel, final String readerIdle) throws InterruptedException
    {
        final ChannelConfig config = ChannelConfig.builder(channel)
            .readerIdle(readerIdle)
            .writerIdle(writerIdle)
            .writeMode(writeMode)
            .openTimeout(Duration.ofSeconds(30))
            .build();
        // The reader inherits the CPUs.
        final CpuSet pinned = SideCpus.pinProcess(cpus, SideCpus.Side.GUEST);
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
        finally
        {
            SideCpus.unpinProcess(pinned);
        }
    }
}
