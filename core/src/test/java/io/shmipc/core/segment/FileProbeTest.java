package io.shmipc.core.segment;

import com.sun.management.ThreadMXBean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@link FileProbe} reads what {@code stat(2)} would (checked against {@code java.nio.file}'s {@code unix:} view),
 * sees a file grow, shrink, vanish and be replaced, and allocates nothing per refresh; {@link SegmentLock.Probe}
 * sees a host's lock come and go on the file it opened.
 */
class FileProbeTest
{
    private final Path dir = Path.of(System.getProperty("java.io.tmpdir"));
    private final Path file = dir.resolve("shmipc-probe-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
    private final Path other = Path.of(file + ".new");

    @AfterEach
    void cleanUp() throws Exception
    {
        Files.deleteIfExists(file);
        Files.deleteIfExists(other);
    }

    @Test
    void readsWhatStatSaysAndFollowsThePath() throws Exception
    {
        final FileProbe probe = FileProbe.of(file);
        assertFalse(probe.refresh(), "no file yet");
        Files.write(file, new byte[100]);
        assertTrue(probe.refresh());
        final Map<String, Object> stat = Files.readAttributes(file, "unix:size,ino,dev");
        assertEquals(100, probe.size());
        assertEquals(((Number)stat.get("ino")).longValue(), probe.inode());
        assertEquals(((Number)stat.get("dev")).longValue(), probe.device());
        final long inode = probe.inode();

        Files.write(file, new byte[7]);
        assertTrue(probe.refresh());
        assertEquals(7, probe.size(), "shrunk");
        assertEquals(inode, probe.inode(), "the same file");

        Files.write(other, new byte[3]);
        Files.move(other, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        assertTrue(probe.refresh());
        assertNotEquals(inode, probe.inode(), "replaced by another file");
        assertEquals(3, probe.size());

        Files.delete(file);
        assertFalse(probe.refresh(), "removed");
        assertEquals(3, probe.size(), "keeps what the last refresh read");
    }

    @Test
    void withoutStatxItReadsTheSameThroughJavaNioFile() throws Exception
    {
        Files.write(file, new byte[100]);
        final FileProbe statx = FileProbe.of(file);
        final FileProbe nio = FileProbe.withoutStatx(file);
        assertTrue(statx.refresh());
        assertTrue(nio.refresh());
        assertEquals(statx.size(), nio.size());
        assertEquals(statx.inode(), nio.inode());
        assertEquals(statx.device(), nio.device());
        Files.delete(file);
        assertFalse(nio.refresh(), "removed");
    }

    @Test
    void aRefreshAllocatesNothing() throws Exception
    {
        Files.write(file, new byte[64]);
        final FileProbe probe = FileProbe.of(file);
        final ThreadMXBean threads = (ThreadMXBean)ManagementFactory.getThreadMXBean();
        final long me = Thread.currentThread().getId();
        for (int i = 0; i < 20_000; i++)
        {
            assertTrue(probe.refresh());
        }
        final long before = threads.getThreadAllocatedBytes(me);
        for (int i = 0; i < 10_000; i++)
        {
            probe.refresh();
        }
        final long allocated = threads.getThreadAllocatedBytes(me) - before;
        assertTrue(allocated < 256, "10,000 refreshes allocated " + allocated + " bytes");
    }

    @Test
    void aLockProbeSeesTheHostsLockComeAndGo() throws Exception
    {
        Files.write(file, new byte[64]);
        try (SegmentLock.Probe probe = SegmentLock.probe(file))
        {
            assertFalse(probe.isHeld());
            try (SegmentLock host = SegmentLock.tryAcquire(file))
            {
                assertNotNull(host);
                assertTrue(probe.isHeld());
                assertTrue(SegmentLock.isHeld(file));
            }
            assertFalse(probe.isHeld(), "the host let go");
            final SegmentLock again = SegmentLock.tryAcquire(file);
            assertNotNull(again, "asking took no lock that stays");
            again.close();
        }
        final SegmentLock.Probe closed = SegmentLock.probe(file);
        closed.close();
        closed.close();
        assertThrows(IllegalStateException.class, closed::isHeld);
    }
}
