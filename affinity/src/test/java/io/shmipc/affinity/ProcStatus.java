package io.shmipc.affinity;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What Linux itself reports about a thread or process in /proc, to check Affinity against.
 */
final class ProcStatus
{
    private ProcStatus()
    {
    }

    /**
     * @param tid a thread of this process.
     * @return {@code Cpus_allowed_list} of /proc/self/task/&lt;tid&gt;/status.
     */
    static CpuSet threadCpusAllowed(final long tid)
    {
        return cpusAllowed(Path.of("/proc/self/task/" + tid + "/status"));
    }

    /**
     * @return {@code Cpus_allowed_list} of /proc/self/status: the process's first thread.
     */
    static CpuSet processCpusAllowed()
    {
        return cpusAllowed(Path.of("/proc/self/status"));
    }

    /**
     * @param tid a thread of this process.
     * @return its comm, the name top -H and ps -L show.
     */
    static String threadComm(final long tid)
    {
        return read(Path.of("/proc/self/task/" + tid + "/comm")).strip();
    }

    private static CpuSet cpusAllowed(final Path status)
    {
        return read(status).lines()
            .filter(line -> line.startsWith("Cpus_allowed_list:"))
            .map(line -> CpuSet.parse(line.substring("Cpus_allowed_list:".length())))
            .findFirst()
            .orElseThrow(() -> new IllegalStateException("no Cpus_allowed_list in " + status));
    }

    private static String read(final Path path)
    {
        try
        {
            return Files.readString(path);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}
