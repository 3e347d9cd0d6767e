package io.shmipc.benchmarks;

import io.shmipc.affinity.CpuSet;
import io.shmipc.affinity.CpuTopology;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The machine a benchmark ran on, printed beside every table and stored in the JSON: CPU model, CPUs, kernel, JDK
 * and the JVM options of the measured processes.
 *
 * @param cpuModel        the first {@code model name} of /proc/cpuinfo.
 * @param cpusOnline      CPUs this JVM may use.
 * @param topology        physical cores, SMT and the allowed CPUs.
 * @param kernel          OS name and version.
 * @param jdk             VM name and runtime version.
 * @param jvmOptions      the options the child JVMs got, space separated.
 * @param timerSlackNanos this process's timer slack, or {@code unknown}.
 */
record Machine(String cpuModel, int cpusOnline, String topology, String kernel, String jdk, String jvmOptions,
    String timerSlackNanos)
{
    /**
     * @param jvmOptions the options the child JVMs got.
     * @return this machine.
     */
    static Machine describe(final List<String> jvmOptions)
    {
        return new Machine(readCpuModel(), Runtime.getRuntime().availableProcessors(), readTopology(),
            System.getProperty("os.name") + " " + System.getProperty("os.version"),
            System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"),
            String.join(" ", jvmOptions), timerSlack());
    }

    /**
     * @return one line for the text report.
     */
    String line()
    {
        return "machine: " + cpuModel + ", " + cpusOnline + " CPUs (" + topology + "), " + kernel + ", " + jdk +
            "\nJVM options of both processes: " + jvmOptions + "; timer slack " + timerSlackNanos + " ns";
    }

    /**
     * @return CPU model, CPUs and kernel: the subtitle of a plot.
     */
    String brief()
    {
        return cpuModel + ", " + cpusOnline + " CPUs, " + kernel;
    }

    private static String readCpuModel()
    {
        try
        {
            for (final String line : Files.readAllLines(Path.of("/proc/cpuinfo"), StandardCharsets.UTF_8))
            {
                if (line.startsWith("model name"))
                {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        }
        catch (final IOException | RuntimeException ignore)
        {
            // not Linux, or unreadable: say so below
        }
        return "unknown CPU model";
    }

    private static String readTopology()
    {
        try
        {
            final CpuTopology topology = CpuTopology.current();
            final List<CpuSet> cores = topology.cores();
            final boolean smt = cores.stream().anyMatch(core -> core.size() > 1);
            return cores.size() + " physical cores, " + (smt ? "SMT on" : "no SMT siblings") + ", allowed CPUs " +
                topology.allowed();
        }
        catch (final RuntimeException ex)
        {
            return "topology unknown: " + ex.getMessage();
        }
    }

    private static String timerSlack()
    {
        try
        {
            return Files.readString(Path.of("/proc/self/timerslack_ns"), StandardCharsets.UTF_8).trim();
        }
        catch (final IOException | RuntimeException ex)
        {
            return "unknown";
        }
    }
}
