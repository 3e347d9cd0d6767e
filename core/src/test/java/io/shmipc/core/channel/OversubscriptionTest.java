package io.shmipc.core.channel;

import io.shmipc.idle.IdleSpec;
import io.shmipc.idle.IdleStrategies;
import io.shmipc.schemas.IpcMessages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Busy-spinning agents that would leave no CPU for the other threads a message needs yield between polls instead
 * (no collapse to the scheduler's time slice); those that fit keep spinning.
 */
@Timeout(60)
class OversubscriptionTest
{
    @RegisterExtension
    final TestChannel channel = new TestChannel("oversubscription");

    @Test
    void spinningAgentsYieldOnlyWhenTheyWouldLeaveNoCpuForTheOtherThreads()
    {
        assertFalse(ChannelSide.oversubscribes(0, true, 2), "nothing spins");
        assertFalse(ChannelSide.oversubscribes(1, false, 2), "a guest's reader answering itself, and its peer's");
        assertTrue(ChannelSide.oversubscribes(1, true, 2), "a host's spinning reader must wake its callers");
        assertTrue(ChannelSide.oversubscribes(2, false, 2), "reader and writer spinning, twice over two CPUs");
        assertFalse(ChannelSide.oversubscribes(1, true, 4), "four CPUs leave room for the callers");
        assertFalse(ChannelSide.oversubscribes(2, true, 8));
    }

    @Test
    void aHostWithHandOffThreadsAndABusySpinningReaderYieldsWhereTheCpusAreFew()
    {
        final ChannelConfig config = ChannelConfig.builder(channel.name).capacity(64 * 1024)
            .writeMode(WriteMode.WRITER_THREAD).readMode(ReadMode.READER_THREAD)
            .readerIdle(IdleStrategies.BUSY_SPIN).writerIdle(IdleStrategies.WAIT).build();
        final IpcHost host = channel.keep(IpcHost.start(config, IpcMessages::reqId));
        final boolean yields = ChannelSide.oversubscribes(1, true, Runtime.getRuntime().availableProcessors());
        assertEquals(yields ? IdleStrategies.YIELD : IdleStrategies.BUSY_SPIN,
            ((IdleSpec)host.channel().side().readerIdleInUse()).name());

        final IpcGuest guest = channel.keep(IpcGuest.start(ChannelConfig.builder(channel.name)
            .readerIdle(IdleStrategies.BUSY_SPIN).build(), (buffer, index, length, self) -> { }));
        assertEquals(IdleStrategies.BUSY_SPIN, ((IdleSpec)guest.side().readerIdleInUse()).name(),
            "a guest's reader that answers itself needs no other thread: it keeps spinning");
    }
}
