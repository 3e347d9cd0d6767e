package io.shmipc.core.channel;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.*;

class ChannelConfigTest
{
    @Test
    void defaultsMatchTheDocumentation()
    {
        final ChannelConfig config = ChannelConfig.builder("SimpleIPC").build();
        assertEquals(32 * 1024 * 1024, config.capacity());
        assertEquals(0600, config.mode());
        assertTrue(config.unlinkOnClose());
        assertTrue(config.readerIdle().startsWith("wait"), config.readerIdle());
        assertEquals("none", config.readerAffinity());
        assertEquals(WriteMode.CALLER, config.writeMode(), "callers write: no hand-off by default");
        assertEquals(ReadMode.READER_THREAD, config.readMode(),
            "nothing given: a reader thread, except IpcHost's default");
        assertEquals(Duration.ofSeconds(5), config.callTimeout());
    }

    @Test
    void modeFollowsPermissions()
    {
        assertEquals(0660, ChannelConfig.builder("x").permissions("rw-rw----").build().mode());
        assertEquals(0644, ChannelConfig.builder("x").permissions("rw-r--r--").build().mode());
    }

    @Test
    void systemPropertiesChooseTheDefaults()
    {
        System.setProperty(ChannelConfig.READER_IDLE_PROP, "busy-spin");
        System.setProperty(ChannelConfig.WRITER_AFFINITY_PROP, "cpu=0");
        try
        {
            final ChannelConfig config = ChannelConfig.builder("x").build();
            assertEquals("busy-spin", config.readerIdle());
            assertEquals("cpu=0", config.writerAffinity());
            assertEquals("yield", ChannelConfig.builder("x").readerIdle("yield").build().readerIdle(), "explicit wins");
        }
        finally
        {
            System.clearProperty(ChannelConfig.READER_IDLE_PROP);
            System.clearProperty(ChannelConfig.WRITER_AFFINITY_PROP);
        }
    }

    @Test
    void badValuesNameWhatIsWrong()
    {
        final IllegalArgumentException idle = assertThrows(IllegalArgumentException.class,
            () -> ChannelConfig.builder("x").writerIdle("spinny").build());
        assertTrue(idle.getMessage().contains("spinny"), idle.getMessage());
        final IllegalArgumentException handoff = assertThrows(IllegalArgumentException.class,
            () -> ChannelConfig.builder("x").handoffCapacity(5000));
        assertTrue(handoff.getMessage().contains("5000"), handoff.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ChannelConfig.builder("x").callTimeout(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> ChannelConfig.builder("x").capacity(8));
        final IllegalArgumentException park = assertThrows(IllegalArgumentException.class,
            () -> ChannelConfig.builder("x").followerPark(Duration.ofNanos(-5)));
        assertTrue(park.getMessage().contains("followerPark"), park.getMessage());
        assertEquals(ChannelConfig.FOLLOWER_PARK_DEFAULT.toNanos(), ChannelConfig.builder("x").build()
            .followerParkNanos());
        assertEquals(2_000_000, ChannelConfig.builder("x").followerPark(Duration.ofMillis(2)).build()
            .followerParkNanos());
    }
}
