package io.shmipc.tools;

import io.shmipc.core.channel.ChannelConfig;
import io.shmipc.core.channel.ReadMode;
import io.shmipc.core.channel.ThreadingMode;
import io.shmipc.core.channel.WriteMode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code host}/{@code guest} options: what is not given is left to the {@code -Dshmipc.*} properties, never replaced
 * by a default of the command line; {@code --threading} takes dedicated or shared.
 */
class ChannelSideOptionsTest
{
    @AfterEach
    void clearProperties()
    {
        System.clearProperty(ChannelConfig.READER_IDLE_PROP);
        System.clearProperty(ChannelConfig.THREADING_MODE_PROP);
    }

    /** A command holding only the shared options, to parse them as the real commands do. */
    @CommandLine.Command(name = "side")
    static final class Side
    {
        @CommandLine.Mixin
        ChannelSideOptions options;
    }

    private static ChannelConfig parse(final String... args)
    {
        final Side side = new Side();
        new CommandLine(side).parseArgs(args);
        return side.options.applyTo(ChannelConfig.builder("opts-test")).build();
    }

    @Test
    void propertiesReachTheChannelWhenNoOptionIsGiven()
    {
        System.setProperty(ChannelConfig.READER_IDLE_PROP, "backoff");
        System.setProperty(ChannelConfig.THREADING_MODE_PROP, "shared");
        final ChannelConfig config = parse();
        assertTrue(config.readerIdle().startsWith("backoff"), config.readerIdle());
        assertEquals(ThreadingMode.SHARED, config.threadingMode());
        final ChannelConfig given = parse("--idle", "yield", "--threading", "dedicated");
        assertEquals("yield", given.readerIdle());
        assertEquals("yield", given.writerIdle());
        assertEquals(ThreadingMode.DEDICATED, given.threadingMode());
    }

    @Test
    void aBadPropertyValueNamesTheProperty()
    {
        System.setProperty(ChannelConfig.READER_IDLE_PROP, "sleepy");
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, ChannelSideOptionsTest::parse);
        assertTrue(ex.getMessage().contains(ChannelConfig.READER_IDLE_PROP + "=sleepy"), ex.getMessage());
        System.setProperty(ChannelConfig.THREADING_MODE_PROP, "lots");
        System.clearProperty(ChannelConfig.READER_IDLE_PROP);
        final IllegalArgumentException mode =
            assertThrows(IllegalArgumentException.class, ChannelSideOptionsTest::parse);
        assertTrue(mode.getMessage().contains(ChannelConfig.THREADING_MODE_PROP), mode.getMessage());
    }

    @Test
    void cpuOptionsWithoutTheirThreadAreNoted()
    {
        final Side side = new Side();
        new CommandLine(side).parseArgs("--reader-cpu", "2-3,6", "--writer-cpu", "1");
        final ChannelConfig.Builder builder = side.options.applyTo(ChannelConfig.builder("opts-test"));
        final ChannelConfig handOff = builder.writeMode(WriteMode.WRITER_THREAD).readMode(ReadMode.READER_THREAD)
            .build();
        assertEquals("cpus=2-3,6", handOff.readerAffinity());
        assertEquals(List.of(), side.options.unusedPlacements(handOff), "both threads run: nothing to note");

        assertEquals(List.of("--writer-cpu 1 has no effect: there is no writer thread (write mode CALLER: the " +
            "threads that send write themselves)", "--reader-cpu 2-3,6 has no effect: there is no reader thread " +
            "(read mode CALLER: the calling threads read)"),
            side.options.unusedPlacements(builder.writeMode(WriteMode.CALLER).readMode(ReadMode.CALLER).build()));

        assertEquals(List.of("--writer-cpu 1 has no effect: there is no writer thread (threading shared: one " +
            "thread runs every agent, placed by --reader-cpu)"), side.options.unusedPlacements(builder
            .writeMode(WriteMode.WRITER_THREAD).readMode(ReadMode.READER_THREAD).threadingMode(ThreadingMode.SHARED)
            .build()));
    }

    @Test
    void invokerIsRefusedByTheCommands()
    {
        final CommandLine.ParameterException ex = assertThrows(CommandLine.ParameterException.class,
            () -> parse("--threading", "invoker"));
        assertTrue(ex.getMessage().contains("dedicated or shared"), ex.getMessage());
    }
}
