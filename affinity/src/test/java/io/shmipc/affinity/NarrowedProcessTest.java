package io.shmipc.affinity;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A process started with a narrowed affinity mask, as {@code taskset -c} or a container's cpuset would start it,
 * sees only its own CPUs: placements outside them fail at start naming the CPUs it may use, even though the machine
 * has them online. The child inherits the mask of the thread that starts it, here a thread pinned to one CPU.
 */
class NarrowedProcessTest
{
    private final ExecutorService launcher =
        Executors.newSingleThreadExecutor(task -> new Thread(task, "narrowed-launcher-test"));
    private Process child;

    @AfterEach
    void cleanUp() throws InterruptedException
    {
        if (null != child)
        {
            child.destroyForcibly();
            child.waitFor(10, TimeUnit.SECONDS);
        }
        launcher.shutdownNow();
        assertTrue(launcher.awaitTermination(10, TimeUnit.SECONDS));
    }

    @Test
    void childStartedOnOneCpuMayUseOnlyThatCpu() throws Exception
    {
        final CpuSet allowed = Affinity.processCpus();
        assumeTrue(allowed.size() >= 2, "narrowing needs at least two CPUs; this process may use " + allowed);
        final int childCpu = allowed.stream().max().orElseThrow();
        final int otherCpu = allowed.first();
        final CpuSet notInChild = allowed.minus(CpuSet.of(childCpu));
        final String others = notInChild.size() == 1 ? "cpu " + notInChild + " is" : "CPUs " + notInChild + " are";

        child = launcher.submit(() ->
        {
            try (ThreadPin ignored = Affinity.pinCurrentThread(CpuSet.of(childCpu)))
            {
                return new ProcessBuilder(javaCommand("cpu=" + otherCpu, "cpu=" + childCpu, "cpus=" + allowed))
                    .redirectErrorStream(true)
                    .start();
            }
        }).get(30, TimeUnit.SECONDS);
        assertTrue(child.waitFor(60, TimeUnit.SECONDS), "child JVM did not finish within 60 s");
        final List<String> lines = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
            .lines().filter(line -> line.contains("=")).toList();
        assertEquals(0, child.exitValue(), String.join("\n", lines));

        assertEquals(List.of(
            "process=" + childCpu,
            "status=" + childCpu,
            "topology=" + childCpu,
            "error=channel probe, role writer, affinity 'cpu=" + otherCpu + "': cpu " + otherCpu + " is online but " +
                "outside this process's allowed CPUs (narrowed by its cgroup cpuset, container or taskset); " +
                "this process may use CPUs " + childCpu,
            "plan=probe: writer=cpu=" + childCpu + " -> cpu " + childCpu,
            "error=channel probe, role writer, affinity 'cpus=" + allowed + "': " + others + " online but " +
                "outside this process's allowed CPUs (narrowed by its cgroup cpuset, container or taskset); " +
                "this process may use CPUs " + childCpu),
            lines);
        assertEquals(allowed, Affinity.processCpus(), "the parent's own mask is unchanged");
    }

    private static List<String> javaCommand(final String... specs)
    {
        final List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java"));
        final String agronaArgs = System.getProperty("shmipc.agrona.jvm.args", "");
        if (!agronaArgs.isBlank())
        {
            command.addAll(List.of(agronaArgs.trim().split("\\s+")));
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(AffinityProbe.class.getName());
        command.addAll(List.of(specs));
        return command;
    }
}
