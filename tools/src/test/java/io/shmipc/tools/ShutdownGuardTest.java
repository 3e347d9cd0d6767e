package io.shmipc.tools;

import io.shmipc.schemas.IpcMessages;
import io.shmipc.core.channel.ChannelConfig;
import io.shmipc.core.channel.IpcHost;
import io.shmipc.core.segment.SharedSegment;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The host's shutdown hook against its start-up (issue 10, defect 10): a hook that runs while {@code IpcHost.start}
 * creates the files waits for it and removes them; one that ran before makes the start create nothing. The hook's
 * thread is run directly here, as the JVM would on Ctrl-C.
 */
class ShutdownGuardTest
{
    private final Channels channels = new Channels();

    @AfterEach
    void cleanUp() throws Exception
    {
        channels.removeAll();
    }

    private static ChannelConfig config(final String name)
    {
        return ChannelConfig.builder(name).capacity(64 * 1024).readerIdle("backoff").writerIdle("backoff").build();
    }

    @Test
    @Timeout(60)
    void aHookDuringTheStartWaitsForItAndRemovesEveryFileItCreated() throws Exception
    {
        final String name = channels.newName("guardstart");
        final ShutdownGuard<IpcHost> guard = new ShutdownGuard<>("test-host-shutdown", Duration.ofMillis(200), null);
        final CountDownLatch created = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final CompletableFuture<IpcHost> start = CompletableFuture.supplyAsync(() -> guard.startLocked(() ->
        {
            final IpcHost host = IpcHost.start(config(name), IpcMessages::reqId);
            created.countDown();
            try
            {
                release.await(30, TimeUnit.SECONDS); // the start is not finished yet: the signal comes now
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
            return host;
        }));
        assertTrue(created.await(30, TimeUnit.SECONDS));
        assertTrue(Files.exists(SharedSegment.shmPath(name)));

        final Thread hook = guard.hook();
        hook.start();
        hook.join(300);
        assertTrue(hook.isAlive(), "the hook must wait for the start in progress");
        assertTrue(guard.requested());
        release.countDown();
        final IpcHost host = start.get(30, TimeUnit.SECONDS);
        hook.join(30_000);
        assertFalse(hook.isAlive());
        Channels.assertNoFiles(name);
        host.close(); // idempotent
    }

    @Test
    @Timeout(60)
    void aHookBeforeTheStartMakesItCreateNothing() throws Exception
    {
        final String name = channels.newName("guardbefore");
        final ShutdownGuard<IpcHost> guard = new ShutdownGuard<>("test-host-shutdown", Duration.ofMillis(200), null);
        final Thread hook = guard.hook();
        hook.start();
        hook.join(30_000);
        final AtomicInteger starts = new AtomicInteger();
        assertNull(guard.startLocked(() ->
        {
            starts.incrementAndGet();
            return IpcHost.start(config(name), IpcMessages::reqId);
        }));
        assertEquals(0, starts.get());
        Channels.assertNoFiles(name);
    }

    @Test
    @Timeout(60)
    void theMainThreadAndTheHookCloseOnceAndTheHookWaitsForTheMainThread() throws Exception
    {
        final String name = channels.newName("guardafter");
        final ShutdownGuard<IpcHost> guard = new ShutdownGuard<>("test-host-shutdown", Duration.ofSeconds(20), null);
        final IpcHost host = guard.startLocked(() -> IpcHost.start(config(name), IpcMessages::reqId));
        final Thread hook = guard.hook();
        hook.start();
        hook.join(300);
        assertTrue(hook.isAlive(), "the hook gives the main thread its grace to close");
        assertTrue(guard.requested());
        guard.close();
        guard.mainDone();
        hook.join(30_000);
        assertFalse(hook.isAlive());
        Channels.assertNoFiles(name);
        host.close(); // idempotent
    }

    @Test
    @Timeout(60)
    void aStartStuckLongerThanTheWaitRunsTheCleanUp() throws Exception
    {
        final AtomicInteger cleanUps = new AtomicInteger();
        final ShutdownGuard<AutoCloseable> guard = new ShutdownGuard<>("test-shutdown", Duration.ofMillis(100),
            cleanUps::incrementAndGet);
        final CountDownLatch inStart = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final CompletableFuture<AutoCloseable> start = CompletableFuture.supplyAsync(() -> guard.startLocked(() ->
        {
            inStart.countDown();
            try
            {
                release.await(ShutdownGuard.START_WAIT.toSeconds() + 20, TimeUnit.SECONDS);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
            return () -> { };
        }));
        assertTrue(inStart.await(30, TimeUnit.SECONDS));
        final Thread hook = guard.hook();
        hook.start();
        hook.join(ShutdownGuard.START_WAIT.toMillis() + 10_000);
        assertFalse(hook.isAlive());
        assertEquals(1, cleanUps.get());
        release.countDown();
        start.get(30, TimeUnit.SECONDS);
    }

    @Test
    @Timeout(60)
    void anInstallOnceTheJvmIsShuttingDownIsAnInterruptionNotAStackTrace() throws Exception
    {
        try (Child child = Child.java(InstallDuringShutdown.class))
        {
            assertEquals(0, child.waitFor(50), child.output());
            assertEquals("exit " + ExitCodes.INTERRUPTED + ": interrupted before it started (Shutdown in progress): " +
                "nothing was created", child.output().strip());
        }
    }
}
