package io.shmipc.benchmarks;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Undo actions of one benchmark run (kill its child processes, delete its files, unlink its semaphores), run in
 * reverse order by {@link #close()}, or by a JVM shutdown hook if the parent is stopped (Ctrl-C, SIGTERM) before
 * that. Thread safe: the hook may race with {@code close()}, and every action runs at most once.
 */
final class Cleanup implements AutoCloseable
{
    private static final Set<Cleanup> OPEN = new LinkedHashSet<>();

    static
    {
        Runtime.getRuntime().addShutdownHook(new Thread(Cleanup::closeAll, "shmipc-bench-cleanup"));
    }

    private final Deque<Runnable> actions = new ArrayDeque<>();

    Cleanup()
    {
        synchronized (OPEN)
        {
            OPEN.add(this);
        }
    }

    /**
     * @param action run by {@link #close()}, before the actions added earlier; its exceptions are reported on
     *               standard error and do not stop the other actions.
     */
    synchronized void add(final Runnable action)
    {
        actions.push(action);
    }

    /**
     * Run every action not yet run, newest first.
     */
    public void close()
    {
        synchronized (OPEN)
        {
            OPEN.remove(this);
        }
        while (true)
        {
            final Runnable action;
            synchronized (this)
            {
                action = actions.poll();
            }
            if (null == action)
            {
                return;
            }
            try
            {
                action.run();
            }
            catch (final RuntimeException ex)
            {
                System.err.println("bench: clean-up step failed: " + ex);
            }
        }
    }

    private static void closeAll()
    {
        final Cleanup[] open;
        synchronized (OPEN)
        {
            open = OPEN.toArray(new Cleanup[0]);
        }
        for (final Cleanup cleanup : open)
        {
            cleanup.close();
        }
    }
}
