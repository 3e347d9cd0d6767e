package io.shmipc.core.channel;

import io.shmipc.affinity.Affinity;
import io.shmipc.affinity.CpuSet;
import io.shmipc.affinity.ThreadPin;
import io.shmipc.idle.IdleSpec;
import io.shmipc.idle.IdleStrategies;
import io.shmipc.schemas.IpcMessages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

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
        final boolean yields = ChannelSide.oversubscribes(1, true, Affinity.processCpus().size());
        assertEquals(yields ? IdleStrategies.YIELD : IdleStrategies.BUSY_SPIN,
            ((IdleSpec)host.channel().side().readerIdleInUse()).name());

        final IpcGuest guest = channel.keep(IpcGuest.start(ChannelConfig.builder(channel.name)
            .readerIdle(IdleStrategies.BUSY_SPIN).build(), (buffer, index, length, self) -> { }));
        assertEquals(IdleStrategies.BUSY_SPIN, ((IdleSpec)guest.side().readerIdleInUse()).name(),
            "a guest's reader that answers itself needs no other thread: it keeps spinning");
    }

    @Test
    void theRuleCountsTheCpusOfTheProcessNotThoseOfTheThreadThatStartsTheChannel() throws Exception
    {
        final CpuSet allowed = Affinity.processCpus();
        assumeTrue(allowed.size() == 2, "the case of a command on half of two CPUs; this process may use " + allowed);
        channel.keep(IpcHost.start(ChannelConfig.builder(channel.name).capacity(64 * 1024).build(),
            IpcMessages::reqId));
        final ExecutorService starter = Executors.newSingleThreadExecutor(task -> new Thread(task, "pinned-starter"));
        try
        {
            // As 'shmipc guest' does with --cpus auto: the guest's threads on one CPU, its host on the other.
            final IpcGuest guest = starter.submit(() ->
            {
                try (ThreadPin ignored = Affinity.pinCurrentThread(CpuSet.of(allowed.stream().max().orElseThrow())))
                {
                    // The JVM counts the asking thread's CPUs, but caches a container's count for 20 ms, from
                    // whichever thread asked last: wait until it reports this thread's.
                    int seen = Runtime.getRuntime().availableProcessors();
                    for (int i = 0; i < 40 && seen != 1; i++)
                    {
                        Thread.sleep(25);
                        seen = Runtime.getRuntime().availableProcessors();
                    }
                    assertEquals(1, seen, "the JVM counts this thread's CPUs");
                    return IpcGuest.start(ChannelConfig.builder(channel.name).capacity(64 * 1024)
                        .openTimeout(Duration.ofSeconds(10)).readerIdle(IdleStrategies.BUSY_SPIN).build(),
                        (buffer, index, length, self) -> { });
                }
            }).get(30, TimeUnit.SECONDS);
            channel.keep(guest);
            assertEquals(IdleStrategies.BUSY_SPIN, ((IdleSpec)guest.side().readerIdleInUse()).name(),
                "one spinning reader on two CPUs fits, wherever the starting thread was pinned");
        }
        finally
        {
            starter.shutdownNow();
            assertTrue(starter.awaitTermination(10, TimeUnit.SECONDS));
        }
    }
}
