/*
 * shmipc: low-latency messaging between processes over shared memory.
 */
package io.shmipc.signals;

import com.sun.jna.Native;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;

/**
 * A POSIX named semaphore ({@code sem_open("/NAME")}, file {@code /dev/shm/sem.NAME}), the Linux form of the
 * SimpleIPC v1 wake-up signals. Obtain one with {@link NamedSignals}.
 * <p>
 * <b>Clock.</b> {@link #await(long)} waits with {@code sem_clockwait(CLOCK_MONOTONIC)} when glibc has it
 * (2.30 and later; see {@link #usesMonotonicClock()}), so setting the wall clock cannot stretch or shorten a wait.
 * On an older glibc it falls back to {@code sem_timedwait}, whose deadline is on {@code CLOCK_REALTIME}: a wall
 * clock jump during the wait then changes its length, as it does for the C++/Go peers. A wait interrupted by a
 * signal handler ({@code EINTR}) is resumed with the same deadline.
 * <p>
 * <b>Resources.</b> Each instance holds one mapping of the semaphore (released by {@link #close()}) and 16 bytes
 * of native memory for the deadline, so {@link #await(long)}, {@link #drain()} and {@link #post()} do not allocate.
 * See {@link NamedSignal} for which methods may be called from which threads.
 */
final class LinuxNamedSemaphore implements NamedSignal
{
    private static final boolean MONOTONIC = LibC.ClockWait.AVAILABLE;
    private static final int WAIT_CLOCK = MONOTONIC ? LibC.CLOCK_MONOTONIC : LibC.CLOCK_REALTIME;
    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    /** Longer timeouts are cut to about 292 years, which keeps the deadline arithmetic from overflowing. */
    private static final long MAX_TIMEOUT_NS = Long.MAX_VALUE / 2;

    private final String name;
    private final String osName;
    private final long timespecAddress;
    private final UnsafeBuffer timespec;
    private long sem;

    private LinuxNamedSemaphore(final String name, final String osName, final long sem)
    {
        this.name = name;
        this.osName = osName;
        this.sem = sem;
        this.timespecAddress = Native.malloc(LibC.TIMESPEC_SIZE);
        if (0 == timespecAddress)
        {
            LibC.sem_close(sem);
            throw new OutOfMemoryError("malloc(" + LibC.TIMESPEC_SIZE + ") failed for semaphore " + osName);
        }
        this.timespec = new UnsafeBuffer(timespecAddress, LibC.TIMESPEC_SIZE);
    }

    /**
     * @return {@code true} if waits use {@code sem_clockwait} on {@code CLOCK_MONOTONIC}; {@code false} if this
     * glibc lacks it and waits use {@code sem_timedwait} on {@code CLOCK_REALTIME}.
     */
    public static boolean usesMonotonicClock()
    {
        return MONOTONIC;
    }

    /**
     * Creates the semaphore {@code "/" + name} with count 0, or opens it if it already exists (its count is then
     * kept). The file mode is masked by the process umask, as for {@code open(2)}.
     *
     * @param name already validated channel-level name, without {@code '/'}.
     * @param mode permission bits, e.g. {@code 0600}.
     * @return the open semaphore.
     * @throws NamedSignalException if {@code sem_open} fails, e.g. {@code EACCES}.
     */
    static LinuxNamedSemaphore create(final String name, final int mode)
    {
        final String osName = osName(name);
        final long sem = LibC.sem_open(osName, LibC.O_CREAT, mode, 0);
        if (LibC.SEM_FAILED == sem)
        {
            final int errno = Native.getLastError();
            throw new NamedSignalException(
                "sem_open(\"" + osName + "\", O_CREAT, 0" + Integer.toOctalString(mode) + ", 0) failed: " +
                LibC.errnoText(errno), errno);
        }
        applyMode(name, mode);
        return new LinuxNamedSemaphore(name, osName, sem);
    }

    /**
     * glibc keeps a named semaphore in {@code /dev/shm/sem.NAME} and {@code sem_open} masks its mode with the
     * umask, which would turn a requested 0660 into 0640: set the bits exactly, as for the segment file. A
     * semaphore that another user owns keeps its mode.
     */
    private static void applyMode(final String name, final int mode)
    {
        final Set<PosixFilePermission> permissions = EnumSet.noneOf(PosixFilePermission.class);
        final PosixFilePermission[] all = PosixFilePermission.values();
        for (int i = 0; i < all.length; i++)
        {
            if ((mode & (1 << (8 - i))) != 0)
            {
                permissions.add(all[i]);
            }
        }
        try
        {
            Files.setPosixFilePermissions(Paths.get("/dev/shm/sem." + name), permissions);
        }
        catch (final IOException | UnsupportedOperationException ignore)
        {
            // not ours to change (another user's semaphore), or not kept under /dev/shm: leave it as it is
        }
    }

    /**
     * Opens the existing semaphore {@code "/" + name}.
     *
     * @param name already validated channel-level name, without {@code '/'}.
     * @return the open semaphore.
     * @throws SignalNotFoundException if it does not exist ({@code ENOENT}).
     * @throws NamedSignalException    if {@code sem_open} fails otherwise.
     */
    static LinuxNamedSemaphore open(final String name)
    {
        final String osName = osName(name);
        final long sem = LibC.sem_open(osName, 0, 0, 0);
        if (LibC.SEM_FAILED == sem)
        {
            final int errno = Native.getLastError();
            final String message = "sem_open(\"" + osName + "\") without O_CREAT failed: " + LibC.errnoText(errno);
            if (LibC.ENOENT == errno)
            {
                throw new SignalNotFoundException(name, message + "; has the peer that creates it started?", errno);
            }
            throw new NamedSignalException(message, errno);
        }
        return new LinuxNamedSemaphore(name, osName, sem);
    }

    /**
     * @param name already validated channel-level name.
     * @return {@code true} if it was removed, {@code false} if it did not exist.
     * @throws NamedSignalException if {@code sem_unlink} fails otherwise, e.g. {@code EACCES}.
     */
    static boolean unlink(final String name)
    {
        final String osName = osName(name);
        if (0 == LibC.sem_unlink(osName))
        {
            return true;
        }
        final int errno = Native.getLastError();
        if (LibC.ENOENT == errno)
        {
            return false;
        }
        throw new NamedSignalException("sem_unlink(\"" + osName + "\") failed: " + LibC.errnoText(errno), errno);
    }

    /**
     * @param name already validated channel-level name.
     * @return {@code true} if the semaphore exists (even if this process may not open it).
     * @throws NamedSignalException if the probe fails for another reason than existence or permission.
     */
    static boolean exists(final String name)
    {
        final String osName = osName(name);
        final long sem = LibC.sem_open(osName, 0, 0, 0);
        if (LibC.SEM_FAILED != sem)
        {
            LibC.sem_close(sem);
            return true;
        }
        final int errno = Native.getLastError();
        if (LibC.ENOENT == errno)
        {
            return false;
        }
        if (13 == errno) // EACCES: it is there, we just may not use it.
        {
            return true;
        }
        throw new NamedSignalException("sem_open(\"" + osName + "\") probe failed: " + LibC.errnoText(errno), errno);
    }

    private static String osName(final String name)
    {
        return "/" + name;
    }

    /**
     * {@inheritDoc}
     */
    public String name()
    {
        return name;
    }

    /**
     * {@inheritDoc}
     */
    public void post()
    {
        if (0 != LibC.sem_post(handle()))
        {
            throw failure("sem_post", Native.getLastError());
        }
    }

    /**
     * {@inheritDoc}
     */
    public boolean await(final long timeoutNanos)
    {
        final long sem = handle();
        if (Thread.currentThread().isInterrupted())
        {
            return false;
        }
        if (timeoutNanos <= 0)
        {
            return tryWait(sem);
        }

        if (0 != LibC.clock_gettime(WAIT_CLOCK, timespecAddress))
        {
            throw failure("clock_gettime", Native.getLastError());
        }
        final long timeout = Math.min(timeoutNanos, MAX_TIMEOUT_NS);
        long seconds = timespec.getLong(0) + timeout / NANOS_PER_SECOND;
        long nanos = timespec.getLong(8) + timeout % NANOS_PER_SECOND;
        if (nanos >= NANOS_PER_SECOND)
        {
            seconds++;
            nanos -= NANOS_PER_SECOND;
        }
        timespec.putLong(0, seconds);
        timespec.putLong(8, nanos);

        while (true)
        {
            final int rc = MONOTONIC ?
                LibC.ClockWait.sem_clockwait(sem, LibC.CLOCK_MONOTONIC, timespecAddress) :
                LibC.sem_timedwait(sem, timespecAddress);
            if (0 == rc)
            {
                return true;
            }
            final int errno = Native.getLastError();
            if (LibC.ETIMEDOUT == errno)
            {
                return false;
            }
            if (LibC.EINTR != errno)
            {
                throw failure(MONOTONIC ? "sem_clockwait" : "sem_timedwait", errno);
            }
        }
    }

    /**
     * {@inheritDoc}
     */
    public int drain()
    {
        final long sem = handle();
        int drained = 0;
        while (drained < Integer.MAX_VALUE && tryWait(sem))
        {
            drained++;
        }
        return drained;
    }

    /**
     * {@inheritDoc}
     */
    public int value()
    {
        final int[] value = new int[1];
        if (0 != LibC.sem_getvalue(handle(), value))
        {
            throw failure("sem_getvalue", Native.getLastError());
        }
        return value[0];
    }

    /**
     * Closes the mapping with {@code sem_close} and frees the deadline buffer. The semaphore itself stays in
     * {@code /dev/shm} until {@link NamedSignals#unlink(String)}.
     */
    public void close()
    {
        final long sem = this.sem;
        if (0 != sem)
        {
            this.sem = 0;
            LibC.sem_close(sem);
            Native.free(timespecAddress);
        }
    }

    /**
     * @return e.g. {@code LinuxNamedSemaphore{/SimpleIPC_REQ}}.
     */
    public String toString()
    {
        return "LinuxNamedSemaphore{" + osName + (0 == sem ? ", closed}" : "}");
    }

    private boolean tryWait(final long sem)
    {
        while (true)
        {
            if (0 == LibC.sem_trywait(sem))
            {
                return true;
            }
            final int errno = Native.getLastError();
            if (LibC.EAGAIN == errno)
            {
                return false;
            }
            if (LibC.EINTR != errno)
            {
                throw failure("sem_trywait", errno);
            }
        }
    }

    private long handle()
    {
        final long sem = this.sem;
        if (0 == sem)
        {
            throw new IllegalStateException("semaphore " + osName + " is closed");
        }
        return sem;
    }

    private NamedSignalException failure(final String call, final int errno)
    {
        return new NamedSignalException(call + " on semaphore " + osName + " failed: " + LibC.errnoText(errno), errno);
    }
}
