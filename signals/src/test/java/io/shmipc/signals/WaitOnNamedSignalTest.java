package io.shmipc.signals;

import com.sun.management.ThreadMXBean;
import io.shmipc.idle.SleepGuard;
import io.shmipc.idle.WaitIdleStrategy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code wait} idle strategy blocking on a real named semaphore: stale posts drained, no allocation.
 */
class WaitOnNamedSignalTest
{
    private final TestSignals signals = new TestSignals();

    @AfterEach
    void cleanUp()
    {
        signals.close();
    }

    @Test
    void blockPhaseDrainsStaleCountsLeftByAPeerThatPostsOnEveryPublish()
    {
        final NamedSignal semaphore = signals.create("stale");
        for (int i = 0; i < 5_000; i++)
        {
            semaphore.post();
        }
        final WaitIdleStrategy strategy = new WaitIdleStrategy(
            0, 0, 0, 0, TimeUnit.SECONDS.toNanos(30), semaphore, SleepGuard.NONE);

        strategy.idle();

        assertEquals(0, semaphore.value(), "one wake-up consumes every stale post");
    }

    @Test
    void blockPhaseDoesNotAllocate()
    {
        final ThreadMXBean threads = (ThreadMXBean)ManagementFactory.getThreadMXBean();
        final NamedSignal semaphore = signals.create("alloc");
        final WaitIdleStrategy strategy = new WaitIdleStrategy(
            0, 0, 0, 0, TimeUnit.SECONDS.toNanos(30), semaphore, SleepGuard.NONE);
        for (int i = 0; i < 20_000; i++) // warm up: class loading, JNA binding, JIT
        {
            semaphore.post();
            strategy.idle();
        }

        final long threadId = Thread.currentThread().getId();
        final long before = threads.getThreadAllocatedBytes(threadId);
        for (int i = 0; i < 20_000; i++)
        {
            semaphore.post();
            strategy.idle();
        }
        final long allocated = threads.getThreadAllocatedBytes(threadId) - before;

        assertTrue(allocated < 20_000, "20,000 post + block + drain cycles allocated " + allocated + " bytes");
    }
}
