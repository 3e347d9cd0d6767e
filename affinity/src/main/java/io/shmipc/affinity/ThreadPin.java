package io.shmipc.affinity;

/**
 * The pinning of one thread by {@link Affinity#pinCurrentThread(CpuSet)}: what it runs on now and what it ran on
 * before. {@link #close()} unpins, restoring the previous set.
 * <p>
 * Only the pinned thread can change its own affinity, so {@link #close()} must be called on it; the accessors may be
 * called from any thread.
 */
public final class ThreadPin implements AutoCloseable
{
    private final Thread thread;
    private final long threadId;
    private final CpuSet cpus;
    private final CpuSet previousCpus;
    private boolean closed;

    ThreadPin(final Thread thread, final long threadId, final CpuSet cpus, final CpuSet previousCpus)
    {
        this.thread = thread;
        this.threadId = threadId;
        this.cpus = cpus;
        this.previousCpus = previousCpus;
    }

    /**
     * @return the CPUs the thread was pinned to, as read back from the OS after pinning.
     */
    public CpuSet cpus()
    {
        return cpus;
    }

    /**
     * @return the CPUs the thread could run on before it was pinned; {@link #close()} restores them.
     */
    public CpuSet previousCpus()
    {
        return previousCpus;
    }

    /**
     * @return the OS id of the pinned thread (Linux tid, as in {@code /proc/<pid>/task/<tid>}).
     */
    public long threadId()
    {
        return threadId;
    }

    /**
     * Unpin: give the thread back the CPUs it had before it was pinned. Calling it again does nothing.
     *
     * @throws IllegalStateException if called on a thread other than the pinned one, or if the OS refuses the old
     *                               set (for example because the process's cpuset shrank meanwhile).
     */
    public void close()
    {
        if (Thread.currentThread() != thread)
        {
            throw new IllegalStateException("the pin of thread '" + thread.getName() + "' (tid " + threadId +
                ") must be closed on that thread, not on '" + Thread.currentThread().getName() + "'");
        }
        if (!closed)
        {
            Affinity.restoreCurrentThread(previousCpus);
            closed = true;
        }
    }

    /**
     * {@inheritDoc}
     */
    public String toString()
    {
        return "ThreadPin{thread='" + thread.getName() + "', tid=" + threadId + ", cpus=" + cpus +
            ", previousCpus=" + previousCpus + (closed ? ", closed" : "") + '}';
    }
}
