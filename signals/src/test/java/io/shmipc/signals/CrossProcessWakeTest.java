package io.shmipc.signals;

import io.shmipc.idle.WaitIdleStrategy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Wake-ups across processes: a Java reader blocked in the {@code wait} strategy is woken by another JVM and by the
 * C peer, and a C peer blocked in {@code sem_timedwait} is woken by a Java writer. Every block has a timeout far
 * longer than the test waits, so a pass means the post woke the waiter, not the timeout. glibc's waiter count in the
 * semaphore file proves the waiter is blocked before the post is made.
 */
@Timeout(value = 90)
class CrossProcessWakeTest
{
    private static final long BLOCK_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(60);

    private final TestSignals signals = new TestSignals();
    private Process peer;

    @AfterEach
    void cleanUp()
    {
        Peers.destroy(peer);
        signals.close();
    }

    @Test
    void javaReaderInWaitIsWokenByAnotherJvm() throws Exception
    {
        final NamedSignal signal = signals.create("jvm_wakes_java");
        final CompletableFuture<Long> reader = blockedReader(signal);

        peer = Peers.startJvm(SignalPoster.class, signal.name());
        final String output = Peers.finish(peer, 30);
        assertEquals(0, peer.exitValue(), output);

        assertWokenByPost(reader);
        assertEquals(0, signal.value(), "the reader consumed the post");
    }

    @Test
    void javaReaderInWaitIsWokenByTheCPeer() throws Exception
    {
        final NamedSignal signal = signals.create("c_wakes_java");
        final CompletableFuture<Long> reader = blockedReader(signal);

        peer = Peers.startC("post", signal.name());
        final String output = Peers.finish(peer, 30);
        assertEquals(0, peer.exitValue(), output);

        assertWokenByPost(reader);
        assertEquals(0, signal.value());
    }

    @Test
    void javaReaderDrainsEveryStalePostOfTheCPeer() throws Exception
    {
        final NamedSignal signal = signals.create("c_stale");
        peer = Peers.startC("post", signal.name(), "40000");
        final String output = Peers.finish(peer, 30);
        assertEquals(0, peer.exitValue(), output);
        assertEquals(40_000, signal.value());

        final WaitIdleStrategy strategy = new WaitIdleStrategy(0, 0, 0, 0, BLOCK_TIMEOUT_NS, signal, null);
        strategy.idle();
        assertEquals(0, signal.value(), "one block step drains the C++-style backlog (spec section 8)");
    }

    @Test
    void cPeerBlockedInSemTimedwaitIsWokenByJavaWriter() throws Exception
    {
        final NamedSignal signal = signals.create("java_wakes_c");
        peer = Peers.startC("wait", signal.name(), "60000");
        assertEquals("waiting", Peers.readLine(peer));
        NamedSignalsTest.awaitWaiters(signal.name(), 1);

        signal.post();

        final String output = Peers.finish(peer, 30);
        assertEquals(0, peer.exitValue(), "C peer was not woken: " + output);
        assertEquals("woken", output.trim());
        assertEquals(0, signal.value());
    }

    /**
     * Starts a reader thread that takes a {@code wait} strategy straight to its block phase and returns how long
     * the block lasted; returns once glibc shows it blocked.
     */
    private static CompletableFuture<Long> blockedReader(final NamedSignal signal) throws Exception
    {
        final WaitIdleStrategy strategy = new WaitIdleStrategy(10, 1, 1_000, 2_000, BLOCK_TIMEOUT_NS, signal, null);
        final CompletableFuture<Long> result = new CompletableFuture<>();
        final Thread reader = new Thread(() ->
        {
            try
            {
                for (int i = 0; i < 10 + 1 + 2; i++) // spins, yield, parks of 1us and 2us
                {
                    strategy.idle(0);
                }
                final long start = System.nanoTime();
                strategy.idle(0); // blocks
                result.complete(System.nanoTime() - start);
            }
            catch (final Throwable t)
            {
                result.completeExceptionally(t);
            }
        }, "wait-reader-test");
        reader.setDaemon(true);
        reader.start();
        NamedSignalsTest.awaitWaiters(signal.name(), 1);
        assertTrue(!result.isDone(), "the reader returned before any post");
        return result;
    }

    private static void assertWokenByPost(final CompletableFuture<Long> reader) throws Exception
    {
        final long blockedNs = reader.get(30, TimeUnit.SECONDS);
        assertTrue(blockedNs < BLOCK_TIMEOUT_NS, "reader blocked " + blockedNs + " ns: it timed out instead of waking");
    }
}
