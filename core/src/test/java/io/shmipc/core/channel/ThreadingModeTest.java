package io.shmipc.core.channel;

import com.google.flatbuffers.FlatBufferBuilder;
import io.shmipc.core.ChildProcess;
import io.shmipc.signals.NamedSignals;
import io.shmipc.idle.WakeSignal;
import io.shmipc.schemas.IpcMessages;
import io.shmipc.signals.NamedSignal;
import ipc.AddResponse;
import ipc.Message;
import org.agrona.concurrent.AgentInvoker;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.CompositeAgent;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The channel's agents in each threading mode (Aeron's DEDICATED, SHARED, INVOKER), on both sides and across two
 * JVMs, with 1, 4 and 8 calling threads; the application's own duty cycle and CompositeAgent; a throwing handler.
 */
class ThreadingModeTest
{
    @RegisterExtension
    final TestChannel channel = new TestChannel("mode");
    private final String name = channel.name;

    private <T extends AutoCloseable> T keep(final T resource)
    {
        return channel.keep(resource);
    }

    private ChannelConfig.Builder config()
    {
        return ChannelConfig.builder(name).capacity(64 * 1024).callTimeout(Duration.ofSeconds(10));
    }

    private static double result(final ByteBuffer response)
    {
        return ((AddResponse)Message.getRootAsMessage(response).payload(new AddResponse())).result();
    }

    /** Drives an invoker on a thread of the test, as an application's duty cycle would, until stopped. */
    private static final class DutyCycle implements AutoCloseable
    {
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread thread;

        DutyCycle(final AgentInvoker invoker)
        {
            thread = new Thread(() ->
            {
                final BackoffIdleStrategy idle = new BackoffIdleStrategy();
                while (running.get())
                {
                    idle.idle(invoker.invoke());
                }
            }, "test-duty-cycle");
            thread.start();
        }

        public void close() throws InterruptedException
        {
            running.set(false);
            thread.join(10_000);
        }
    }

    /**
     * Both sides in one mode, the guest in a second JVM, {@code threads} threads each making calls and checking
     * every answer. {@code busy-spin} runs only with SHARED: one spinning thread per process fits two CPUs.
     */
    @ParameterizedTest(name = "{0}, {1}, {2} calling threads")
    @CsvSource({
        "DEDICATED, wait, 1", "DEDICATED, wait, 4", "DEDICATED, wait, 8",
        "SHARED, wait, 1", "SHARED, wait, 4", "SHARED, wait, 8",
        "INVOKER, wait, 1", "INVOKER, wait, 4", "INVOKER, wait, 8",
        "SHARED, busy-spin, 1", "SHARED, busy-spin, 4", "SHARED, busy-spin, 8"})
    @Timeout(120)
    void everyCallIsAnsweredInEveryModeAcrossTwoJvms(final ThreadingMode mode, final String idle, final int threads)
        throws Exception
    {
        final IpcHost host =
            keep(IpcHost.start(config().threadingMode(mode).readerIdle(idle).build(), IpcMessages::reqId));
        final DutyCycle duty = mode == ThreadingMode.INVOKER ? keep(new DutyCycle(host.invoker())) : null;
        final ChildProcess guest = keep(ChildProcess.java(AddGuestMain.class, name, idle,
            "threading=" + mode.name().toLowerCase()));
        guest.awaitOutput("ready", 60, TimeUnit.SECONDS);
        callFromThreads(host, threads, 1500 / threads);
        assertEquals(0, host.unknownResponses());
        assertEquals(0, host.expiredResponses());
        assertEquals(0, host.errorCount());
        assertNull(host.failure());
        assertTrue(guest.isAlive(), guest::output);
        if (duty != null)
        {
            assertThrows(IllegalStateException.class, () -> keep(IpcHost.start(ChannelConfig.builder(name + "-d")
                .threadingMode(ThreadingMode.DEDICATED).build(), IpcMessages::reqId)).invoker(),
                "a DEDICATED host has no invoker");
        }
    }

    /**
     * Caller modes with many threads: callers write under a lock and take turns leading the reads (leader/follower),
     * every answer checked; with busy-spin on both sides the host has no spinning thread of its own.
     */
    @ParameterizedTest(name = "caller modes, {0}, {1} calling threads")
    @CsvSource({"wait, 1", "wait, 4", "wait, 8", "busy-spin, 1", "busy-spin, 4", "busy-spin, 8"})
    @Timeout(120)
    void callerModesServeManyCallingThreads(final String idle, final int threads) throws Exception
    {
        final IpcHost host = keep(IpcHost.start(config().readMode(ReadMode.CALLER).writeMode(WriteMode.CALLER)
            .readerIdle(idle).build(), IpcMessages::reqId));
        final ChildProcess guest = keep(ChildProcess.java(AddGuestMain.class, name, idle, "threading=shared"));
        guest.awaitOutput("ready", 60, TimeUnit.SECONDS);
        callFromThreads(host, threads, 1500 / threads);
        assertEquals(0, host.unknownResponses());
        assertEquals(0, host.expiredResponses());
        assertEquals(0, host.pendingCalls());
    }

    /** {@code threads} threads each make {@code calls} AddRequest calls and check every answer. */
    private static void callFromThreads(final IpcHost host, final int threads, final int calls) throws Exception
    {
        final ExecutorService pool = Executors.newFixedThreadPool(threads);
        try
        {
            final List<Future<?>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++)
            {
                final int thread = t;
                results.add(pool.submit(() ->
                {
                    for (int i = 0; i < calls; i++)
                    {
                        final double x = thread * 100_000 + i;
                        assertEquals(x + 0.5, result(host.call((b, id) -> IpcMessages.encodeAddRequest(b, id, x, 0.5),
                            Duration.ofSeconds(10))), 0.0);
                    }
                    return null;
                }));
            }
            for (final Future<?> result : results)
            {
                result.get(100, TimeUnit.SECONDS);
            }
        }
        finally
        {
            pool.shutdownNow();
        }
    }

    /** Host and guest in INVOKER mode, composed into the test's own CompositeAgent and run by its own AgentRunner. */
    @Test
    @Timeout(60)
    void invokerAgentsComposeIntoTheApplicationsOwnCompositeAgent() throws Exception
    {
        final ChannelConfig config = config().threadingMode(ThreadingMode.INVOKER).build();
        final IpcHost host = keep(IpcHost.start(config, IpcMessages::reqId));
        final IpcGuest guest = keep(IpcGuest.start(config, (buffer, index, length, self) -> self.respond(
            IpcMessages.encodeAddResponse(new FlatBufferBuilder(64),
                IpcMessages.reqId(copy(buffer, index, length)), 42))));
        final AgentRunner runner = new AgentRunner(new BackoffIdleStrategy(), Throwable::printStackTrace, null,
            new CompositeAgent(host.agent(), guest.agent()));
        AgentRunner.startOnThread(runner);
        try
        {
            for (int i = 0; i < 200; i++)
            {
                assertEquals(42, result(host.call((b, id) -> IpcMessages.encodeMyRandRequest(b, id),
                    Duration.ofSeconds(10))), 0.0);
            }
        }
        finally
        {
            runner.close();
        }
        assertThrows(IllegalStateException.class,
            () -> keep(IpcHost.start(
                ChannelConfig.builder(name + "-d").threadingMode(ThreadingMode.SHARED).build(), IpcMessages::reqId))
                .agent());
    }

    /**
     * The application's runner drives a host's agent while another thread closes the host, and the runner is
     * closed only afterwards: its last duty cycles and its onClose must not touch the unmapped segment (a crash).
     */
    @RepeatedTest(10)
    @Timeout(60)
    void closingAnInvokerSideUnderTheApplicationsRunnerNeverTouchesTheMapping() throws Exception
    {
        final IpcHost host = IpcHost.start(config().threadingMode(ThreadingMode.INVOKER).build(), IpcMessages::reqId);
        final AgentRunner runner = new AgentRunner(new BackoffIdleStrategy(), Throwable::printStackTrace, null,
            host.agent());
        AgentRunner.startOnThread(runner);
        for (int i = 0; i < 20; i++)
        {
            host.callAsync((b, id) -> IpcMessages.encodeMyRandRequest(b, id), Duration.ofMillis(100));
        }
        Thread.sleep(5);
        host.close();
        assertThrows(IllegalStateException.class, host::guestAlive);
        runner.close(); // its onClose comes after the unmap: it must do nothing
        assertTrue(runner.isClosed());
    }

    /** The test drives both sides' invokers from one thread, the way a trading system's duty cycle would. */
    @Test
    @Timeout(60)
    void invokerModeRunsOnlyWhenTheApplicationInvokes() throws Exception
    {
        final ChannelConfig config = config().threadingMode(ThreadingMode.INVOKER).build();
        final IpcHost host = keep(IpcHost.start(config, IpcMessages::reqId));
        final IpcGuest guest = keep(IpcGuest.start(config, (buffer, index, length, self) -> self.respond(
            IpcMessages.encodeAddResponse(new FlatBufferBuilder(64),
                IpcMessages.reqId(copy(buffer, index, length)), 7))));
        final CompletableFuture<ByteBuffer> call = host.callAsync((b, id) -> IpcMessages.encodeMyRandRequest(b, id));
        Thread.sleep(100);
        assertFalse(call.isDone(), "no thread of the channel moved the call");
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        int work = 0;
        while (!call.isDone() && System.nanoTime() - deadline < 0)
        {
            work += host.invoker().invoke();
            work += guest.invoker().invoke();
        }
        assertEquals(7, result(call.get(1, TimeUnit.SECONDS)), 0.0);
        assertTrue(work >= 3, "writer, reader and writer duties did work: " + work);
        assertTrue(Thread.getAllStackTraces().keySet().stream().noneMatch(t -> t.getName().contains(name)),
            "INVOKER starts no thread");
        host.close();
        assertEquals(0, host.invoker().invoke(), "invoking a closed channel does nothing");
    }

    /** A handler that throws on every tenth request: the guest keeps serving, every failure is counted and seen. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"DEDICATED", "SHARED"})
    @Timeout(60)
    void aHandlerThatThrowsIsCountedAndTheChannelGoesOn(final ThreadingMode mode) throws Exception
    {
        final ConcurrentLinkedQueue<Throwable> seen = new ConcurrentLinkedQueue<>();
        final AtomicBuffer counterValues = new UnsafeBuffer(ByteBuffer.allocateDirect(64));
        final AtomicCounter counter = new AtomicCounter(counterValues, 0);
        final IpcHost host = keep(IpcHost.start(config().threadingMode(mode).build(), IpcMessages::reqId));
        final IpcGuest guest = keep(IpcGuest.start(config().threadingMode(mode).errorHandler(seen::add)
            .errorCounter(counter).build(), (buffer, index, length, self) ->
            {
                final ByteBuffer request = copy(buffer, index, length);
                final long reqId = IpcMessages.reqId(request);
                if (reqId % 10 == 0)
                {
                    throw new IllegalStateException("request " + reqId + " refused by the test");
                }
                self.respond(IpcMessages.encodeAddResponse(new FlatBufferBuilder(64), reqId, 1));
            }));
        int answered = 0;
        int timedOut = 0;
        for (int i = 1; i <= 100; i++)
        {
            try
            {
                host.call(
                    (b, id) -> IpcMessages.encodeMyRandRequest(b, id), Duration.ofMillis(i % 10 == 0 ? 300 : 10_000));
                answered++;
            }
            catch (final TimeoutException ex)
            {
                timedOut++;
            }
        }
        assertEquals(90, answered);
        assertEquals(10, timedOut);
        assertEquals(10, seen.size());
        assertTrue(seen.stream().allMatch(t -> t.getMessage().contains("refused by the test")));
        assertEquals(10, counter.get());
        assertEquals(10, guest.errorCount());
        assertTrue(guest.isRunning());
    }

    /** An application's own IdleStrategy object, through a factory, runs the guest's reader. */
    @Test
    @Timeout(60)
    void idleStrategiesCanBeObjects() throws Exception
    {
        final AtomicLong idles = new AtomicLong();
        final AtomicReference<WakeSignal> given = new AtomicReference<>();
        final IpcHost host = keep(IpcHost.start(config().build(), IpcMessages::reqId));
        keep(IpcGuest.start(config().readerIdle((signal, guard) ->
        {
            given.set(signal);
            return new IdleStrategy()
            {
                private final BackoffIdleStrategy inner = new BackoffIdleStrategy();

                public void idle(final int workCount)
                {
                    idles.incrementAndGet();
                    inner.idle(workCount);
                }

                public void idle()
                {
                    idles.incrementAndGet();
                    inner.idle();
                }

                public void reset()
                {
                    inner.reset();
                }
            };
        }).build(), (buffer, index, length, self) -> self.respond(IpcMessages.encodeAddResponse(
            new FlatBufferBuilder(64), IpcMessages.reqId(copy(buffer, index, length)), 5))));
        assertEquals(
            5, result(host.call((b, id) -> IpcMessages.encodeMyRandRequest(b, id), Duration.ofSeconds(10))), 0.0);
        // The reader may have read the call before its first idle: once the queue is empty it idles, within 5 s.
        final long idleDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (idles.get() == 0 && System.nanoTime() - idleDeadline < 0)
        {
            Thread.sleep(1);
        }
        assertTrue(idles.get() > 0, "the application's strategy idles the reader");
        final NamedSignal request = assertInstanceOf(NamedSignal.class, given.get(), "it is given a named signal");
        assertEquals(NamedSignals.requestSignalName(name), request.name(), "it is given the request semaphore");
    }

    private static ByteBuffer copy(final org.agrona.DirectBuffer buffer, final int index, final int length)
    {
        final byte[] bytes = new byte[length];
        buffer.getBytes(index, bytes);
        return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }
}
