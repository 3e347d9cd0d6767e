package io.shmipc.affinity;

import java.util.HashSet;
import java.util.Set;

/**
 * Pin the calling thread to CPUs and read back where threads may run, on Linux ({@code sched_setaffinity}) and
 * Windows ({@code SetThreadAffinityMask}, compiled but untested). On any other OS every method throws
 * {@link UnsupportedOperationException} naming {@code os.name}.
 * <p>
 * All methods are thread safe and act on the calling thread or its process ({@link #pinProcessThreads(CpuSet)}: all
 * of its threads).
 * Pinning is a system call, not for a hot path: pin once when a dedicated thread starts (see
 * {@link AffinityPlan#threadFactory(String)}).
 */
public final class Affinity
{
    private static final int MAX_PIN_PASSES = 5;
    private static volatile NativeAffinity platform;

    private Affinity()
    {
    }

    /**
     * The CPUs this process may use: its affinity mask as narrowed by cgroup cpusets (containers,
     * {@code docker --cpuset-cpus}) and {@code taskset}. This, not the online CPUs, is what a thread can be pinned to.
     * <p>
     * On Linux it is the mask of the process's first thread ({@code Cpus_allowed_list} in {@code /proc/self/status});
     * the {@code java} launcher runs all Java code on other threads, so pinning Java threads leaves it unchanged.
     *
     * @return the CPUs this process may use, never empty.
     */
    public static CpuSet processCpus()
    {
        return platform().processCpus();
    }

    /**
     * How many CPUs this process may use, for rules that size thread counts (oversubscription, default threading
     * modes): {@link #processCpus()}'s size, not {@link Runtime#availableProcessors()}, which on Linux counts the
     * calling thread's CPUs (a thread a command pinned to half of them reports half) and caches its answer in a
     * container. On an OS this class does not cover, {@code availableProcessors()}.
     *
     * @return at least 1.
     */
    public static int processCpuCount()
    {
        try
        {
            return processCpus().size();
        }
        catch (final UnsupportedOperationException | IllegalStateException ex)
        {
            return Runtime.getRuntime().availableProcessors();
        }
    }

    /**
     * @return the CPUs the calling thread may run on now.
     */
    public static CpuSet currentThreadCpus()
    {
        return platform().threadCpus();
    }

    /**
     * Pin the calling thread to {@code cpus} (it may run on any of them, and only on them), then read the mask back.
     * When this returns the thread runs on one of {@code cpus}: Linux migrates it before the call returns.
     *
     * @param cpus the CPUs to allow; a single CPU pins the thread to it.
     * @return the pin, whose {@link ThreadPin#close()} restores the previous set.
     * @throws IllegalArgumentException listing the CPUs this process may use if {@code cpus} is empty or names a CPU
     *                                  outside {@link #processCpus()}.
     * @throws IllegalStateException    if the OS refuses the mask or applies a different one (the previous set is
     *                                  restored first).
     */
    public static ThreadPin pinCurrentThread(final CpuSet cpus)
    {
        final NativeAffinity platform = platform();
        final Thread thread = Thread.currentThread();
        final CpuSet allowed = platform.processCpus();
        if (null == cpus || cpus.isEmpty())
        {
            throw new IllegalArgumentException("cannot pin thread '" + thread.getName() +
                "' to no CPUs; this process may use CPUs " + allowed);
        }
        if (!allowed.containsAll(cpus))
        {
            throw new IllegalArgumentException("cannot pin thread '" + thread.getName() + "' to CPUs " + cpus +
                ": CPUs outside this process's allowed set: " + cpus.minus(allowed) +
                "; this process may use CPUs " + allowed);
        }

        final CpuSet previous = platform.threadCpus();
        platform.setThreadCpus(cpus);
        final CpuSet effective = platform.threadCpus();
        if (!effective.equals(cpus))
        {
            platform.setThreadCpus(previous);
            throw new IllegalStateException("pinned thread '" + thread.getName() + "' to CPUs " + cpus +
                " but the OS applied CPUs " + effective + "; this process may use CPUs " + platform.processCpus());
        }

        return new ThreadPin(thread, platform.threadId(), effective, previous);
    }

    /**
     * Pin every thread of this process but its first to {@code cpus}, as {@code taskset -a -p} does, for a process
     * that owns all its threads (a command): the JVM's own threads (compiler, GC) then stay off the CPUs it leaves to
     * another process too, and a thread started later inherits the mask of the thread that starts it, so it lands
     * on {@code cpus} as well. The first thread (the {@code java} launcher's, which only waits for the JVM to end)
     * keeps its mask, so {@link #processCpus()} still reports the CPUs the process may use, and restoring is
     * {@code pinProcessThreads(processCpus())}. A thread that starts while the threads are being pinned is pinned
     * in a further pass.
     * <p>
     * Not for a library: an application's threads are its own to place. Linux only.
     *
     * @param cpus the CPUs to allow.
     * @return how many threads were pinned.
     * @throws IllegalArgumentException listing the CPUs this process may use if {@code cpus} is empty or names a CPU
     *                                  outside {@link #processCpus()}.
     * @throws IllegalStateException    if the OS refuses the mask.
     * @throws UnsupportedOperationException on an OS other than Linux.
     */
    public static int pinProcessThreads(final CpuSet cpus)
    {
        final NativeAffinity platform = platform();
        final CpuSet allowed = platform.processCpus();
        if (null == cpus || cpus.isEmpty() || !allowed.containsAll(cpus))
        {
            throw new IllegalArgumentException("cannot pin this process's threads to CPUs " + cpus + "; this " +
                "process may use CPUs " + allowed);
        }
        final long first = ProcessHandle.current().pid();
        final Set<Long> pinned = new HashSet<>();
        for (int pass = 0; pass < MAX_PIN_PASSES; pass++)
        {
            boolean found = false;
            for (final long id : platform.processThreadIds())
            {
                if (id != first && !pinned.contains(id))
                {
                    found = true;
                    if (platform.setThreadCpus(id, cpus))
                    {
                        pinned.add(id);
                    }
                }
            }
            if (!found)
            {
                break;
            }
        }
        return pinned.size();
    }

    /**
     * @return the CPU the calling thread is running on; exact for a thread pinned to one CPU, a snapshot otherwise.
     */
    public static int currentCpu()
    {
        return platform().currentCpu();
    }

    /**
     * @return the OS id of the calling thread: on Linux the tid shown by {@code top -H} and in
     * {@code /proc/<pid>/task/<tid>}, which differs from {@link Thread#getId()}.
     */
    public static long currentThreadId()
    {
        return platform().threadId();
    }

    static void restoreCurrentThread(final CpuSet cpus)
    {
        platform().setThreadCpus(cpus);
    }

    /**
     * @param osName a value of {@code os.name}.
     * @return the implementation for that OS.
     * @throws UnsupportedOperationException naming {@code osName} if it is neither Linux nor Windows.
     */
    static NativeAffinity forOs(final String osName)
    {
        if (osName.startsWith("Linux"))
        {
            return new LinuxAffinity();
        }
        if (osName.startsWith("Windows"))
        {
            return new WindowsAffinity();
        }

        throw new UnsupportedOperationException(
            "CPU affinity is supported on Linux and Windows only, not on os.name=" + osName);
    }

    private static NativeAffinity platform()
    {
        NativeAffinity result = platform;
        if (null == result)
        {
            synchronized (Affinity.class)
            {
                result = platform;
                if (null == result)
                {
                    result = forOs(System.getProperty("os.name"));
                    platform = result;
                }
            }
        }

        return result;
    }
}
