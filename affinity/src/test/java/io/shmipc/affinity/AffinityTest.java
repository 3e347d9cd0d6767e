package io.shmipc.affinity;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Pins real threads of this JVM and checks the result against what Linux reports in /proc. Each test runs on a
 * thread of its own, so a failure cannot leave the test runner's thread pinned.
 */
class AffinityTest
{
    private final ExecutorService executor =
        Executors.newSingleThreadExecutor(task -> new Thread(task, "affinity-test"));

    @AfterEach
    void stopExecutor() throws InterruptedException
    {
        executor.shutdownNow();
        assertTrue(executor.awaitTermination(10, TimeUnit.SECONDS));
    }

    private <T> T onOwnThread(final Callable<T> task) throws Exception
    {
        return executor.submit(task).get(30, TimeUnit.SECONDS);
    }

    @Test
    void processCpusAreTheProcessMaskLinuxReports()
    {
        final CpuSet allowed = Affinity.processCpus();

        assertEquals(ProcStatus.processCpusAllowed(), allowed);
        assertTrue(CpuTopology.current().online().containsAll(allowed));
    }

    @Test
    void processCpuCountIsTheProcessMaskEvenFromAThreadPinnedToOneCpu() throws Exception
    {
        final CpuSet allowed = Affinity.processCpus();
        assumeTrue(allowed.size() >= 2, "needs two allowed CPUs");

        final int count = onOwnThread(() ->
        {
            try (ThreadPin pin = Affinity.pinCurrentThread(CpuSet.of(allowed.first())))
            {
                return Affinity.processCpuCount();
            }
        });
        assertEquals(allowed.size(), count, "the process's CPUs, not the pinned thread's");
    }

    @Test
    void threadIdIsTheLinuxTid() throws Exception
    {
        final long tid = onOwnThread(Affinity::currentThreadId);

        assertNotEquals(ProcessHandle.current().pid(), tid, "Java threads are not the process's first thread");
        assertEquals("affinity-test", ProcStatus.threadComm(tid));
    }

    @Test
    void pinToEachAllowedCpuInTurnThenUnpinRestoresThePreviousSet() throws Exception
    {
        final CpuSet allowed = Affinity.processCpus();
        final int pinned = onOwnThread(() ->
        {
            final long tid = Affinity.currentThreadId();
            final CpuSet before = Affinity.currentThreadCpus();
            assertEquals(ProcStatus.threadCpusAllowed(tid), before);

            int count = 0;
            for (int cpu = allowed.first(); cpu >= 0 && count < 4; cpu = allowed.nextCpu(cpu + 1), count++)
            {
                try (ThreadPin pin = Affinity.pinCurrentThread(CpuSet.of(cpu)))
                {
                    assertEquals(CpuSet.of(cpu), pin.cpus());
                    assertEquals(before, pin.previousCpus());
                    assertEquals(tid, pin.threadId());
                    assertEquals(CpuSet.of(cpu), ProcStatus.threadCpusAllowed(tid));
                    assertEquals(CpuSet.of(cpu), Affinity.currentThreadCpus());
                    assertEquals(cpu, Affinity.currentCpu(), "Linux migrates the thread before returning");
                    assertEquals(allowed, Affinity.processCpus(), "pinning a thread leaves the process mask alone");
                }
                assertEquals(before, ProcStatus.threadCpusAllowed(tid));
            }

            return count;
        });

        assertEquals(Math.min(4, allowed.size()), pinned);
    }

    @Test
    void nestedPinsUnwindInOrder() throws Exception
    {
        final CpuSet allowed = Affinity.processCpus();
        final int first = allowed.first();
        final int last = allowed.stream().max().orElseThrow();

        onOwnThread(() ->
        {
            final long tid = Affinity.currentThreadId();
            final CpuSet before = Affinity.currentThreadCpus();
            try (ThreadPin outer = Affinity.pinCurrentThread(CpuSet.of(first)))
            {
                try (ThreadPin inner = Affinity.pinCurrentThread(CpuSet.of(last)))
                {
                    assertEquals(CpuSet.of(first), inner.previousCpus());
                    assertEquals(CpuSet.of(last), ProcStatus.threadCpusAllowed(tid));
                }
                assertEquals(CpuSet.of(first), ProcStatus.threadCpusAllowed(tid));
            }
            assertEquals(before, ProcStatus.threadCpusAllowed(tid));
            return null;
        });
    }

    @Test
    void pinningToACpuOutsideTheAllowedSetFailsListingTheAllowedCpusAndChangesNothing() throws Exception
    {
        final CpuSet allowed = Affinity.processCpus();
        final int outside = allowed.stream().max().orElseThrow() + 1;

        final String message = onOwnThread(() ->
        {
            final CpuSet before = Affinity.currentThreadCpus();
            final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                () -> Affinity.pinCurrentThread(CpuSet.of(allowed.first(), outside)));
            assertEquals(before, ProcStatus.threadCpusAllowed(Affinity.currentThreadId()));
            return ex.getMessage();
        });

        assertEquals("cannot pin thread 'affinity-test' to CPUs " + CpuSet.of(allowed.first(), outside) +
            ": CPUs outside this process's allowed set: " + outside + "; this process may use CPUs " + allowed,
            message);
    }

    @Test
    void pinningToNoCpusFails() throws Exception
    {
        final String message = onOwnThread(() ->
            assertThrows(IllegalArgumentException.class, () -> Affinity.pinCurrentThread(CpuSet.EMPTY)).getMessage());

        assertEquals("cannot pin thread 'affinity-test' to no CPUs; this process may use CPUs " +
            Affinity.processCpus(), message);
    }

    @Test
    void onlyThePinnedThreadCanUnpinItself() throws Exception
    {
        final CpuSet allowed = Affinity.processCpus();
        final ThreadPin pin = onOwnThread(() -> Affinity.pinCurrentThread(CpuSet.of(allowed.first())));
        try
        {
            final IllegalStateException ex = assertThrows(IllegalStateException.class, pin::close);
            assertEquals("the pin of thread 'affinity-test' (tid " + pin.threadId() + ") must be closed on that " +
                "thread, not on '" + Thread.currentThread().getName() + "'", ex.getMessage());
        }
        finally
        {
            onOwnThread(() ->
            {
                pin.close();
                pin.close();
                return null;
            });
        }
        assertEquals(pin.previousCpus(), ProcStatus.threadCpusAllowed(pin.threadId()));
    }

    @Test
    void otherOperatingSystemsAreRefusedByName()
    {
        final UnsupportedOperationException ex =
            assertThrows(UnsupportedOperationException.class, () -> Affinity.forOs("Mac OS X"));
        assertEquals("CPU affinity is supported on Linux and Windows only, not on os.name=Mac OS X", ex.getMessage());
        assertThrows(UnsupportedOperationException.class, () -> Affinity.forOs("FreeBSD"));
    }

    @Test
    void pinProcessThreadsPinsEveryThreadButTheFirstAndThreadsStartedLaterInheritIt() throws Exception
    {
        final CpuSet allowed = Affinity.processCpus();
        assumeTrue(allowed.size() >= 2, "needs two CPUs to tell pinned from not; this process may use " + allowed);
        final CpuSet last = CpuSet.of(allowed.stream().max().orElseThrow());
        final long first = ProcessHandle.current().pid();
        try
        {
            assertTrue(Affinity.pinProcessThreads(last) >= 2, "this JVM has more than one thread");

            for (final long tid : taskIds())
            {
                assertEquals(tid == first ? allowed : last, ProcStatus.threadCpusAllowed(tid),
                    "thread " + tid + " (" + ProcStatus.threadComm(tid) + ")");
            }
            assertEquals(allowed, Affinity.processCpus(), "the process's CPUs are still what it may use");
            assertEquals(last, onOwnThread(Affinity::currentThreadCpus), "a thread started after inherits the CPUs");
        }
        finally
        {
            Affinity.pinProcessThreads(allowed);
        }
        for (final long tid : taskIds())
        {
            assertEquals(allowed, ProcStatus.threadCpusAllowed(tid), "restored: thread " + tid);
        }
    }

    @Test
    void pinProcessThreadsRefusesCpusOutsideTheProcessNamingThem()
    {
        final CpuSet allowed = Affinity.processCpus();
        final CpuSet outside = CpuSet.of(CpuSet.MAX_CPU);

        final IllegalArgumentException ex =
            assertThrows(IllegalArgumentException.class, () -> Affinity.pinProcessThreads(outside));
        assertEquals("cannot pin this process's threads to CPUs " + outside + "; this process may use CPUs " +
            allowed, ex.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Affinity.pinProcessThreads(CpuSet.EMPTY));
    }

    private static long[] taskIds() throws IOException
    {
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task")))
        {
            // a thread may end between the listing and the read of its status: keep the ones still there
            return tasks.filter(task -> Files.exists(task.resolve("status")))
                .mapToLong(task -> Long.parseLong(task.getFileName().toString())).toArray();
        }
    }
}
