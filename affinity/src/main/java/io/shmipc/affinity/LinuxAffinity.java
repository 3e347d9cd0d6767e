package io.shmipc.affinity;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.Platform;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Linux thread affinity through glibc's {@code sched_setaffinity}, {@code sched_getaffinity} and
 * {@code sched_getcpu}, bound by JNA direct mapping.
 * <p>
 * A {@code cpu_set_t} is passed as a {@code long[]} of 64-bit words, which is its layout on 64-bit Linux whatever the
 * byte order; 32-bit JVMs are refused rather than mis-read. Pid 0 means the calling thread, so
 * {@code sched_setaffinity(0, ...)} pins only the thread that calls it, not the process.
 */
final class LinuxAffinity implements NativeAffinity
{
    private static final int INITIAL_MASK_WORDS = 16;
    private static final int MAX_MASK_WORDS = (CpuSet.MAX_CPU + 1) / 64;
    private static final int EINVAL = 22;
    private static final int ESRCH = 3;
    private static final Path THREAD_SELF = Path.of("/proc/thread-self");
    private static final Path TASKS = Path.of("/proc/self/task");

    static
    {
        Native.register(Platform.C_LIBRARY_NAME);
    }

    private static native int sched_setaffinity(int pid, long cpuSetSize, long[] mask) throws LastErrorException;

    private static native int sched_getaffinity(int pid, long cpuSetSize, long[] mask) throws LastErrorException;

    private static native int sched_getcpu() throws LastErrorException;

    LinuxAffinity()
    {
        if (Native.LONG_SIZE != 8)
        {
            throw new UnsupportedOperationException(
                "CPU affinity needs a 64-bit JVM on Linux; this one has " + (Native.LONG_SIZE * 8) + "-bit longs");
        }
    }

    /**
     * {@inheritDoc}
     * <p>
     * This is the mask of the process's first thread ({@code sched_getaffinity(getpid())}, the same as
     * {@code Cpus_allowed_list} in {@code /proc/self/status} and {@code taskset -p}). The {@code java} launcher runs
     * {@code main} and every other Java thread on threads it creates, so pinning Java threads does not change it;
     * cgroup cpuset changes do.
     */
    public CpuSet processCpus()
    {
        return getAffinity((int)ProcessHandle.current().pid());
    }

    /**
     * {@inheritDoc}
     */
    public CpuSet threadCpus()
    {
        return getAffinity(0);
    }

    /**
     * {@inheritDoc}
     * <p>
     * The kernel intersects the mask with the thread's cpuset and fails only if nothing is left, so callers read the
     * mask back to see what was applied.
     */
    public void setThreadCpus(final CpuSet cpus)
    {
        final long[] mask = cpus.toWords(1);
        try
        {
            sched_setaffinity(0, mask.length * 8L, mask);
        }
        catch (final LastErrorException ex)
        {
            throw new IllegalStateException(
                "sched_setaffinity to CPUs " + cpus + " failed: " + ex.getMessage(), ex);
        }
    }

    /**
     * {@inheritDoc}
     */
    public int currentCpu()
    {
        try
        {
            return sched_getcpu();
        }
        catch (final LastErrorException ex)
        {
            throw new IllegalStateException("sched_getcpu failed: " + ex.getMessage(), ex);
        }
    }

    /**
     * {@inheritDoc}
     * <p>
     * Read from the {@code /proc/thread-self} link ({@code <pid>/task/<tid>}, Linux 3.17 and later), which needs no
     * native call and no glibc {@code gettid} (glibc 2.30 and later).
     */
    public long threadId()
    {
        try
        {
            return Long.parseLong(Files.readSymbolicLink(THREAD_SELF).getFileName().toString());
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot read the thread id from " + THREAD_SELF, ex);
        }
    }

    private static CpuSet getAffinity(final int pid)
    {
        // The kernel refuses (EINVAL) a mask smaller than its own CPU mask, whose size we cannot ask for: grow until
        // it fits, as glibc's CPU_ALLOC users do.
        for (int words = INITIAL_MASK_WORDS; words <= MAX_MASK_WORDS; words *= 2)
        {
            final long[] mask = new long[words];
            try
            {
                sched_getaffinity(pid, words * 8L, mask);
                return CpuSet.fromWords(mask);
            }
            catch (final LastErrorException ex)
            {
                if (ex.getErrorCode() != EINVAL)
                {
                    throw new IllegalStateException(
                        "sched_getaffinity(" + (pid == 0 ? "calling thread" : "pid " + pid) + ") failed: " +
                        ex.getMessage(), ex);
                }
            }
        }

        throw new IllegalStateException(
            "sched_getaffinity needs a mask of more than " + (CpuSet.MAX_CPU + 1) + " CPUs");
    }

    /**
     * {@inheritDoc}
     */
    public long[] processThreadIds()
    {
        try (Stream<Path> tasks = Files.list(TASKS))
        {
            return tasks.map(task -> task.getFileName().toString()).filter(name -> name.chars().allMatch(
                Character::isDigit)).mapToLong(Long::parseLong).toArray();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot list the threads of this process in " + TASKS, ex);
        }
    }

    /**
     * {@inheritDoc}
     */
    public boolean setThreadCpus(final long threadId, final CpuSet cpus)
    {
        final long[] mask = cpus.toWords(1);
        try
        {
            sched_setaffinity((int)threadId, mask.length * 8L, mask);
            return true;
        }
        catch (final LastErrorException ex)
        {
            if (ex.getErrorCode() == ESRCH)
            {
                return false; // the thread ended since it was listed
            }
            throw new IllegalStateException(
                "sched_setaffinity of thread " + threadId + " to CPUs " + cpus + " failed: " + ex.getMessage(), ex);
        }
    }
}
