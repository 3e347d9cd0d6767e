package io.shmipc.benchmarks;

import io.shmipc.idle.ChildJvm;

import java.util.List;

/**
 * How this command starts its child JVMs and names its shared-memory objects: {@link BenchMain} in a
 * {@link ChildJvm} with any extra JVM options given with {@code --jvm-opt}. Immutable.
 */
final class BenchContext
{
    private final List<String> extraJvmOptions;
    private final String shmPrefix;
    private final Progress progress;

    BenchContext(final List<String> extraJvmOptions, final String shmPrefix, final Progress progress)
    {
        this.extraJvmOptions = List.copyOf(extraJvmOptions);
        this.shmPrefix = shmPrefix;
        this.progress = progress;
    }

    /**
     * @return a new child JVM running {@link BenchMain} with the extra JVM options; add the subcommand and its
     * arguments with {@link ChildJvm#args}.
     */
    ChildJvm child()
    {
        return ChildJvm.of(BenchMain.class).jvmOptions(extraJvmOptions);
    }

    /**
     * @return the JVM options every child gets, for the report.
     */
    List<String> jvmOptions()
    {
        return child().jvmOptions();
    }

    /**
     * @return the start of every /dev/shm file and semaphore name, followed by the pid and a counter.
     */
    String shmPrefix()
    {
        return shmPrefix;
    }

    Progress progress()
    {
        return progress;
    }
}
