package io.shmipc.core.channel;

import com.sun.management.ThreadMXBean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The conductors' checks, about every 100 ms whatever the traffic (the file not truncated; a guest's: the host's
 * file not removed or replaced, its lock still held), allocate nothing: ThreadMXBean's allocated bytes of both
 * conductor threads over 3 s, about 30 checks each, measured 0 (before: about 500 bytes a check, from
 * {@code java.nio.file} and a path converted for every {@code open}). The bound of 256 bytes only leaves room for a
 * one-off.
 */
class ConductorAllocationTest
{
    @RegisterExtension
    final TestChannel channel = new TestChannel("condalloc");

    @Test
    @Timeout(60)
    void theConductorsOfAnIdleChannelAllocateNothing() throws Exception
    {
        final ThreadMXBean threads = (ThreadMXBean)ManagementFactory.getThreadMXBean();
        assertTrue(threads.isThreadAllocatedMemorySupported());
        threads.setThreadAllocatedMemoryEnabled(true);
        final ChannelConfig config = ChannelConfig.builder(channel.name).capacity(64 * 1024)
            .threadingMode(ThreadingMode.DEDICATED).readerIdle("wait").writerIdle("wait").build();
        channel.keep(HostChannel.start(config, (type, buffer, index, length) -> { }));
        final IpcGuest guest = channel.keep(IpcGuest.start(config, (buffer, index, length, self) -> { }));
        final String role = "shmipc-conductor-" + channel.name;
        final List<Thread> conductors = Thread.getAllStackTraces().keySet().stream()
            .filter(t -> t.getName().equals(role)).collect(Collectors.toList());
        assertEquals(2, conductors.size(), "one conductor thread for each side: " + conductors);
        Thread.sleep(1_000); // a first round of checks: classes loaded, buffers made
        final long[] before = conductors.stream().mapToLong(t -> threads.getThreadAllocatedBytes(t.getId())).toArray();
        Thread.sleep(3_000);
        long allocated = 0;
        for (int i = 0; i < before.length; i++)
        {
            allocated += threads.getThreadAllocatedBytes(conductors.get(i).getId()) - before[i];
        }
        assertNull(guest.stopReason(), "the guest still serves its host");
        assertTrue(allocated < 256, "the conductors allocated " + allocated + " bytes in 3 s of checks");
    }
}
