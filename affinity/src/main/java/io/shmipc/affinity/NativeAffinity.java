package io.shmipc.affinity;

/**
 * The operating system calls behind {@link Affinity}: one implementation per OS, each the only place that sees a
 * native handle or mask. Every method acts on the calling thread or its process, except {@link #setThreadCpus(long,
 * CpuSet)}, which acts on another thread of the process.
 */
interface NativeAffinity
{
    /**
     * @return the CPUs this process may run on, as narrowed by cgroup cpusets and {@code taskset}.
     */
    CpuSet processCpus();

    /**
     * @return the CPUs the calling thread may run on.
     */
    CpuSet threadCpus();

    /**
     * Restrict the calling thread to {@code cpus}. Returns once the OS has accepted the mask; on Linux the thread
     * is migrated before the call returns if its current CPU is not in the mask.
     *
     * @param cpus a non-empty set.
     * @throws IllegalStateException with the OS error if the OS refuses the mask.
     */
    void setThreadCpus(CpuSet cpus);

    /**
     * @return the CPU the calling thread was running on during the call; it may have moved by the time this returns
     * unless the thread is pinned to one CPU.
     */
    int currentCpu();

    /**
     * @return the OS id of the calling thread (the Linux tid seen in {@code /proc/<pid>/task}, the Windows thread id).
     */
    long threadId();

    /**
     * @return the OS ids of this process's threads at the time of the call (Linux: {@code /proc/self/task}).
     * @throws UnsupportedOperationException where the OS offers no list (Windows, in this module).
     */
    long[] processThreadIds();

    /**
     * Restrict another thread of this process to {@code cpus}.
     *
     * @param threadId an id from {@link #processThreadIds()}.
     * @param cpus     a non-empty set.
     * @return false if the thread no longer exists.
     * @throws IllegalStateException with the OS error if the OS refuses the mask.
     * @throws UnsupportedOperationException where not supported (Windows, in this module).
     */
    boolean setThreadCpus(long threadId, CpuSet cpus);
}
