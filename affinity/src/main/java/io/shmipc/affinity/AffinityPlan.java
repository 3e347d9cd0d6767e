package io.shmipc.affinity;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadFactory;

/**
 * Where the threads of one channel run: the placement specs of its roles (for example {@code writer} and
 * {@code reader}) resolved together against the machine, because {@code sibling-of} and {@code core-of} refer to
 * another role of the same channel. Typical use when a channel starts:
 * <pre>{@code
 * AffinityPlan plan = AffinityPlan.builder("SimpleIPC")
 *     .role("writer", config.writerAffinity())      // e.g. "isolated"
 *     .role("reader", config.readerAffinity())      // e.g. "core-of=writer"
 *     .resolve();                                    // fails here, before any thread starts, if a spec cannot be met
 * log.info("affinity " + plan);
 * Thread writer = plan.threadFactory("writer").newThread(writerLoop);   // shmipc-writer-SimpleIPC, pinned
 * ...
 * plan.close();                                      // when the channel closes: frees its CPUs for other plans
 * }</pre>
 * A plan holds its CPUs in its {@link PlacementRegistry} until {@link #close()}. Thread safe.
 */
public final class AffinityPlan implements AutoCloseable
{
    private final String channel;
    private final List<Placement> placements;
    private final PlacementRegistry registry;
    private volatile boolean closed;

    AffinityPlan(final String channel, final List<Placement> placements, final PlacementRegistry registry)
    {
        this.channel = channel;
        this.placements = List.copyOf(placements);
        this.registry = registry;
    }

    /**
     * @param channel the channel's name, which goes into its thread names.
     * @return a builder for the plan of that channel.
     * @throws IllegalArgumentException if {@code channel} is null or blank.
     */
    public static Builder builder(final String channel)
    {
        if (null == channel || channel.isBlank())
        {
            throw new IllegalArgumentException("channel name is " + (null == channel ? "null" : "blank"));
        }

        return new Builder(channel);
    }

    /**
     * @return the channel this plan places.
     */
    public String channel()
    {
        return channel;
    }

    /**
     * @return a placement per role, in the order the roles were added.
     */
    public List<Placement> placements()
    {
        return placements;
    }

    /**
     * @param role a role of this plan.
     * @return its placement.
     * @throws IllegalArgumentException listing the roles if there is no such role.
     */
    public Placement placement(final String role)
    {
        for (final Placement placement : placements)
        {
            if (placement.role().equals(role))
            {
                return placement;
            }
        }

        final List<String> roles = new ArrayList<>();
        placements.forEach(placement -> roles.add(placement.role()));
        throw new IllegalArgumentException("channel " + channel + " has no role '" + role + "' (roles: " +
            String.join(", ", roles) + ")");
    }

    /**
     * A factory of threads for a role. Each thread is named {@link Placement#threadName()} (the second and later
     * ones get {@code -2}, {@code -3}, ...) and, as {@link Thread}'s constructor does, is a daemon exactly when the
     * thread calling {@link ThreadFactory#newThread} is one; the caller may change that before starting it (the
     * channels make their threads daemons). When it starts, before running its task, it pins itself to the role's
     * CPUs, records itself in {@link Placement#thread()} and logs where it runs at DEBUG on the
     * {@code io.shmipc.affinity} {@link System.Logger} (routine: quiet by default). If pinning fails, the thread
     * logs the error at ERROR and ends by throwing without running its task: a thread never runs silently
     * unpinned.
     *
     * @param role a role of this plan.
     * @return the factory.
     * @throws IllegalArgumentException listing the roles if there is no such role.
     */
    public ThreadFactory threadFactory(final String role)
    {
        return new PinningThreadFactory(this, placement(role));
    }

    /**
     * @return true once {@link #close()} has been called.
     */
    public boolean isClosed()
    {
        return closed;
    }

    /**
     * Release this plan's CPUs for plans resolved later and drop it from {@link PlacementRegistry#placements()}.
     * Threads already started stay where they are; the plan's factories refuse to create more. Idempotent.
     */
    public void close()
    {
        if (!closed)
        {
            closed = true;
            registry.release(this);
        }
    }

    /**
     * @return one line for the start-up log, e.g.
     * {@code SimpleIPC: writer=isolated -> cpu 2, reader=core-of=writer -> cpu 3}.
     */
    public String toString()
    {
        final StringBuilder builder = new StringBuilder(channel).append(':');
        for (int i = 0; i < placements.size(); i++)
        {
            builder.append(i == 0 ? " " : ", ").append(placements.get(i));
        }

        return builder.append(closed ? " (closed)" : "").toString();
    }

    /**
     * Collects the roles of a channel and their specs, then resolves them. Not thread safe; use one per plan.
     */
    public static final class Builder
    {
        private final String channel;
        private final Map<String, PlacementSpec> specs = new LinkedHashMap<>();

        private Builder(final String channel)
        {
            this.channel = channel;
        }

        /**
         * Add a role with a spec in configuration syntax (see {@link PlacementSpec}).
         *
         * @param role the role, e.g. {@code writer}: letters, digits, {@code _} and {@code .}.
         * @param spec e.g. {@code cpu=3}, {@code isolated} or {@code core-of=reader}.
         * @return this builder.
         * @throws IllegalArgumentException naming the channel and role if the role is invalid or already added, or
         *                                  the spec is not valid syntax.
         */
        public Builder role(final String role, final String spec)
        {
            final PlacementSpec parsed;
            try
            {
                parsed = PlacementSpec.parse(spec);
            }
            catch (final IllegalArgumentException ex)
            {
                throw new IllegalArgumentException(
                    "channel " + channel + ", role " + role + ": " + ex.getMessage(), ex);
            }

            return role(role, parsed);
        }

        /**
         * Add a role with a spec.
         *
         * @param role the role, e.g. {@code writer}: letters, digits, {@code _} and {@code .}.
         * @param spec where its threads should run.
         * @return this builder.
         * @throws IllegalArgumentException naming the channel and role if the role is invalid or already added.
         */
        public Builder role(final String role, final PlacementSpec spec)
        {
            try
            {
                PlacementSpec.checkRole(role);
            }
            catch (final IllegalArgumentException ex)
            {
                throw new IllegalArgumentException("channel " + channel + ": " + ex.getMessage(), ex);
            }
            if (specs.containsKey(role))
            {
                throw new IllegalArgumentException("channel " + channel + ": role " + role + " is given twice");
            }
            specs.put(role, spec);
            return this;
        }

        /**
         * Resolve against this machine ({@link CpuTopology#current()}, read only if a spec is not {@code none}) in
         * the process's {@link PlacementRegistry#global()}.
         *
         * @return the open plan.
         * @throws IllegalArgumentException naming the channel, role and spec, and listing the CPUs this process may
         *                                  use, if a spec cannot be met: a CPU does not exist or is not allowed, no
         *                                  isolated CPU or sibling is free, a referred role is unknown or unpinned.
         */
        public AffinityPlan resolve()
        {
            return PlacementRegistry.global().resolve(channel, new LinkedHashMap<>(specs), CpuTopology::current);
        }

        /**
         * Resolve against a given topology, in a given registry.
         *
         * @param topology the machine to place threads on.
         * @param registry the registry that holds the plan's CPUs until it is closed.
         * @return the open plan.
         * @throws IllegalArgumentException as {@link #resolve()}.
         */
        public AffinityPlan resolve(final CpuTopology topology, final PlacementRegistry registry)
        {
            return registry.resolve(channel, new LinkedHashMap<>(specs), () -> topology);
        }
    }
}
