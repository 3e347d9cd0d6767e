package io.shmipc.affinity;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Creates the threads of one role of an {@link AffinityPlan}: named after the role and channel, pinned by
 * themselves as they start. See {@link AffinityPlan#threadFactory(String)}.
 */
final class PinningThreadFactory implements ThreadFactory
{
    private static final System.Logger LOGGER = System.getLogger(PinningThreadFactory.class.getPackageName());

    private final AffinityPlan plan;
    private final Placement placement;
    private final AtomicInteger threadCount = new AtomicInteger();

    PinningThreadFactory(final AffinityPlan plan, final Placement placement)
    {
        this.plan = plan;
        this.placement = placement;
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalStateException if the plan is closed.
     */
    public Thread newThread(final Runnable task)
    {
        if (plan.isClosed())
        {
            throw new IllegalStateException("the affinity plan of channel " + plan.channel() + " is closed; no new " +
                placement.role() + " thread");
        }
        final int count = threadCount.incrementAndGet();
        final String name = count == 1 ? placement.threadName() : placement.threadName() + "-" + count;

        return new Thread(() -> run(task), name);
    }

    private void run(final Runnable task)
    {
        final String name = Thread.currentThread().getName();
        if (placement.isPinned())
        {
            final ThreadPin pin;
            try
            {
                pin = Affinity.pinCurrentThread(placement.cpus());
            }
            catch (final RuntimeException ex)
            {
                final String message = "thread " + name + " of channel " + placement.channel() + " could not pin " +
                    "itself to CPUs " + placement.cpus() + " (affinity '" + placement.spec() + "') and will not run";
                LOGGER.log(System.Logger.Level.ERROR, message, ex);
                throw new IllegalStateException(message + ": " + ex.getMessage(), ex);
            }
            placement.started(new Placement.StartedThread(name, pin.threadId(), pin.cpus()));
            LOGGER.log(System.Logger.Level.DEBUG, "{0} (tid {1}) pinned to CPUs {2} (affinity ''{3}'')",
                name, String.valueOf(pin.threadId()), pin.cpus(), placement.spec());
        }
        else
        {
            final Placement.StartedThread started = unpinned(name);
            placement.started(started);
            LOGGER.log(System.Logger.Level.DEBUG, "{0} (tid {1}) not pinned (affinity ''none''), may run on CPUs {2}",
                name, String.valueOf(started.threadId()), started.cpus());
        }

        task.run();
    }

    private static Placement.StartedThread unpinned(final String name)
    {
        try
        {
            return new Placement.StartedThread(name, Affinity.currentThreadId(), Affinity.currentThreadCpus());
        }
        catch (final UnsupportedOperationException ex)
        {
            // 'none' needs no OS support; where the OS cannot say where the thread runs, report it as unknown.
            return new Placement.StartedThread(name, -1, CpuSet.EMPTY);
        }
    }
}
