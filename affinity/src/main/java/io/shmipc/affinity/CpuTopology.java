package io.shmipc.affinity;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A snapshot of the machine's CPUs as Linux describes them under {@code /sys/devices/system/cpu}: which are online,
 * which are isolated from the scheduler, how they group into physical cores (SMT siblings), sockets and NUMA nodes,
 * and which of them this process may use.
 * <p>
 * Files read, relative to the CPU root directory (all in the kernel's cpulist or decimal format):
 * <ul>
 *     <li>{@code online}: the online CPUs; required.</li>
 *     <li>{@code isolated}: CPUs removed from the scheduler by the {@code isolcpus=} boot parameter; an absent file
 *     (kernels before 4.2) means none.</li>
 *     <li>{@code cpu<N>/topology/core_id}, {@code physical_package_id} and {@code thread_siblings_list} for every
 *     online CPU; required. A physical core is the set in {@code thread_siblings_list}, which is exact where
 *     {@code core_id} alone is only unique within a package.</li>
 *     <li>{@code ../node/node<M>/cpulist} (that is {@code /sys/devices/system/node}): the CPUs of NUMA node M. When
 *     the {@code node} directory is absent (a kernel built without NUMA) every CPU is on node 0, as the kernel
 *     itself reports; an online CPU listed under no node has node -1.</li>
 * </ul>
 * Instances are immutable and safe to share; they do not follow CPU hot-plug or cpuset changes, so read a new one
 * when resolving new placements.
 */
public final class CpuTopology
{
    /** Where Linux describes the CPUs. */
    public static final Path DEFAULT_ROOT = Path.of("/sys/devices/system/cpu");

    private final Path root;
    private final CpuSet online;
    private final CpuSet isolated;
    private final CpuSet allowed;
    private final CpuSet[] siblings;
    private final int[] coreIds;
    private final int[] packageIds;
    private final int[] nodeIds;

    private CpuTopology(
        final Path root,
        final CpuSet online,
        final CpuSet isolated,
        final CpuSet allowed,
        final CpuSet[] siblings,
        final int[] coreIds,
        final int[] packageIds,
        final int[] nodeIds)
    {
        this.root = root;
        this.online = online;
        this.isolated = isolated;
        this.allowed = allowed;
        this.siblings = siblings;
        this.coreIds = coreIds;
        this.packageIds = packageIds;
        this.nodeIds = nodeIds;
    }

    /**
     * Read this machine's topology from {@link #DEFAULT_ROOT}, with the CPUs this process may use from
     * {@link Affinity#processCpus()}.
     *
     * @return the current topology.
     * @throws UnsupportedOperationException naming {@code os.name} if this is not Linux.
     * @throws UncheckedIOException          naming the file if a required file cannot be read.
     * @throws IllegalStateException         naming the file if its content cannot be parsed.
     */
    public static CpuTopology current()
    {
        final String osName = System.getProperty("os.name");
        if (!osName.startsWith("Linux"))
        {
            throw new UnsupportedOperationException(
                "CPU topology is read from " + DEFAULT_ROOT + ", which exists on Linux only, not on os.name=" + osName);
        }

        return read(DEFAULT_ROOT, Affinity.processCpus());
    }

    /**
     * Read a topology from a directory laid out like {@code /sys/devices/system/cpu} (a test fixture, or a copy
     * taken from another machine), with the given set of CPUs the process may use.
     *
     * @param cpuRoot the directory holding {@code online} and the {@code cpu<N>} directories.
     * @param allowed the CPUs the process may use; {@link #allowed()} keeps those that are online.
     * @return the topology.
     * @throws UncheckedIOException  naming the file if a required file cannot be read.
     * @throws IllegalStateException naming the file if its content cannot be parsed.
     */
    public static CpuTopology read(final Path cpuRoot, final CpuSet allowed)
    {
        final CpuSet online = readCpuList(cpuRoot.resolve("online"), false);
        if (online.isEmpty())
        {
            throw new IllegalStateException(cpuRoot.resolve("online") + " lists no CPUs");
        }
        final CpuSet isolated = readCpuList(cpuRoot.resolve("isolated"), true);

        final int length = online.stream().max().orElseThrow() + 1;
        final CpuSet[] siblings = new CpuSet[length];
        final int[] coreIds = new int[length];
        final int[] packageIds = new int[length];
        online.stream().forEach(cpu ->
        {
            final Path topology = cpuRoot.resolve("cpu" + cpu).resolve("topology");
            coreIds[cpu] = readInt(topology.resolve("core_id"));
            packageIds[cpu] = readInt(topology.resolve("physical_package_id"));
            final Path siblingsFile = topology.resolve("thread_siblings_list");
            siblings[cpu] = readCpuList(siblingsFile, false);
            if (!siblings[cpu].contains(cpu))
            {
                throw new IllegalStateException(siblingsFile + " lists " + siblings[cpu] + ", without cpu " + cpu);
            }
        });

        return new CpuTopology(
            cpuRoot,
            online,
            isolated,
            allowed.intersect(online),
            siblings,
            coreIds,
            packageIds,
            readNodes(cpuRoot.resolveSibling("node"), online, length));
    }

    /**
     * @return the directory this topology was read from.
     */
    public Path root()
    {
        return root;
    }

    /**
     * @return the online CPUs.
     */
    public CpuSet online()
    {
        return online;
    }

    /**
     * @return the CPUs isolated from the scheduler with {@code isolcpus=}; may include offline or disallowed CPUs.
     */
    public CpuSet isolated()
    {
        return isolated;
    }

    /**
     * @return the online CPUs this process may use; placements choose only among these.
     */
    public CpuSet allowed()
    {
        return allowed;
    }

    /**
     * @param cpu an online CPU.
     * @return the CPUs on the same physical core as {@code cpu}, including itself; just {@code cpu} without SMT.
     * @throws IllegalArgumentException if {@code cpu} is not online.
     */
    public CpuSet siblingsOf(final int cpu)
    {
        return siblings[checkOnline(cpu)];
    }

    /**
     * @param cpu an online CPU.
     * @return its {@code core_id}, unique only within its package.
     * @throws IllegalArgumentException if {@code cpu} is not online.
     */
    public int coreIdOf(final int cpu)
    {
        return coreIds[checkOnline(cpu)];
    }

    /**
     * @param cpu an online CPU.
     * @return its {@code physical_package_id}: the socket it is on (-1 where the platform does not say).
     * @throws IllegalArgumentException if {@code cpu} is not online.
     */
    public int packageOf(final int cpu)
    {
        return packageIds[checkOnline(cpu)];
    }

    /**
     * @param cpu an online CPU.
     * @return its NUMA node, or -1 if no node lists it.
     * @throws IllegalArgumentException if {@code cpu} is not online.
     */
    public int nodeOf(final int cpu)
    {
        return nodeIds[checkOnline(cpu)];
    }

    /**
     * @return the physical cores, each as the set of its SMT siblings, ordered by their lowest CPU.
     */
    public List<CpuSet> cores()
    {
        final Set<CpuSet> cores = new LinkedHashSet<>();
        online.stream().forEach(cpu -> cores.add(siblings[cpu]));
        return List.copyOf(cores);
    }

    /**
     * One line per physical core with its package, node and SMT siblings, marking isolated CPUs and CPUs this process
     * may not use; for logs and diagnostics.
     *
     * @return a multi-line description.
     */
    public String describe()
    {
        final StringBuilder builder = new StringBuilder()
            .append("CPUs online ").append(online)
            .append(", allowed ").append(allowed)
            .append(", isolated ").append(isolated.isEmpty() ? "none" : isolated.toString())
            .append(" (").append(root).append(')');
        for (final CpuSet core : cores())
        {
            final int cpu = core.first();
            builder.append(System.lineSeparator())
                .append("  package ").append(packageIds[cpu])
                .append(" node ").append(nodeIds[cpu])
                .append(" core ").append(coreIds[cpu])
                .append(": CPUs ").append(core);
            final CpuSet coreIsolated = core.intersect(isolated);
            if (!coreIsolated.isEmpty())
            {
                builder.append(", isolated ").append(coreIsolated);
            }
            final CpuSet notAllowed = core.minus(allowed);
            if (!notAllowed.isEmpty())
            {
                builder.append(", not allowed ").append(notAllowed);
            }
        }

        return builder.toString();
    }

    /**
     * {@inheritDoc}
     */
    public String toString()
    {
        return "CpuTopology{root=" + root + ", online=" + online + ", allowed=" + allowed +
            ", isolated=" + isolated + ", cores=" + cores().size() + '}';
    }

    private int checkOnline(final int cpu)
    {
        if (!online.contains(cpu))
        {
            throw new IllegalArgumentException(
                "cpu " + cpu + " is not online in " + root + " (online CPUs: " + online + ")");
        }

        return cpu;
    }

    private static int[] readNodes(final Path nodeRoot, final CpuSet online, final int length)
    {
        final int[] nodeIds = new int[length];
        if (!Files.isDirectory(nodeRoot))
        {
            return nodeIds;
        }

        Arrays.fill(nodeIds, -1);
        try (DirectoryStream<Path> nodes = Files.newDirectoryStream(nodeRoot, "node[0-9]*"))
        {
            for (final Path node : nodes)
            {
                final int nodeId = Integer.parseInt(node.getFileName().toString().substring("node".length()));
                final CpuSet cpus = readCpuList(node.resolve("cpulist"), false).intersect(online);
                cpus.stream().forEach(cpu -> nodeIds[cpu] = nodeId);
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot list NUMA nodes in " + nodeRoot, ex);
        }

        return nodeIds;
    }

    private static CpuSet readCpuList(final Path file, final boolean optional)
    {
        final String text;
        try
        {
            text = Files.readString(file);
        }
        catch (final NoSuchFileException ex)
        {
            if (optional)
            {
                return CpuSet.EMPTY;
            }
            throw new UncheckedIOException("cannot read CPU list: " + file + " does not exist", ex);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot read CPU list " + file, ex);
        }

        try
        {
            return CpuSet.parse(text);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalStateException("cannot parse " + file + ": " + ex.getMessage(), ex);
        }
    }

    private static int readInt(final Path file)
    {
        final String text;
        try
        {
            text = Files.readString(file).strip();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot read " + file, ex);
        }

        try
        {
            return Integer.parseInt(text);
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalStateException("cannot parse " + file + ": '" + text + "' is not an integer", ex);
        }
    }
}
