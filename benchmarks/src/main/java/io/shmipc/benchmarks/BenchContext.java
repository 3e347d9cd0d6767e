package io.shmipc.benchmarks;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * How this command starts its child JVMs and names its shared-memory objects: the Java launcher of this JVM, its
 * class path, the flag Agrona 2.x needs ({@link #AGRONA_JVM_ARGS}) and any extra JVM options given with
 * {@code --jvm-opt}. Immutable.
 */
final class BenchContext
{
    /** Every JVM that loads Agrona 2.x needs this export. */
    static final List<String> AGRONA_JVM_ARGS = List.of("--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED");

    private final List<String> javaCommand;
    private final List<String> jvmOptions;
    private final String shmPrefix;
    private final Progress progress;

    BenchContext(final List<String> extraJvmOptions, final String shmPrefix, final Progress progress)
    {
        final List<String> options = new ArrayList<>(AGRONA_JVM_ARGS);
        options.addAll(extraJvmOptions);
        this.jvmOptions = Collections.unmodifiableList(options);
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(options);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(BenchMain.class.getName());
        this.javaCommand = Collections.unmodifiableList(command);
        this.shmPrefix = shmPrefix;
        this.progress = progress;
    }

    /**
     * @return the command line that starts {@link BenchMain} in a child JVM, before its subcommand.
     */
    List<String> javaCommand()
    {
        return javaCommand;
    }

    /**
     * @return the JVM options every child gets, for the report.
     */
    List<String> jvmOptions()
    {
        return jvmOptions;
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
