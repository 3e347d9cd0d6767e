package io.shmipc.core.segment;

import com.sun.jna.Native;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The exclusive {@code flock(2)} a live shmipc host holds on its segment file, so that a second host refuses to
 * take over a running channel while a segment left by a dead host (even one killed with {@code kill -9}, since the
 * kernel drops the lock with the process) is recognised as stale.
 * <p>
 * {@code flock} locks belong to an open file description, not to the process: unlike {@code fcntl} locks (which
 * {@link java.nio.channels.FileChannel#tryLock()} uses) they survive other descriptors of the same file being
 * closed in this process, for example by a guest or an inspector in the same JVM. C++/Go hosts take no lock, so a
 * live C++ host cannot be detected this way.
 */
public final class SegmentLock implements AutoCloseable
{
    private final Path file;
    private int fd;

    private SegmentLock(final Path file, final int fd)
    {
        this.file = file;
        this.fd = fd;
    }

    /**
     * @param file an existing segment file.
     * @return the held lock, or null if another open file description (a live host) holds it.
     * @throws SegmentException if the file cannot be opened or flock fails for another reason.
     */
    public static SegmentLock tryAcquire(final Path file)
    {
        final int fd = openFile(file);
        final boolean acquired;
        try
        {
            acquired = lock(fd, LinuxFiles.LOCK_EX | LinuxFiles.LOCK_NB, file);
        }
        catch (final SegmentException ex)
        {
            LinuxFiles.close(fd);
            throw ex;
        }
        if (acquired)
        {
            return new SegmentLock(file, fd);
        }
        LinuxFiles.close(fd);
        return null;
    }

    /**
     * Is the file locked by a live host? Takes and drops a shared lock at once; writes nothing.
     *
     * @param file a segment file.
     * @return true if a host holds the exclusive lock, false if none does or the file is gone.
     */
    public static boolean isHeld(final Path file)
    {
        if (!Platform.IS_LINUX || !Files.exists(file))
        {
            return false;
        }
        try (Probe probe = probe(file))
        {
            return probe.isHeld();
        }
    }

    /**
     * Open the file once to ask again and again whether a host holds its lock, without allocating: what a guest's
     * conductor does every 100 ms. The probe asks about the file it opened, even if the path is later removed or
     * replaced (check the path's identity with {@link FileProbe}).
     *
     * @param file an existing segment file.
     * @return the probe, holding one descriptor of the file until closed.
     * @throws SegmentException      if the file cannot be opened.
     * @throws IllegalStateException if not on Linux.
     */
    public static Probe probe(final Path file)
    {
        if (!Platform.IS_LINUX)
        {
            throw new IllegalStateException("segment locks are flock(2) locks, on Linux only: " + file);
        }
        return new Probe(file, openFile(file));
    }

    /**
     * One open descriptor of a segment file, on which {@link #isHeld()} takes and drops a shared lock. Not thread
     * safe; close it only when no thread may still ask.
     */
    public static final class Probe implements AutoCloseable
    {
        private final Path file;
        private int fd;

        private Probe(final Path file, final int fd)
        {
            this.file = file;
            this.fd = fd;
        }

        /**
         * Is the file this probe opened locked by a live host? Takes and drops a shared lock at once; writes nothing
         * and allocates nothing.
         *
         * @return true if another open file description (a live host) holds the exclusive lock.
         * @throws SegmentException      if flock fails for a reason other than the lock being held.
         * @throws IllegalStateException if the probe is closed.
         */
        public boolean isHeld()
        {
            if (fd < 0)
            {
                throw new IllegalStateException("the lock probe of " + file + " is closed");
            }
            final boolean acquired = lock(fd, LinuxFiles.LOCK_SH | LinuxFiles.LOCK_NB, file);
            if (acquired)
            {
                LinuxFiles.flock(fd, LinuxFiles.LOCK_UN);
            }
            return !acquired;
        }

        /**
         * Close the descriptor. Idempotent.
         */
        public void close()
        {
            if (fd >= 0)
            {
                LinuxFiles.close(fd);
                fd = -1;
            }
        }
    }

    /**
     * Pids holding a {@code flock} on the file, from {@code /proc/locks}.
     *
     * @param file a segment file.
     * @return the pids, empty if none or unknown.
     */
    public static List<Long> holders(final Path file)
    {
        final List<Long> pids = new ArrayList<>();
        try
        {
            final long inode = ((Number)Files.getAttribute(file, "unix:ino")).longValue();
            for (final String line : Files.readAllLines(Path.of("/proc/locks")))
            {
                // "1: FLOCK  ADVISORY  WRITE 12345 00:19:4242 0 EOF"
                final String[] fields = line.trim().split("\\s+");
                if (fields.length >= 6 && "FLOCK".equals(fields[1]) && !fields[0].equals("->"))
                {
                    final String[] device = fields[5].split(":");
                    if (device.length == 3 && Long.parseLong(device[2]) == inode)
                    {
                        pids.add(Long.parseLong(fields[4]));
                    }
                }
            }
        }
        catch (final IOException | RuntimeException ignore)
        {
            // best effort: the caller still reports that the lock is held
        }
        return pids;
    }

    private static int openFile(final Path file)
    {
        final int fd = LinuxFiles.open(file.toString(), LinuxFiles.O_RDONLY | LinuxFiles.O_CLOEXEC);
        if (fd < 0)
        {
            final int errno = Native.getLastError();
            throw new SegmentException(file.toString(), "cannot open to lock: " + LinuxFiles.strerror(errno));
        }
        return fd;
    }

    private static boolean lock(final int fd, final int operation, final Path file)
    {
        while (true)
        {
            if (LinuxFiles.flock(fd, operation) == 0)
            {
                return true;
            }
            final int errno = Native.getLastError();
            if (errno == LinuxFiles.EWOULDBLOCK)
            {
                return false;
            }
            if (errno != LinuxFiles.EINTR)
            {
                throw new SegmentException(file.toString(), "flock failed: " + LinuxFiles.strerror(errno));
            }
        }
    }

    /**
     * Release the lock. Idempotent.
     */
    public void close()
    {
        if (fd >= 0)
        {
            LinuxFiles.close(fd);
            fd = -1;
        }
    }

    @Override
    public String toString()
    {
        return "SegmentLock{" + file + '}';
    }
}
