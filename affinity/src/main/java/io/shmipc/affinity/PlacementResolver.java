package io.shmipc.affinity;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.IntUnaryOperator;
import java.util.function.Supplier;

/**
 * Turns the placement specs of the roles of one channel into CPUs: checks explicit CPUs against the machine,
 * picks CPUs for {@code isolated}, {@code sibling-of} and {@code core-of}, and resolves the roles that others refer
 * to first. Used once per plan, under the lock of the {@link PlacementRegistry} whose claims it is given.
 */
final class PlacementResolver
{
    private static final System.Logger LOGGER = System.getLogger(PlacementResolver.class.getPackageName());

    private final String channel;
    private final Map<String, PlacementSpec> specs;
    private final Supplier<CpuTopology> topologySupplier;
    private final Map<Integer, String> owners;
    private final Map<String, CpuSet> resolved = new HashMap<>();
    private final LinkedHashSet<String> resolving = new LinkedHashSet<>();
    private CpuTopology topology;

    /**
     * @param channel          the channel whose roles these are.
     * @param specs            spec by role, in the order roles were declared.
     * @param topologySupplier read only if a spec needs the machine's CPUs, so that a plan of only {@code none}
     *                         works on any OS.
     * @param claimed          owner ({@code channel/role}) by CPU of CPUs already claimed by other plans; the
     *                         automatic choices avoid them.
     */
    PlacementResolver(
        final String channel,
        final Map<String, PlacementSpec> specs,
        final Supplier<CpuTopology> topologySupplier,
        final Map<Integer, String> claimed)
    {
        this.channel = channel;
        this.specs = specs;
        this.topologySupplier = topologySupplier;
        this.owners = new TreeMap<>(claimed);
    }

    /**
     * @return a placement per role, in declaration order.
     * @throws IllegalArgumentException naming the channel, role and spec, and listing the CPUs this process may use
     *                                  once the machine has been read, if a spec cannot be satisfied.
     */
    List<Placement> resolve()
    {
        final List<Placement> placements = new ArrayList<>(specs.size());
        for (final Map.Entry<String, PlacementSpec> entry : specs.entrySet())
        {
            placements.add(new Placement(channel, entry.getKey(), entry.getValue(), resolve(entry.getKey())));
        }

        return placements;
    }

    private CpuSet resolve(final String role)
    {
        final CpuSet done = resolved.get(role);
        if (null != done)
        {
            return done;
        }
        if (!resolving.add(role))
        {
            throw fail(role, "roles refer to each other in a cycle: " + String.join(" -> ", resolving) + " -> " + role);
        }

        final PlacementSpec spec = specs.get(role);
        final CpuSet cpus;
        switch (spec.kind())
        {
            case NONE:
                cpus = CpuSet.EMPTY;
                break;
            case CPU:
            case CPUS:
                cpus = explicit(role, spec.cpus());
                break;
            case ISOLATED:
                cpus = isolated(role);
                break;
            default:
                cpus = nextTo(role, spec);
                break;
        }

        resolving.remove(role);
        resolved.put(role, cpus);
        cpus.stream().forEach(cpu -> owners.putIfAbsent(cpu, channel + "/" + role));
        return cpus;
    }

    private CpuSet explicit(final String role, final CpuSet cpus)
    {
        final CpuTopology topology = topology();
        final CpuSet missing = cpus.minus(topology.online());
        if (!missing.isEmpty())
        {
            throw fail(role, cpuWord(missing) + (missing.size() == 1 ? " does not exist or is offline" :
                " do not exist or are offline") + " (online CPUs: " + topology.online() + ")");
        }
        final CpuSet notAllowed = cpus.minus(topology.allowed());
        if (!notAllowed.isEmpty())
        {
            throw fail(role, cpuWord(notAllowed) + (notAllowed.size() == 1 ? " is" : " are") + " online but " +
                "outside this process's allowed CPUs (narrowed by its cgroup cpuset, container or taskset)");
        }
        final CpuSet shared = cpus.intersect(used());
        if (!shared.isEmpty())
        {
            LOGGER.log(System.Logger.Level.WARNING, "channel {0} role {1} (affinity ''{2}'') shares CPUs with " +
                "other pinned threads: {3}", channel, role, specs.get(role), owned(shared));
        }

        return cpus;
    }

    private CpuSet isolated(final String role)
    {
        final CpuTopology topology = topology();
        final CpuSet isolated = topology.isolated();
        if (isolated.isEmpty())
        {
            throw fail(role, "this machine has no isolated CPUs (" + topology.root().resolve("isolated") +
                " is empty: boot with isolcpus=<list>)");
        }
        final CpuSet usable = isolated.intersect(topology.allowed());
        if (usable.isEmpty())
        {
            throw fail(role, "the isolated CPUs " + isolated + " are all outside this process's allowed CPUs");
        }
        final CpuSet free = usable.minus(used());
        if (free.isEmpty())
        {
            throw fail(role, "every isolated CPU this process may use is taken: " + owned(usable));
        }

        return CpuSet.of(pick(free, cpu -> coreIsFree(cpu) ? 1 : 0));
    }

    private CpuSet nextTo(final String role, final PlacementSpec spec)
    {
        final String peer = spec.role();
        if (!specs.containsKey(peer))
        {
            throw fail(role, "channel " + channel + " has no role '" + peer + "' (roles: " +
                String.join(", ", specs.keySet()) + ")");
        }
        final CpuSet peerCpus = resolve(peer);
        if (peerCpus.size() != 1)
        {
            throw fail(role, "role " + peer + " must be pinned to one CPU to place another next to or away from it, " +
                "but its spec '" + specs.get(peer) + "' gives " + (peerCpus.isEmpty() ? "none" : "CPUs " + peerCpus));
        }

        final CpuTopology topology = topology();
        final int peerCpu = peerCpus.first();
        final CpuSet peerCore = topology.siblingsOf(peerCpu);
        if (spec.kind() == PlacementSpec.Kind.SIBLING_OF)
        {
            final CpuSet siblings = peerCore.minus(peerCpus);
            if (siblings.isEmpty())
            {
                throw fail(role, "cpu " + peerCpu + " of role " + peer + " has no SMT sibling (its core has CPUs " +
                    peerCore + "; SMT is off or absent)");
            }
            final CpuSet usable = siblings.intersect(topology.allowed());
            if (usable.isEmpty())
            {
                throw fail(role, "the SMT siblings " + siblings + " of cpu " + peerCpu + " (role " + peer +
                    ") are outside this process's allowed CPUs");
            }
            final CpuSet free = usable.minus(used());
            if (free.isEmpty())
            {
                throw fail(role, "the SMT siblings of cpu " + peerCpu + " (role " + peer + ") are taken: " +
                    owned(usable));
            }
            return CpuSet.of(free.first());
        }

        final CpuSet otherCores = topology.allowed().minus(peerCore);
        final CpuSet free = otherCores.minus(used());
        if (free.isEmpty())
        {
            throw fail(role, "no free CPU on another core than cpu " + peerCpu + " (role " + peer + ", core " +
                peerCore + ")" + (otherCores.isEmpty() ? "" : "; taken: " + owned(otherCores)));
        }
        final boolean peerIsolated = topology.isolated().contains(peerCpu);
        return CpuSet.of(pick(free, cpu ->
            (topology.packageOf(cpu) == topology.packageOf(peerCpu) ? 8 : 0) +
            (topology.nodeOf(cpu) == topology.nodeOf(peerCpu) ? 4 : 0) +
            (topology.isolated().contains(cpu) == peerIsolated ? 2 : 0) +
            (coreIsFree(cpu) ? 1 : 0)));
    }

    private CpuSet used()
    {
        return CpuSet.of(owners.keySet().stream().mapToInt(Integer::intValue).toArray());
    }

    private boolean coreIsFree(final int cpu)
    {
        return topology.siblingsOf(cpu).intersect(used()).isEmpty();
    }

    private static int pick(final CpuSet candidates, final IntUnaryOperator score)
    {
        int best = -1;
        int bestScore = Integer.MIN_VALUE;
        for (int cpu = candidates.first(); cpu >= 0; cpu = candidates.nextCpu(cpu + 1))
        {
            final int cpuScore = score.applyAsInt(cpu);
            if (cpuScore > bestScore)
            {
                best = cpu;
                bestScore = cpuScore;
            }
        }

        return best;
    }

    private String owned(final CpuSet cpus)
    {
        final StringBuilder builder = new StringBuilder();
        cpus.stream().filter(owners::containsKey).forEach(cpu ->
            builder.append(builder.length() == 0 ? "" : ", ").append("cpu ").append(cpu)
                .append(" by ").append(owners.get(cpu)));

        return builder.toString();
    }

    private CpuTopology topology()
    {
        if (null == topology)
        {
            topology = topologySupplier.get();
        }

        return topology;
    }

    private IllegalArgumentException fail(final String role, final String reason)
    {
        return new IllegalArgumentException("channel " + channel + ", role " + role + ", affinity '" +
            specs.get(role) + "': " + reason +
            (null == topology ? "" : "; this process may use CPUs " + topology.allowed()));
    }

    private static String cpuWord(final CpuSet cpus)
    {
        return cpus.size() == 1 ? "cpu " + cpus : "CPUs " + cpus;
    }
}
