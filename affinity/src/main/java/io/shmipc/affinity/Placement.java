package io.shmipc.affinity;

/**
 * What one role of a channel (for example its {@code writer}) asked for and got: the spec, the CPUs
 * {@link AffinityPlan} chose for it, and, once a thread of {@link AffinityPlan#threadFactory(String)} has started,
 * where that thread actually runs.
 * <p>
 * Thread safe: the resolved part never changes; {@link #thread()} is published by the started thread with a volatile
 * write and read with a volatile read.
 */
public final class Placement
{
    /**
     * A started thread as it saw itself right after pinning.
     *
     * @param name     the thread's name when it started to run.
     * @param threadId its OS thread id (Linux tid, as in {@code top -H} and {@code /proc/<pid>/task}); -1 for an
     *                 unpinned thread on an OS without affinity support.
     * @param cpus     the CPUs the OS lets it run on, read back after pinning; for an unpinned thread, those it
     *                 inherited (empty on an OS without affinity support).
     */
    public record StartedThread(String name, long threadId, CpuSet cpus)
    {
    }

    private final String channel;
    private final String role;
    private final PlacementSpec spec;
    private final CpuSet cpus;
    private volatile StartedThread thread;

    Placement(final String channel, final String role, final PlacementSpec spec, final CpuSet cpus)
    {
        this.channel = channel;
        this.role = role;
        this.spec = spec;
        this.cpus = cpus;
    }

    /**
     * The name shmipc gives the thread of a role of a channel: {@code shmipc-<role>-<channel>}, for example
     * {@code shmipc-writer-SimpleIPC}. {@code jstack} shows it whole; Linux keeps the first 15 bytes as the thread's
     * {@code comm} ({@code top -H}, {@code ps -L}, {@code /proc/<pid>/task/<tid>/comm}), e.g. {@code shmipc-writer-S}.
     *
     * @param role    the role, e.g. {@code writer}.
     * @param channel the channel name.
     * @return the thread name.
     */
    public static String threadName(final String role, final String channel)
    {
        return "shmipc-" + role + "-" + channel;
    }

    /**
     * @return the channel this placement belongs to.
     */
    public String channel()
    {
        return channel;
    }

    /**
     * @return the role within the channel, e.g. {@code writer}.
     */
    public String role()
    {
        return role;
    }

    /**
     * @return the spec the role was configured with.
     */
    public PlacementSpec spec()
    {
        return spec;
    }

    /**
     * @return the CPUs chosen for the role; empty for {@code none}.
     */
    public CpuSet cpus()
    {
        return cpus;
    }

    /**
     * @return true if the role's threads are pinned, i.e. the spec is not {@code none}.
     */
    public boolean isPinned()
    {
        return !cpus.isEmpty();
    }

    /**
     * @return {@link #threadName(String, String)} of this role and channel.
     */
    public String threadName()
    {
        return threadName(role, channel);
    }

    /**
     * @return the latest thread started for this role by the plan's thread factory, or null before one has started.
     */
    public StartedThread thread()
    {
        return thread;
    }

    void started(final StartedThread thread)
    {
        this.thread = thread;
    }

    /**
     * @return e.g. {@code writer=isolated -> cpu 2 [thread shmipc-writer-SimpleIPC tid 4242 on CPUs 2]}.
     */
    public String toString()
    {
        final StringBuilder builder = new StringBuilder(role).append('=').append(spec);
        builder.append(isPinned() ? (cpus.size() == 1 ? " -> cpu " : " -> CPUs ") + cpus : " (not pinned)");
        final StartedThread thread = this.thread;
        if (null != thread)
        {
            builder.append(" [thread ").append(thread.name())
                .append(" tid ").append(thread.threadId())
                .append(" on CPUs ").append(thread.cpus()).append(']');
        }

        return builder.toString();
    }
}
