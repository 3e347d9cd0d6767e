package io.shmipc.benchmarks;

import io.shmipc.affinity.CpuSet;
import io.shmipc.affinity.CpuTopology;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The machine a benchmark ran on, printed beside every table and stored in the JSON: CPU model, CPUs, kernel, JDK
 * and the JVM options of the measured processes.
 */
final class Machine
{
    private Machine()
    {
    }

    /**
     * @param jvmOptions the options the child JVMs got.
     * @return an ordered map for the JSON.
     */
    static Map<String, Object> describe(final List<String> jvmOptions)
    {
        final Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("cpuModel", cpuModel());
        machine.put("cpusOnline", Runtime.getRuntime().availableProcessors());
        machine.put("topology", topology());
        machine.put("kernel", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        machine.put("jdk", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        machine.put("jvmOptions", String.join(" ", jvmOptions));
        machine.put("timerSlackNanos", timerSlack());
        return machine;
    }

    /**
     * @return one line for the text report.
     */
    static String line(final Map<String, Object> machine)
    {
        return "machine: " + machine.get("cpuModel") + ", " + machine.get("cpusOnline") + " CPUs (" +
            machine.get("topology") + "), " + machine.get("kernel") + ", " + machine.get("jdk") +
            "\nJVM options of both processes: " + machine.get("jvmOptions") + "; timer slack " +
            machine.get("timerSlackNanos") + " ns";
    }

    private static String cpuModel()
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

    private static String topology()
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
