package io.shmipc.affinity;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Threads made by an AffinityPlan on this machine: their names as Linux shows them and where they run.
 */
class PinningThreadFactoryTest
{
    private static final String CHANNEL = "SimpleIPC";

    /**
     * What a thread saw of itself while running its task.
     */
    private record Seen(String name, long tid, String comm, CpuSet cpus, CpuSet procCpus, int cpu)
    {
    }

    private static Seen runAndJoin(final ThreadFactory factory) throws Exception
    {
        final CompletableFuture<Seen> seen = new CompletableFuture<>();
        final Thread thread = factory.newThread(() ->
        {
            final long tid = Affinity.currentThreadId();
            seen.complete(new Seen(Thread.currentThread().getName(), tid, ProcStatus.threadComm(tid),
                Affinity.currentThreadCpus(), ProcStatus.threadCpusAllowed(tid), Affinity.currentCpu()));
        });
        thread.start();
        try
        {
            return seen.get(30, TimeUnit.SECONDS);
        }
        finally
        {
            thread.join(TimeUnit.SECONDS.toMillis(10));
        }
    }

    @Test
    void threadsAreNamedAfterRoleAndChannelAndPinnedBeforeTheirTaskRuns() throws Exception
    {
        final CpuSet allowed = Affinity.processCpus();
        final int writerCpu = allowed.stream().max().orElseThrow();
        try (AffinityPlan plan = AffinityPlan.builder(CHANNEL)
            .role("writer", "cpu=" + writerCpu)
            .role("reader", "core-of=writer")
            .resolve(CpuTopology.current(), new PlacementRegistry()))
        {
            final Seen writer = runAndJoin(plan.threadFactory("writer"));
            assertEquals("shmipc-writer-SimpleIPC", writer.name());
            assertEquals("shmipc-writer-S", writer.comm(), "Linux keeps 15 bytes of a thread name");
            assertEquals(CpuSet.of(writerCpu), writer.cpus());
            assertEquals(CpuSet.of(writerCpu), writer.procCpus());
            assertEquals(writerCpu, writer.cpu());
            assertEquals(new Placement.StartedThread("shmipc-writer-SimpleIPC", writer.tid(), CpuSet.of(writerCpu)),
                plan.placement("writer").thread());

            final Seen reader = runAndJoin(plan.threadFactory("reader"));
            final CpuSet readerCpus = plan.placement("reader").cpus();
            assertEquals(1, readerCpus.size());
            assertFalse(readerCpus.contains(writerCpu));
            assertEquals(readerCpus, reader.procCpus());
            assertEquals("shmipc-reader-SimpleIPC", reader.name());
            assertTrue(plan.toString().contains("[thread shmipc-reader-SimpleIPC tid " + reader.tid() + " on CPUs " +
                readerCpus + "]"), plan.toString());
        }
    }

    @Test
    void laterThreadsOfARoleAreNumberedAndANameSetBeforeStartIsReported() throws Exception
    {
        try (AffinityPlan plan = AffinityPlan.builder(CHANNEL)
            .role("writer", "cpu=" + Affinity.processCpus().first())
            .resolve(CpuTopology.current(), new PlacementRegistry()))
        {
            final ThreadFactory factory = plan.threadFactory("writer");
            assertEquals("shmipc-writer-SimpleIPC", runAndJoin(factory).name());
            assertEquals("shmipc-writer-SimpleIPC-2", runAndJoin(factory).name());

            // Agrona's AgentRunner.startOnThread renames the thread to the agent's roleName before starting it.
            final Seen renamed = runAndJoin(task ->
            {
                final Thread thread = factory.newThread(task);
                thread.setName("agent-role");
                return thread;
            });
            assertEquals("agent-role", plan.placement("writer").thread().name());
            assertEquals(renamed.tid(), plan.placement("writer").thread().threadId());
        }
    }

    /** Something run while the affinity module's log is captured. */
    private interface Logging
    {
        void run() throws Exception;
    }

    /**
     * @return the levels of what {@code task} logged on the {@code io.shmipc.affinity} logger, at any level; kept
     * off the console, so the test's output shows test results only.
     */
    private static List<Level> logged(final Logging task) throws Exception
    {
        final Logger logger = Logger.getLogger("io.shmipc.affinity");
        final List<Level> levels = new CopyOnWriteArrayList<>();
        final Handler handler = new Handler()
        {
            public void publish(final LogRecord record)
            {
                levels.add(record.getLevel());
            }

            public void flush()
            {
            }

            public void close()
            {
            }
        };
        final Level savedLevel = logger.getLevel();
        logger.setLevel(Level.ALL);
        logger.setUseParentHandlers(false);
        logger.addHandler(handler);
        try
        {
            task.run();
            return levels;
        }
        finally
        {
            logger.removeHandler(handler);
            logger.setUseParentHandlers(true);
            logger.setLevel(savedLevel);
        }
    }

    @Test
    void startingThreadsIsLoggedAtDebugOnlyAndSharingACpuAtWarning() throws Exception
    {
        final int cpu = Affinity.processCpus().first();
        assertEquals(List.of(Level.FINE, Level.FINE), logged(() ->
        {
            try (AffinityPlan plan = AffinityPlan.builder(CHANNEL)
                .role("writer", "cpu=" + cpu)
                .role("reader", "none")
                .resolve(CpuTopology.current(), new PlacementRegistry()))
            {
                runAndJoin(plan.threadFactory("writer"));
                runAndJoin(plan.threadFactory("reader"));
            }
        }), "one DEBUG (JUL FINE) line per started thread, pinned or not, nothing at INFO");

        final PlacementRegistry registry = new PlacementRegistry();
        assertEquals(List.of(Level.WARNING), logged(() ->
        {
            try (AffinityPlan first = AffinityPlan.builder(CHANNEL).role("writer", "cpu=" + cpu)
                .resolve(CpuTopology.current(), registry);
                AffinityPlan second = AffinityPlan.builder(CHANNEL + "2").role("writer", "cpu=" + cpu)
                    .resolve(CpuTopology.current(), registry))
            {
                assertTrue(first.toString().contains("cpu " + cpu) && second.toString().contains("cpu " + cpu));
            }
        }), "a CPU shared by two pinned threads is a warning");
    }

    @Test
    void unpinnedThreadReportsTheCpusItInherited() throws Exception
    {
        try (AffinityPlan plan = AffinityPlan.builder(CHANNEL)
            .role("reader", "none")
            .resolve(CpuTopology.current(), new PlacementRegistry()))
        {
            final Seen reader = runAndJoin(plan.threadFactory("reader"));
            assertEquals(Affinity.currentThreadCpus(), reader.procCpus());
            assertEquals(new Placement.StartedThread("shmipc-reader-SimpleIPC", reader.tid(), reader.procCpus()),
                plan.placement("reader").thread());
        }
    }

    @Test
    void threadThatCannotPinItselfDoesNotRunItsTask(@TempDir final Path sys) throws Exception
    {
        // A machine description with one CPU beyond this machine's: the plan accepts it, the kernel check does not.
        final int cpu = CpuTopology.current().online().stream().max().orElseThrow() + 1;
        final Path topology = Files.createDirectories(sys.resolve("cpu/cpu" + cpu + "/topology"));
        Files.writeString(sys.resolve("cpu/online"), cpu + "\n");
        Files.writeString(topology.resolve("core_id"), "0\n");
        Files.writeString(topology.resolve("physical_package_id"), "0\n");
        Files.writeString(topology.resolve("thread_siblings_list"), cpu + "\n");
        final CpuTopology bigger = CpuTopology.read(sys.resolve("cpu"), CpuSet.of(cpu));

        try (AffinityPlan plan = AffinityPlan.builder(CHANNEL)
            .role("writer", "cpu=" + cpu)
            .resolve(bigger, new PlacementRegistry()))
        {
            final AtomicBoolean ran = new AtomicBoolean();
            final AtomicReference<Throwable> uncaught = new AtomicReference<>();
            final Thread thread = plan.threadFactory("writer").newThread(() -> ran.set(true));
            thread.setUncaughtExceptionHandler((t, ex) -> uncaught.set(ex));
            assertEquals(List.of(Level.SEVERE), logged(() ->
            {
                thread.start();
                thread.join(TimeUnit.SECONDS.toMillis(30));
            }), "a failed pin is logged as an error");

            assertFalse(thread.isAlive());
            assertFalse(ran.get(), "the task must not run unpinned");
            assertNotNull(uncaught.get());
            final String message = uncaught.get().getMessage();
            assertTrue(message.startsWith("thread shmipc-writer-SimpleIPC of channel SimpleIPC could not pin " +
                "itself to CPUs " + cpu + " (affinity 'cpu=" + cpu + "') and will not run: cannot pin thread"),
                message);
            assertNull(plan.placement("writer").thread());
        }
    }

    @Test
    void threadsAreDaemonsExactlyWhenTheirCreatorIsOne() throws Exception
    {
        try (AffinityPlan plan = AffinityPlan.builder(CHANNEL)
            .role("writer", "none")
            .resolve(CpuTopology.current(), new PlacementRegistry()))
        {
            final ThreadFactory factory = plan.threadFactory("writer");
            assertEquals(Thread.currentThread().isDaemon(), factory.newThread(() -> { }).isDaemon());
            final CompletableFuture<Boolean> fromDaemon = new CompletableFuture<>();
            final Thread daemon = new Thread(() -> fromDaemon.complete(factory.newThread(() -> { }).isDaemon()));
            daemon.setDaemon(true);
            daemon.start();
            assertTrue(fromDaemon.get(10, TimeUnit.SECONDS), "made by a daemon thread: a daemon");
            final CompletableFuture<Boolean> fromUser = new CompletableFuture<>();
            final Thread user = new Thread(() -> fromUser.complete(factory.newThread(() -> { }).isDaemon()));
            user.setDaemon(false);
            user.start();
            assertFalse(fromUser.get(10, TimeUnit.SECONDS), "made by a user thread: not a daemon");
        }
    }

    @Test
    void closedPlanMakesNoMoreThreads()
    {
        final AffinityPlan plan = AffinityPlan.builder(CHANNEL)
            .role("writer", "none")
            .resolve(CpuTopology.current(), new PlacementRegistry());
        final ThreadFactory factory = plan.threadFactory("writer");
        plan.close();

        final IllegalStateException ex = assertThrows(IllegalStateException.class, () -> factory.newThread(() -> { }));
        assertEquals("the affinity plan of channel SimpleIPC is closed; no new writer thread", ex.getMessage());
    }
}
