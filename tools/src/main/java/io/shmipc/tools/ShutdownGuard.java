package io.shmipc.tools;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * The shutdown hook of a {@code host} or {@code guest} command (Ctrl-C, SIGTERM), registered <b>before</b> the
 * channel is started, so that no moment of the start-up is left without one.
 * <ul>
 *   <li>{@link #startLocked} (the host) starts the channel holding the guard's lock: a hook that runs meanwhile waits
 *   for the start to finish and then closes what it made, so files created after the signal are removed too; a
 *   hook that ran before it makes it start nothing. If the start has not finished within {@link #START_WAIT} the
 *   hook runs the {@code stuckStart} clean-up itself.</li>
 *   <li>{@link #startUnlocked} (the guest, whose start waits up to {@code --timeout} for its host) starts without
 *   the lock, then closes the new resource at once if the hook ran meanwhile.</li>
 *   <li>The hook sets {@link #requested()}, gives the main thread up to {@code grace} to notice it, stop using the
 *   resource and close it ({@link #mainDone()}), and closes it itself if it has not; {@link #close()} runs the
 *   resource's close once, and a second caller waits until the first has finished (files removed).</li>
 * </ul>
 * The JVM then exits with 130 (SIGINT) or 143 (SIGTERM).
 *
 * @param <T> the channel: an {@code IpcHost} or {@code IpcGuest}.
 */
final class ShutdownGuard<T extends AutoCloseable>
{
    /** Longest wait of the hook for a start in progress. */
    static final Duration START_WAIT = Duration.ofSeconds(10);

    private final ReentrantLock lock = new ReentrantLock();
    private final CountDownLatch mainDone = new CountDownLatch(1);
    private final Duration grace;
    private final Runnable stuckStart;
    private final Thread hook;
    private volatile boolean requested;
    private T resource;
    private boolean closed;

    /**
     * @param threadName the hook thread's name.
     * @param grace      how long the hook lets the main thread close the resource itself.
     * @param stuckStart what the hook does when a {@link #startLocked} has not finished within {@link #START_WAIT}
     *                   (remove the files the start made); null for nothing.
     */
    ShutdownGuard(final String threadName, final Duration grace, final Runnable stuckStart)
    {
        this.grace = grace;
        this.stuckStart = stuckStart;
        this.hook = new Thread(this::onShutdown, threadName);
    }

    /**
     * Register the hook with the JVM.
     *
     * @return this.
     * @throws CliException (exit 130) if the JVM is already shutting down (a signal landed before the command got
     *                      here): nothing was created, and the JVM exits with the signal's code.
     */
    ShutdownGuard<T> install()
    {
        try
        {
            Runtime.getRuntime().addShutdownHook(hook);
        }
        catch (final IllegalStateException ex)
        {
            throw new CliException(ExitCodes.INTERRUPTED, "interrupted before it started (" + ex.getMessage() +
                "): nothing was created");
        }
        return this;
    }

    /**
     * Unregister the hook (the command ends normally); harmless while the JVM shuts down.
     */
    void uninstall()
    {
        try
        {
            Runtime.getRuntime().removeShutdownHook(hook);
        }
        catch (final IllegalStateException ignore)
        {
            // the JVM is shutting down: the hook is running or has run
        }
    }

    /**
     * @return the hook, for tests that run it without a JVM shutdown.
     */
    Thread hook()
    {
        return hook;
    }

    /**
     * Start the resource while holding the lock the hook takes first.
     *
     * @param starter makes the resource (throws if it cannot).
     * @return the resource, or null if the hook has already run (nothing was started).
     */
    T startLocked(final Supplier<T> starter)
    {
        lock.lock();
        try
        {
            if (requested)
            {
                return null;
            }
            final T started = starter.get();
            resource = started;
            closed = false;
            return started;
        }
        finally
        {
            lock.unlock();
        }
    }

    /**
     * Start the resource without the lock (a start that may wait long), then keep it unless the hook ran meanwhile.
     *
     * @param starter makes the resource (throws if it cannot).
     * @return the resource, or null if the hook ran before or during the start (a resource made meanwhile is closed).
     * @throws Exception from the resource's close, if it was closed here.
     */
    T startUnlocked(final Supplier<T> starter) throws Exception
    {
        if (requested)
        {
            return null;
        }
        final T started = starter.get();
        lock.lock();
        try
        {
            if (!requested)
            {
                resource = started;
                closed = false;
                return started;
            }
        }
        finally
        {
            lock.unlock();
        }
        started.close();
        return null;
    }

    /**
     * @return true once the hook has run (a signal): stop using the resource, close it and call {@link #mainDone()}.
     */
    boolean requested()
    {
        return requested;
    }

    /**
     * Close the current resource once; a concurrent caller waits until that close has finished.
     */
    void close()
    {
        lock.lock();
        try
        {
            if (null != resource && !closed)
            {
                closed = true;
                resource.close();
            }
        }
        catch (final Exception ex)
        {
            throw new IllegalStateException("close failed: " + ex.getMessage(), ex);
        }
        finally
        {
            lock.unlock();
        }
    }

    /**
     * The main thread has finished with the resource (closed it, printed its summary): the hook may return.
     */
    void mainDone()
    {
        mainDone.countDown();
    }

    private void onShutdown()
    {
        requested = true;
        boolean locked = false;
        try
        {
            locked = lock.tryLock(START_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            if (!locked)
            {
                if (null != stuckStart)
                {
                    stuckStart.run();
                }
                return;
            }
            if (null == resource)
            {
                return; // nothing started yet, and nothing will be
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return;
        }
        finally
        {
            if (locked)
            {
                lock.unlock();
            }
        }
        try
        {
            mainDone.await(grace.toMillis(), TimeUnit.MILLISECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        close();
        try
        {
            mainDone.await(grace.toMillis(), TimeUnit.MILLISECONDS); // let the summary be printed before the JVM halts
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }
}
