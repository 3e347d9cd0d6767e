package io.shmipc.benchmarks;

import io.shmipc.affinity.CpuSet;
import io.shmipc.affinity.CpuTopology;

import java.util.List;

/**
 * Where the two processes of a run put their measuring threads: {@code none} (the scheduler decides),
 * {@code separate} (two CPUs on different physical cores) or {@code smt} (two SMT siblings of one core), chosen
 * from the CPUs this process may use. Immutable.
 */
final class CpuPlacement
{
    static final String NONE = "none";
    static final String SEPARATE = "separate";
    static final String SMT = "smt";

    private final String name;
    private final int activeCpu;
    private final int passiveCpu;
    private final String unavailable;

    private CpuPlacement(final String name, final int activeCpu, final int passiveCpu, final String unavailable)
    {
        this.name = name;
        this.activeCpu = activeCpu;
        this.passiveCpu = passiveCpu;
        this.unavailable = unavailable;
    }

    /**
     * @param name {@code none}, {@code separate} or {@code smt}.
     * @return the placement; check {@link #isAvailable()}, since this machine may lack the cores or siblings.
     * @throws IllegalArgumentException for any other name.
     */
    static CpuPlacement resolve(final String name)
    {
        switch (name)
        {
            case NONE:
                return new CpuPlacement(NONE, -1, -1, null);
            case SEPARATE:
            {
                final CpuTopology topology = CpuTopology.current();
                int first = -1;
                for (final CpuSet core : topology.cores())
                {
                    final CpuSet usable = core.intersect(topology.allowed());
                    if (usable.isEmpty())
                    {
                        continue;
                    }
                    if (first < 0)
                    {
                        first = usable.first();
                    }
                    else
                    {
                        return new CpuPlacement(SEPARATE, first, usable.first(), null);
                    }
                }
                return new CpuPlacement(SEPARATE, -1, -1, "needs two physical cores this process may use; " +
                    describe(topology));
            }
            case SMT:
            {
                final CpuTopology topology = CpuTopology.current();
                for (final CpuSet core : topology.cores())
                {
                    final CpuSet usable = core.intersect(topology.allowed());
                    if (usable.size() >= 2)
                    {
                        return new CpuPlacement(SMT, usable.first(), usable.nextCpu(usable.first() + 1), null);
                    }
                }
                return new CpuPlacement(SMT, -1, -1, "no physical core has two CPUs this process may use, so " +
                    "there are no SMT siblings to place the two sides on; " + describe(topology));
            }
            default:
                throw new IllegalArgumentException("unknown placement \"" + name +
                    "\"; expected none, separate or smt");
        }
    }

    private static String describe(final CpuTopology topology)
    {
        final List<CpuSet> cores = topology.cores();
        final StringBuilder sb = new StringBuilder("cores (CPUs each):");
        for (final CpuSet core : cores)
        {
            sb.append(" [").append(core).append(']');
        }
        return sb.append(", allowed CPUs ").append(topology.allowed()).toString();
    }

    String name()
    {
        return name;
    }

    boolean isAvailable()
    {
        return null == unavailable;
    }

    /**
     * @return why it cannot be used here, or null.
     */
    String unavailableReason()
    {
        return unavailable;
    }

    /** @return the CPU of the measuring side (pinger, consumer), or -1 for not pinned. */
    int activeCpu()
    {
        return activeCpu;
    }

    /** @return the CPU of the other side, or -1 for not pinned. */
    int passiveCpu()
    {
        return passiveCpu;
    }

    /**
     * @return e.g. {@code separate (pinger cpu 0, ponger cpu 1)}.
     */
    public String toString()
    {
        return -1 == activeCpu ? name : name + " (cpus " + activeCpu + " and " + passiveCpu + ")";
    }
}
