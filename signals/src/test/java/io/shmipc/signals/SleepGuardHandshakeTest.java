package io.shmipc.signals;

import io.shmipc.idle.SleepGuard;
import io.shmipc.idle.WaitIdleStrategy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A writer that posts only while the reader announces it sleeps (the SleepGuard contract the core ring implements)
 * must never leave a message waiting for the block timeout. The timeout here is a minute, longer than the test may
 * run, so one lost wake-up fails the test.
 */
@Timeout(value = 60)
class SleepGuardHandshakeTest
{
    private static final int MESSAGES = 300;

    private final TestSignals signals = new TestSignals();

    @AfterEach
    void cleanUp()
    {
        signals.close();
    }

    @Test
    void writerThatPostsOnlyToASleepingReaderNeverLosesAWakeUp() throws Exception
    {
        final NamedSignal signal = signals.create("guard");
        final AtomicLong published = new AtomicLong();
        final AtomicLong consumed = new AtomicLong();
        final AtomicBoolean sleeping = new AtomicBoolean();
        final AtomicLong posts = new AtomicLong();

        final SleepGuard guard = new SleepGuard()
        {
            public boolean prepareToSleep()
            {
                sleeping.set(true); // volatile store, then volatile load: Dekker with the writer
                if (published.get() != consumed.get())
                {
                    sleeping.set(false);
                    return false;
                }
                return true;
            }

            public void awake()
            {
                sleeping.set(false);
            }
        };
        final WaitIdleStrategy strategy = new WaitIdleStrategy(
            20, 2, 0, 0, TimeUnit.MINUTES.toNanos(1), signal, guard);

        final CompletableFuture<Void> reader = CompletableFuture.runAsync(() ->
        {
            while (consumed.get() < MESSAGES)
            {
                final long available = published.get();
                final long work = available - consumed.get();
                consumed.set(available);
                strategy.idle((int)work);
            }
        });

        for (int i = 0; i < MESSAGES; i++)
        {
            LockSupport.parkNanos(ThreadLocalRandom.current().nextLong(TimeUnit.MILLISECONDS.toNanos(2)));
            published.incrementAndGet();
            if (sleeping.get())
            {
                posts.incrementAndGet();
                signal.post();
            }
        }

        reader.get(30, TimeUnit.SECONDS);
        assertEquals(MESSAGES, consumed.get());
        assertTrue(posts.get() > 0, "the reader never slept, so the handshake was not exercised");
        assertTrue(posts.get() <= MESSAGES);
    }
}
