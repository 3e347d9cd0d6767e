package io.shmipc.affinity;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The open {@link AffinityPlan}s of a process and the CPUs they hold, so that {@code isolated}, {@code sibling-of}
 * and {@code core-of} in one channel do not pick a CPU another channel already uses, and so that an inspector can
 * list where every shmipc thread of the process runs.
 * <p>
 * {@link #global()} is the registry of the process, used by {@link AffinityPlan.Builder#resolve()}. A separate
 * instance keeps its plans apart from it (tests, or an application that splits CPUs between subsystems itself).
 * Thread safe: plans are resolved and released under the registry's lock.
 */
public final class PlacementRegistry
{
    private static final PlacementRegistry GLOBAL = new PlacementRegistry();

    private final List<AffinityPlan> plans = new ArrayList<>();

    /**
     * @return the registry of this process.
     */
    public static PlacementRegistry global()
    {
        return GLOBAL;
    }

    /**
     * @return the placements of every open plan, plan by plan in the order they were resolved.
     */
    public synchronized List<Placement> placements()
    {
        final List<Placement> placements = new ArrayList<>();
        for (final AffinityPlan plan : plans)
        {
            placements.addAll(plan.placements());
        }

        return placements;
    }

    synchronized AffinityPlan resolve(
        final String channel, final Map<String, PlacementSpec> specs, final Supplier<CpuTopology> topology)
    {
        final Map<Integer, String> claimed = new HashMap<>();
        for (final Placement placement : placements())
        {
            placement.cpus().stream().forEach(cpu ->
                claimed.putIfAbsent(cpu, placement.channel() + "/" + placement.role()));
        }

        final AffinityPlan plan = new AffinityPlan(
            channel, new PlacementResolver(channel, specs, topology, claimed).resolve(), this);
        plans.add(plan);
        return plan;
    }

    synchronized void release(final AffinityPlan plan)
    {
        plans.remove(plan);
    }
}
