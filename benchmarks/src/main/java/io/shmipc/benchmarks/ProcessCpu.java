package io.shmipc.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time of a whole process, all threads, from {@code /proc/PID/stat} ({@code utime + stime}, in clock ticks of
 * 10 ms on Linux): coarse, so measure over seconds, not milliseconds.
 */
final class ProcessCpu
{
    private static final long NANOS_PER_TICK = 10_000_000L;

    private ProcessCpu()
    {
    }

    /**
     * @param pid a live process.
     * @return its CPU time so far in nanoseconds, or -1 if it cannot be read.
     */
    static long cpuNanos(final long pid)
    {
        try
        {
            final String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // Fields after the command, which is in parentheses and may hold spaces: state is field 3.
            final String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * NANOS_PER_TICK;
        }
        catch (final IOException | RuntimeException ex)
        {
            return -1;
        }
    }

    /**
     * CPU time the whole machine spent busy so far, all CPUs, from the first line of {@code /proc/stat} (user, nice,
     * system, irq and softirq; not idle, iowait or steal), in the same 10 ms ticks: every process counts, so read it
     * with nothing else running.
     *
     * @return busy nanoseconds since boot, or -1 if it cannot be read.
     */
    static long machineBusyNanos()
    {
        try (BufferedReader reader = Files.newBufferedReader(Path.of("/proc/stat")))
        {
            // "cpu user nice system idle iowait irq softirq steal ..."
            final String[] fields = reader.readLine().trim().split("\\s+");
            long ticks = 0;
            for (final int field : new int[] {1, 2, 3, 6, 7})
            {
                ticks += Long.parseLong(fields[field]);
            }
            return ticks * NANOS_PER_TICK;
        }
        catch (final IOException | RuntimeException ex)
        {
            return -1;
        }
    }

    /**
     * @return percent of one core used between two readings over {@code wallNanos}, or NaN if either is unknown.
     */
    static double percent(final long before, final long after, final long wallNanos)
    {
        return before < 0 || after < 0 || wallNanos <= 0 ? Double.NaN : 100.0 * (after - before) / wallNanos;
    }
}
