package io.shmipc.affinity;

/**
 * Main class of the child JVM in {@link NarrowedProcessTest}: prints what it may use, then resolves a plan with
 * each spec given as an argument, one line per result.
 */
public final class AffinityProbe
{
    private AffinityProbe()
    {
    }

    public static void main(final String[] args)
    {
        System.out.println("process=" + Affinity.processCpus());
        System.out.println("status=" + ProcStatus.processCpusAllowed());
        System.out.println("topology=" + CpuTopology.current().allowed());
        for (final String spec : args)
        {
            try (AffinityPlan plan = AffinityPlan.builder("probe").role("writer", spec).resolve())
            {
                System.out.println("plan=" + plan);
            }
            catch (final IllegalArgumentException ex)
            {
                System.out.println("error=" + ex.getMessage());
            }
        }
    }
}
