/*
 * shmipc: low-latency messaging between processes over shared memory.
 */
package io.shmipc.idle;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The command line of a child JVM: this JVM's {@code java}, the flag every JVM that loads Agrona 2.x needs
 * ({@link #AGRONA_JVM_ARGS}), any other JVM options, a class path (this JVM's by default), the main class and its
 * arguments. The one place that builds {@code java --add-exports ... -cp ... Main args} for a child process: the
 * demo's guest, the benchmarks' peers and every test peer. It lives here because idle-strategies is the lowest
 * module that loads Agrona, and every module that starts a JVM sees it.
 * <p>
 * A builder: not thread safe; {@link #command()} returns an independent list each time.
 */
public final class ChildJvm
{
    /** Every JVM that loads Agrona 2.x needs this export. */
    public static final List<String> AGRONA_JVM_ARGS =
        List.of("--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED");

    private final String mainClass;
    private final List<String> jvmOptions = new ArrayList<>();
    private final List<String> args = new ArrayList<>();
    private String classPath = System.getProperty("java.class.path");

    private ChildJvm(final String mainClass)
    {
        this.mainClass = mainClass;
    }

    /**
     * @param mainClass the class whose {@code main} the child runs.
     * @return a builder for it, with this JVM's class path and no other options or arguments.
     */
    public static ChildJvm of(final Class<?> mainClass)
    {
        return new ChildJvm(mainClass.getName());
    }

    /**
     * @param options JVM options, after the Agrona flag and before {@code -cp}, e.g. {@code -Xmx64m}.
     * @return this.
     */
    public ChildJvm jvmOptions(final String... options)
    {
        return jvmOptions(List.of(options));
    }

    /**
     * @param options JVM options, after the Agrona flag and before {@code -cp}.
     * @return this.
     */
    public ChildJvm jvmOptions(final List<String> options)
    {
        jvmOptions.addAll(options);
        return this;
    }

    /**
     * @param classPath the child's class path, instead of this JVM's.
     * @return this.
     */
    public ChildJvm classPath(final String classPath)
    {
        this.classPath = classPath;
        return this;
    }

    /**
     * @param arguments arguments of the main class, after those given before.
     * @return this.
     */
    public ChildJvm args(final String... arguments)
    {
        return args(List.of(arguments));
    }

    /**
     * @param arguments arguments of the main class, after those given before.
     * @return this.
     */
    public ChildJvm args(final List<String> arguments)
    {
        args.addAll(arguments);
        return this;
    }

    /**
     * @return the JVM options the child gets: the Agrona flag, then those given, e.g. for a report.
     */
    public List<String> jvmOptions()
    {
        final List<String> options = new ArrayList<>(AGRONA_JVM_ARGS);
        options.addAll(jvmOptions);
        return Collections.unmodifiableList(options);
    }

    /**
     * @return the command, for {@link ProcessBuilder}: {@code <java.home>/bin/java}, {@link #jvmOptions()},
     * {@code -cp}, the class path, the main class and the arguments.
     */
    public List<String> command()
    {
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions());
        command.add("-cp");
        command.add(classPath);
        command.add(mainClass);
        command.addAll(args);
        return command;
    }

    /**
     * @return a new process builder for {@link #command()}.
     */
    public ProcessBuilder processBuilder()
    {
        return new ProcessBuilder(command());
    }
}
