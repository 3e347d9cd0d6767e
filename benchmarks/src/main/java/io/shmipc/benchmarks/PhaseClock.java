package io.shmipc.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * Wall time and the calling thread's CPU time over one phase of a run, from {@link #start()} to {@link #stop()}.
 * Both must be called by the thread being measured. Not thread safe.
 */
final class PhaseClock
{
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private long wallStart;
    private long cpuStart;
    private long wallNanos;
    private long cpuNanos;

    void start()
    {
        wallStart = System.nanoTime();
        cpuStart = THREADS.getCurrentThreadCpuTime();
    }

    void stop()
    {
        cpuNanos = THREADS.getCurrentThreadCpuTime() - cpuStart;
        wallNanos = System.nanoTime() - wallStart;
    }

    long wallNanos()
    {
        return wallNanos;
    }

    long cpuNanos()
    {
        return cpuNanos;
    }

    /**
     * @return CPU time as a percentage of one core over the phase's wall time.
     */
    double cpuPercent()
    {
        return wallNanos > 0 ? 100.0 * cpuNanos / wallNanos : 0.0;
    }
}
